//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::{PyErr, PyResult};
use crate::lessons::Params;
use crate::prims::{BoundedSemaphore, Semaphore};
use crate::runtime::{self, monotonic};
use crate::threading::{current_thread, Thread};
use std::sync::Arc;

/// `pool`: one of the two kinds, as the listing chooses.
enum Pool {
    Plain(Semaphore),
    Bounded(BoundedSemaphore),
}

impl Pool {
    fn with<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        match self {
            Pool::Plain(s) => s.with(f),
            Pool::Bounded(s) => s.with(f),
        }
    }
    fn release(&self) -> PyResult<()> {
        match self {
            Pool::Plain(s) => s.release(1),
            Pool::Bounded(s) => s.release(1),
        }
    }
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let max_connections = p.int("max_connections");
    let threads = p.int("threads");
    let hold = p.float("hold");
    let pool = Arc::new(if p.flag("bounded") {
        Pool::Bounded(BoundedSemaphore::named("pool", max_connections)?)
    } else {
        Pool::Plain(Semaphore::named("pool", max_connections)?)
    });
    let start = monotonic();

    if p.flag("extra_release") {
        match pool.release() {
            Ok(()) => runtime::print("main: the extra release() was accepted")?,
            Err(PyErr::ValueError(e)) => crate::py_print!("main: ValueError: {e}")?,
            Err(e) => return Err(e),
        }
    }

    let mut all = Vec::new();
    for i in 0..threads {
        let pool = pool.clone();
        all.push(Thread::named(&format!("thr-{i}"), "connect", move || {
            let name = current_thread().name().to_owned();
            pool.with(|| {
                crate::py_print!("{name}: connected at {:.1}", monotonic() - start)?;
                runtime::sleep(hold)?;
                crate::py_print!("{name}: disconnecting at {:.1}", monotonic() - start)
            })
        }));
    }
    for t in &all {
        t.start()?;
    }
    for t in &all {
        t.join(None)?;
    }
    crate::py_print!("main: all {threads} threads done at {:.1}", monotonic() - start)
}
