//! The program: what runs when the learner presses Run (the listing, in Rust). The
//! listing's globals that a worker reads (TASK_S, RETURNS, SHOW) travel with each task:
//! a worker is a fresh instance, as a spawned interpreter that re-reads the module is.

use crate::error::{PyErr, PyResult};
use crate::lessons::exec::py_bool;
use crate::lessons::Params;
use crate::multiprocessing::{current_process, Pool, Target};
use crate::py_print;
use crate::threading::current_thread;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Serialize, Deserialize)]
struct Globals {
    task_s: f64,
    returns: bool,
    show: bool,
}

/// `task(n)`, as `map`, `apply_async` and the `imap`s call it.
pub(super) static TASK: Target = crate::target!(task);
fn task((n, g): (i64, Globals)) -> PyResult<Option<i64>> {
    work(n, 2, g)
}

/// `task(n, power)`, as `starmap` calls it with a tuple.
pub(super) static STAR_TASK: Target = crate::target!(star_task);
fn star_task((n, power, g): (i64, u32, Globals)) -> PyResult<Option<i64>> {
    work(n, power, g)
}

fn work(n: i64, power: u32, g: Globals) -> PyResult<Option<i64>> {
    let name = current_process()?.name;
    if g.show {
        py_print!("{name}: task {n} started")?;
    }
    crate::runtime::sleep(g.task_s * crate::lessons::pyrandom::uniform(0.5, 1.5))?;
    if g.show {
        py_print!("{name}: task {n} finished")?;
    }
    Ok(g.returns.then(|| n.pow(power)))
}

/// Python's repr of a result: a number or `None`.
fn py(r: &Option<i64>) -> String {
    r.map_or("None".into(), |v| v.to_string())
}

fn on_results(results: Vec<Option<i64>>) -> PyResult<()> {
    let here = format!("{}/{}", current_process()?.name, current_thread().name());
    py_print!("callback: {} results in {here}", results.len())
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let tasks = p.int("tasks");
    let g = Globals { task_s: p.float("task_s"), returns: p.flag("returns"), show: tasks <= 20 };
    let method = p.choice("method").to_owned();
    let items: Vec<(i64, Globals)> = (0..tasks).map(|n| (n, g)).collect();
    let pairs: Vec<(i64, u32, Globals)> = (0..tasks).map(|n| (n, 2, g)).collect();
    let pool = Pool::new(Some(p.int("processes")))?;
    let after = pool.clone();
    pool.with(|pool| {
        py_print!("main: {pool}")?;
        let results: Vec<Option<i64>> = match method.as_str() {
            "map" => pool.map(&TASK, &items, None)?,
            "map_async" => pool.map_async(&TASK, &items, None, Some(Box::new(on_results)), None)?.get(None)?,
            "starmap" => pool.starmap(&STAR_TASK, &pairs, None)?,
            "starmap_async" => {
                pool.starmap_async(&STAR_TASK, &pairs, None, Some(Box::new(on_results)), None)?.get(None)?
            }
            "apply_async" => {
                let on_result = move |r: Option<i64>| {
                    if g.show {
                        py_print!("callback: {} in {}", py(&r), current_thread().name())?;
                    }
                    Ok(())
                };
                let pending = items
                    .iter()
                    .map(|it| pool.apply_async(&TASK, it, Some(Box::new(on_result)), None))
                    .collect::<PyResult<Vec<_>>>()?;
                pending.iter().map(|r| r.get(None)).collect::<PyResult<_>>()?
            }
            "imap" => pool.imap(&TASK, &items, 1)?.collect::<PyResult<_>>()?,
            _ => pool.imap_unordered(&TASK, &items, 1)?.collect::<PyResult<_>>()?,
        };
        let first: Vec<String> = results.iter().take(5).map(py).collect();
        py_print!("main: {} results, the first: [{}]", results.len(), first.join(", "))?;
        let expected: Vec<Option<i64>> = (0..tasks).map(|n| g.returns.then(|| n * n)).collect();
        py_print!("main: results in input order: {}", py_bool(results == expected))
    })?;
    // Leaving "with" terminated the pool: a later call is refused.
    py_print!("main: {after}")?;
    match after.map::<_, Option<i64>>(&TASK, &items, None) {
        Err(PyErr::ValueError(m)) => py_print!("main: ValueError: {m}"),
        Err(e) => Err(e),
        Ok(_) => Ok(()),
    }
}
