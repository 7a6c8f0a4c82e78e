//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::{PyErr, PyResult};
use crate::lessons::Params;
use crate::prims::Barrier;
use crate::runtime::{self, monotonic};
use crate::threading::{current_thread, Thread};
use std::sync::Arc;

pub(super) fn run(p: &Params) -> PyResult<()> {
    let parties = p.int("parties") as u32;
    let threads = p.int("threads");
    let (lo, hi) = (p.float("delay_min"), p.float("delay_max"));
    let barrier = Arc::new(Barrier::named("barrier", parties, p.opt_float("timeout"))?);
    let start = monotonic();
    let mut all = Vec::new();
    for i in 0..threads {
        let barrier = barrier.clone();
        all.push(Thread::named(&format!("thr-{i}"), "runner", move || {
            let name = current_thread().name().to_owned();
            runtime::sleep(lo + (hi - lo) * (i as f64 + 0.5) / threads as f64)?;
            crate::py_print!("{name}: at the barrier at {:.2}", monotonic() - start)?;
            let index = match barrier.wait(None) {
                Ok(i) => i,
                Err(PyErr::BrokenBarrierError) => {
                    return crate::py_print!("{name}: the barrier is broken ({:.2})", monotonic() - start);
                }
                Err(e) => return Err(e),
            };
            crate::py_print!("{name}: crossed at {:.2}, arrival index {index}", monotonic() - start)
        }));
    }
    for t in &all {
        t.start()?;
    }
    for t in &all {
        t.join(None)?;
    }
    runtime::print("main: every thread is done")
}
