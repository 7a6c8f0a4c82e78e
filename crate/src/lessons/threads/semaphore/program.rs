//! The program: what runs when the learner presses Run (the listing, in Rust), on threads
//! or on processes ([`Model`]): each worker gets `pool` and `start` as arguments.

use crate::error::{PyErr, PyResult};
use crate::lessons::model::{my_name, BoundedSemaphore, Model, Semaphore, Worker};
use crate::lessons::Params;
use crate::multiprocessing::Target;
use crate::runtime::{self, monotonic};
use serde::{Deserialize, Serialize};

/// `pool`: one of the two kinds, as the listing chooses.
#[derive(Clone, Serialize, Deserialize)]
pub(super) enum Pool {
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
            Pool::Plain(s) => s.release(),
            Pool::Bounded(s) => s.release(),
        }
    }
}

pub(super) static CONNECT: Target = crate::target!(connect);

/// `connect(pool, start, hold)`: the listing's HOLD is a module constant, which a spawned
/// child computes again; here it comes with the arguments.
fn connect((pool, start, hold): (Pool, f64, f64)) -> PyResult<()> {
    let name = my_name();
    pool.with(|| {
        crate::py_print!("{name}: connected at {:.1}", monotonic() - start)?;
        runtime::sleep(hold)?;
        crate::py_print!("{name}: disconnecting at {:.1}", monotonic() - start)
    })
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let model = Model::of(p);
    let max_connections = p.int("max_connections") as u32;
    let threads = p.int("threads");
    let hold = p.float("hold");
    let pool = if p.flag("bounded") {
        Pool::Bounded(BoundedSemaphore::named(model, "pool", max_connections)?)
    } else {
        Pool::Plain(Semaphore::named(model, "pool", max_connections)?)
    };
    let start = monotonic();

    if p.flag("extra_release") {
        match pool.release() {
            Ok(()) => runtime::print("main: the extra release() was accepted")?,
            Err(PyErr::ValueError(e)) => crate::py_print!("main: ValueError: {e}")?,
            Err(e) => return Err(e),
        }
    }

    let (prefix, workers) = match model {
        Model::Threads => (model.prefix(), "threads"),
        Model::Processes => (model.prefix(), "processes"),
    };
    let all: Vec<Worker> = (0..threads)
        .map(|i| Worker::new(model, &format!("{prefix}-{i}"), &CONNECT, connect, (pool.clone(), start, hold)))
        .collect::<PyResult<_>>()?;
    for w in &all {
        w.start()?;
    }
    for w in &all {
        w.join()?;
    }
    crate::py_print!("main: all {threads} {workers} done at {:.1}", monotonic() - start)
}
