//! The program: what runs when the learner presses Run (the listing, in Rust). The
//! workers are `Worker`, a `Process` subclass whose `run` the child executes: here a
//! target whose argument is the subclass's one field, its steps, as CPython's `spawn`
//! pickles the object and calls `run()` in the child.

use crate::error::PyResult;
use crate::lessons::exec::py_bool;
use crate::lessons::Params;
use crate::multiprocessing::{current_process, log_to_stderr, parent_process, Process, Target};
use crate::py_print;
use crate::runtime;
use std::sync::atomic::{AtomicI64, Ordering};

/// Seconds per step.
const STEP: f64 = 0.5;

/// The listing's module-level `counter`: every process has its own.
static COUNTER: AtomicI64 = AtomicI64::new(0);

/// `Worker.run`, in the child.
pub(super) static WORKER_RUN: Target = crate::target!(worker_run);

fn worker_run(steps: i64) -> PyResult<()> {
    let me = current_process()?;
    let parent = parent_process()?.map_or(0, |p| p.pid);
    py_print!("{}: run() in pid {}, parent pid {parent}", me.name, me.pid)?;
    work(&me.name, steps)?;
    py_print!("{}: run() returns", me.name)
}

fn work(name: &str, iterations: i64) -> PyResult<()> {
    for i in 1..=iterations {
        let counter = COUNTER.fetch_add(1, Ordering::Relaxed) + 1;
        py_print!("{name}: step {i} of {iterations}, counter = {counter}")?;
        runtime::sleep(STEP)?;
    }
    Ok(())
}

/// Python's spelling of an optional number.
fn py_opt(v: Option<impl std::fmt::Display>) -> String {
    v.map_or_else(|| "None".to_owned(), |v| v.to_string())
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let processes = p.int("processes");
    let iterations = p.int("iterations");
    if p.flag("logging") {
        log_to_stderr()?;
    }
    let me = current_process()?;
    py_print!("main: {}, pid {}", me.name, me.pid)?;
    let workers: Vec<Process> = (1..=processes)
        .map(|n| Process::named(&format!("worker-{n}"), &WORKER_RUN, &(iterations + n - 1)))
        .collect::<PyResult<_>>()?;
    for w in &workers {
        py_print!("main: {} created, pid {}, alive {}", w.name(), py_opt(w.pid()), py_bool(w.is_alive()?))?;
        w.start()?;
        py_print!(
            "main: {} started, pid {}, alive {}, exitcode {}",
            w.name(),
            py_opt(w.pid()),
            py_bool(w.is_alive()?),
            py_opt(w.exitcode())
        )?;
    }
    if let Some(after) = p.opt_float("terminate_after") {
        runtime::sleep(after)?;
        for w in &workers {
            if w.is_alive()? {
                w.terminate()?;
                py_print!("main: terminate() {}", w.name())?;
            }
        }
    }
    for w in &workers {
        w.join(None)?;
        py_print!("main: {} joined, alive {}, exitcode {}", w.name(), py_bool(w.is_alive()?), py_opt(w.exitcode()))?;
    }
    py_print!("main: counter = {}", COUNTER.load(Ordering::Relaxed))
}
