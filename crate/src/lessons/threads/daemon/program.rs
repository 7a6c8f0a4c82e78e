//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::py_print;
use crate::runtime;
use crate::threading::{self, Thread};

pub(super) fn run(p: &Params) -> PyResult<()> {
    let iterations = p.int("iterations");
    let thr = Thread::new("get_data", move || {
        let name = threading::current_thread().name().to_owned();
        let data = "tick";
        for i in 0..iterations {
            py_print!("[{name}] - {data} {}", i + 1)?;
            runtime::sleep(1.0)?;
        }
        py_print!("[{name}] - done")
    })
    .with_daemon(p.flag("daemon"));
    thr.start()?;
    runtime::sleep(p.float("main_work"))?;
    py_print!("finish")
}
