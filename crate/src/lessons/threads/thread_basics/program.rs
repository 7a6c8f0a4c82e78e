//! The program: what runs when the learner presses Run (the listing, in Rust).

use super::*;
use crate::error::PyResult;
use crate::lessons::exec::py_bool;
use crate::lessons::Params;
use crate::py_print;
use crate::runtime;
use crate::threading::{self, Thread};

pub(super) fn run(p: &Params) -> PyResult<()> {
    let worker_sleep = p.float("worker_sleep");
    let iterations = p.int("iterations");
    let every = p.int("report_every");

    let filename = "data.csv".to_owned();
    let thr = Thread::named(WORKER, "download", move || {
        let name = threading::current_thread().name().to_owned();
        py_print!("[{name}] downloading {filename}")?;
        runtime::sleep(worker_sleep)?;
        py_print!("[{name}] {filename} is done")
    });
    thr.start()?;

    for i in 0..iterations {
        py_print!("main: step {i}")?;
        runtime::sleep(STEP)?;
        if i % every == 0 {
            py_print!("active_count: {}", threading::active_count())?;
            let all: Vec<String> = threading::enumerate().iter().map(|t| t.to_string()).collect();
            py_print!("enumerate: [{}]", all.join(", "))?;
            py_print!("thr-1 is alive: {}", py_bool(thr.is_alive()))?;
            py_print!("main thread: {}", threading::main_thread().name())?;
        }
    }
    Ok(())
}
