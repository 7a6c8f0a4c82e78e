//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::py_print;
use crate::runtime;
use crate::threading::{self, Thread};

pub(super) fn run(p: &Params) -> PyResult<()> {
    let n = p.int("threads");
    let count = p.int("iterations");
    let mut threads = Vec::new();
    for i in 0..n {
        let data = format!("job {i}");
        let thr = Thread::named(&format!("thr-{i}"), "get_data", move || {
            for _ in 0..count {
                py_print!("[{}] - {data}", threading::current_thread().name())?;
                runtime::sleep(1.0)?;
            }
            Ok(())
        });
        threads.push(thr.clone());
        thr.start()?;
    }
    if p.flag("join") {
        for thr in &threads {
            thr.join(None)?;
        }
    }
    py_print!("finish")
}
