//! The program: the listing, in Rust.

use crate::asyncio::{self, is_cancelled_error, Task};
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::lessons::exec::py_bool;
use crate::lessons::Params;
use crate::py_print;

fn stamp(start: f64) -> String {
    format!("{:.2}", hooks::monotonic() - start)
}

async fn job(start: f64, name: &'static str, job_time: f64) -> PyResult<&'static str> {
    py_print!("{} {name}: started, needs {job_time:.2} s", stamp(start))?;
    if let Err(e) = asyncio::sleep(job_time).await {
        if is_cancelled_error(&e) {
            py_print!("{} {name}: cancelled at its await", stamp(start))?;
        }
        return Err(e);
    }
    py_print!("{} {name}: finished", stamp(start))?;
    Ok(name)
}

async fn main(start: f64, p: Params) -> PyResult<()> {
    let job_time = p.float("job_time");
    let first: Task<&str> = asyncio::create_task(job(start, "job-1", job_time));
    let waited = if p.flag("shield") {
        asyncio::wait_for(asyncio::shield(&first), Some(p.float("timeout"))).await
    } else {
        asyncio::wait_for(first.clone(), Some(p.float("timeout"))).await
    };
    match waited {
        Ok(result) => py_print!("{} main: wait_for returned {result}", stamp(start))?,
        Err(PyErr::TimeoutError(_)) => {
            py_print!("{} main: TimeoutError, job-1 cancelled() = {}", stamp(start), py_bool(first.cancelled()))?
        }
        Err(e) => return Err(e),
    }
    let second = asyncio::create_task(job(start, "job-2", job_time));
    if let Some(after) = p.opt_float("cancel_after") {
        asyncio::sleep(after).await?;
        py_print!("{} main: job-2.cancel() returned {}", stamp(start), py_bool(second.cancel(None)))?;
    }
    match (&second).await {
        Err(e) if is_cancelled_error(&e) => py_print!(
            "{} main: job-2 ended with CancelledError, cancelled() = {}",
            stamp(start),
            py_bool(second.cancelled())
        )?,
        other => drop(other?),
    }
    if !first.done() {
        (&first).await?;
    }
    py_print!("{} main: job-1 {}", stamp(start), if first.cancelled() { "was cancelled" } else { "finished" })
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let start = hooks::monotonic();
    asyncio::run(main(start, p.clone()))
}
