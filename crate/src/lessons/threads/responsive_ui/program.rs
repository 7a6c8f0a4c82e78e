//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::runtime::{self, checkpoint, monotonic};
use crate::threading::{current_thread, Thread};

fn download(work: f64) -> PyResult<()> {
    let name = current_thread().name().to_owned();
    crate::py_print!("{name}: download started")?;
    let start = monotonic();
    let mut steps: u64 = 0;
    while monotonic() - start < work {
        steps += 1;
        checkpoint()?;
    }
    crate::py_print!("{name}: download finished, {steps} steps in {:.1} s", monotonic() - start)
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let work = p.float("work");
    if p.choice("where") == "page" {
        download(work)?;
    } else {
        Thread::named("download", "download", move || download(work)).start()?;
    }
    runtime::print("UI: click handled")
}
