//! The program: the listing, in Rust.

use super::*;
use crate::asyncio::{self, ReturnWhen, Task};
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::lessons::pyrandom;
use crate::py_print;

fn stamp(start: f64) -> String {
    format!("{:.2}", hooks::monotonic() - start)
}

async fn request(n: i64, lo: f64, hi: f64, failure_rate: f64) -> PyResult<i64> {
    asyncio::sleep(pyrandom::uniform(lo, hi)).await?;
    if pyrandom::random() < failure_rate {
        return Err(PyErr::Other { class: "ConnectionError".into(), message: format!("request-{n} failed") });
    }
    Ok(n)
}

fn show(outcomes: &[PyResult<i64>]) -> String {
    let shown: Vec<String> = outcomes
        .iter()
        .take(SHOWN)
        .map(|o| o.as_ref().map_or_else(|_| "error".to_owned(), |n| n.to_string()))
        .collect();
    shown.join(", ")
}

async fn main(start: f64, p: Params) -> PyResult<()> {
    let n = p.int("requests");
    let (lo, hi, rate) = (p.float("latency_min"), p.float("latency_max"), p.float("failure_rate"));
    let timeout = p.opt_float("timeout");
    let tasks: Vec<Task<i64>> =
        (0..n).map(|k| asyncio::create_task_named(request(k, lo, hi, rate), &format!("request-{k}"))).collect();
    match p.choice("api") {
        "gather" => {
            let results = asyncio::gather_return_exceptions(tasks).await?;
            let errors = results.iter().filter(|r| r.is_err()).count();
            py_print!("{} gather: {} results, {errors} errors", stamp(start), results.len())?;
            py_print!("{} gather: the first ones: {}", stamp(start), show(&results))
        }
        "as_completed" => {
            let mut got = Vec::new();
            let mut it = asyncio::as_completed(tasks, timeout)?;
            while let Some(outcome) = it.next().await {
                match outcome {
                    Err(PyErr::TimeoutError(_)) => {
                        py_print!(
                            "{} as_completed: TimeoutError, {} not finished",
                            stamp(start),
                            n - got.len() as i64
                        )?;
                        break;
                    }
                    Err(e @ PyErr::Other { .. }) if e.class() == "ConnectionError" => got.push(Err(e)),
                    other => got.push(Ok(other?)),
                }
            }
            py_print!("{} as_completed: {} results, the first ones: {}", stamp(start), got.len(), show(&got))
        }
        api => {
            let (rule, name) = match api {
                "wait_first" => (ReturnWhen::FirstCompleted, "FIRST_COMPLETED"),
                "wait_exception" => (ReturnWhen::FirstException, "FIRST_EXCEPTION"),
                _ => (ReturnWhen::AllCompleted, "ALL_COMPLETED"),
            };
            let (done, pending) = asyncio::wait(tasks, timeout, rule).await?;
            let errors = done.iter().filter(|t| matches!(t.exception(), Ok(Some(_)))).count();
            py_print!(
                "{} wait({name}): {} done ({errors} failed), {} pending",
                stamp(start),
                done.len(),
                pending.len()
            )?;
            for t in &pending {
                t.cancel(None);
            }
            Ok(())
        }
    }
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let start = hooks::monotonic();
    asyncio::run(main(start, p.clone()))
}
