//! The program: the listing, in Rust.

use super::*;
use crate::asyncio;
use crate::error::PyResult;
use crate::hooks;
use crate::lessons::exec::py_bool;
use crate::lessons::Params;
use crate::py_print;

fn stamp(start: f64) -> String {
    format!("{:.2}", hooks::monotonic() - start)
}

async fn worker(start: f64, n: i64, delay: f64) -> PyResult<i64> {
    if n < SHOWN {
        py_print!("{} worker-{n}: started", stamp(start))?;
    }
    asyncio::sleep(delay).await?;
    if n < SHOWN {
        py_print!("{} worker-{n}: done", stamp(start))?;
    }
    Ok(n)
}

async fn main(start: f64, tasks: i64, delay: f64) -> PyResult<()> {
    let tasks: Vec<asyncio::Task<i64>> =
        (0..tasks).map(|n| asyncio::create_task_named(worker(start, n, delay), &format!("worker-{n}"))).collect();
    py_print!("{} main: created {} tasks, done() = {}", stamp(start), tasks.len(), py_bool(tasks[0].done()))?;
    let mut total = 0;
    for t in &tasks {
        total += t.await?;
    }
    py_print!("{} main: {} results, their sum is {total}", stamp(start), tasks.len())?;
    py_print!("{} main: one after another it would take {:.2} s", stamp(start), tasks.len() as f64 * delay)
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let start = hooks::monotonic();
    asyncio::run(main(start, p.int("tasks"), p.float("delay")))
}
