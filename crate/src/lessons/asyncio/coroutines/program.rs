//! The program: the listing, in Rust. Each `async def` is an `async fn`; `asyncio.run`
//! runs `main` as the loop's first task on this thread.

use super::*;
use crate::asyncio;
use crate::error::PyResult;
use crate::hooks;
use crate::lessons::Params;
use crate::py_print;

fn stamp(start: f64) -> String {
    format!("{:.2}", hooks::monotonic() - start)
}

async fn step(start: f64, name: String, delay: f64) -> PyResult<f64> {
    py_print!("{} {name}: started, waits {delay:.2} s", stamp(start))?;
    asyncio::sleep(delay).await?;
    py_print!("{} {name}: done", stamp(start))?;
    Ok(delay)
}

async fn main(start: f64, delays: [f64; STEPS]) -> PyResult<()> {
    // A Rust future, like a coroutine object, runs nothing until it is awaited.
    let coro = step(start, "step-1".to_owned(), delays[0]);
    py_print!("{} main: step() returned a coroutine object", stamp(start))?;
    let mut total = coro.await?;
    for (i, &delay) in delays.iter().enumerate().skip(1) {
        total += step(start, format!("step-{}", i + 1), delay).await?;
    }
    py_print!("{} main: {} steps, {total:.2} s of waits in all", stamp(start), delays.len())
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let start = hooks::monotonic();
    asyncio::run(main(start, delays(p)))?;
    py_print!("{} finish", stamp(start))
}
