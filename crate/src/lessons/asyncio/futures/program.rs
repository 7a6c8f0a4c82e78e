//! The program: the listing, in Rust.

use super::*;
use crate::asyncio::{self, Future};
use crate::error::PyResult;
use crate::hooks;
use crate::lessons::exec::py_bool;
use crate::lessons::Params;
use crate::py_print;

fn stamp(start: f64) -> String {
    format!("{:.2}", hooks::monotonic() - start)
}

async fn producer(start: f64, fut: Future<i64>, delay: f64) -> PyResult<()> {
    asyncio::sleep(delay).await?;
    py_print!("{} producer: set_result({VALUE})", stamp(start))?;
    fut.set_result(VALUE)?;
    py_print!("{} producer: done() = {}, going on", stamp(start), py_bool(fut.done()))?;
    asyncio::sleep(0.0).await?;
    py_print!("{} producer: finished", stamp(start))
}

async fn main(start: f64, delay: f64) -> PyResult<()> {
    let fut: Future<i64> = asyncio::get_running_loop()?.create_future();
    py_print!("{} main: a new future, done() = {}", stamp(start), py_bool(fut.done()))?;
    let task = asyncio::create_task_named(producer(start, fut.clone(), delay), "producer");
    let value = (&fut).await?;
    py_print!("{} main: await fut gave {value}, done() = {}", stamp(start), py_bool(fut.done()))?;
    (&task).await?;
    // The producer returns nothing: Python's None.
    py_print!("{} main: the task is done() = {}, its result() = None", stamp(start), py_bool(task.done()))
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let start = hooks::monotonic();
    asyncio::run(main(start, p.float("delay")))
}
