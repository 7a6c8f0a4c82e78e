//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::futures::ThreadPoolExecutor;
use crate::lessons::Params;
use crate::runtime::{self, monotonic};
use crate::threading::current_thread;

fn task(n: i64, task_s: f64, start: f64) -> PyResult<i64> {
    let name = current_thread().name().to_owned();
    crate::py_print!("{name}: task {n} started at {:.2}", monotonic() - start)?;
    runtime::sleep(task_s * crate::lessons::pyrandom::uniform(0.5, 1.5))?;
    crate::py_print!("{name}: task {n} finished at {:.2}", monotonic() - start)?;
    Ok(n * n)
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let tasks = p.int("tasks");
    let task_s = p.float("task_s");
    let start = monotonic();
    ThreadPoolExecutor::new(p.int("max_workers"))?.with(|executor| {
        let future = executor.submit(move || task(0, task_s, start))?;
        crate::py_print!("main: task 0 submitted, done() = {}", crate::lessons::exec::py_bool(future.done()))?;
        let r = future.result(None)?;
        crate::py_print!("main: task 0 -> {r}, done() = {}", crate::lessons::exec::py_bool(future.done()))?;
        let results = executor.map(move |n| task(n, task_s, start), 1..tasks)?;
        for (n, square) in (1..tasks).zip(results) {
            crate::py_print!("main: map gives task {n} -> {}", square?)?;
        }
        Ok(())
    })?;
    runtime::print("main: the pool is shut down")
}
