//! The program: what runs when the learner presses Run (the listing, in Rust), on threads
//! or on processes ([`Model`]): each worker gets the barrier and `start` as arguments.

use crate::error::{PyErr, PyResult};
use crate::lessons::model::{my_name, Barrier, Model, Worker};
use crate::lessons::Params;
use crate::multiprocessing::Target;
use crate::runtime::{self, monotonic};

pub(super) static RUNNER: Target = crate::target!(runner);

/// `runner(i, barrier, start)`, with the listing's module constants (which a spawned child
/// computes again) as the delay it works out from them.
fn runner((barrier, start, delay): (Barrier, f64, f64)) -> PyResult<()> {
    let name = my_name();
    runtime::sleep(delay)?;
    crate::py_print!("{name}: at the barrier at {:.2}", monotonic() - start)?;
    let index = match barrier.wait(None) {
        Ok(i) => i,
        Err(PyErr::BrokenBarrierError) => {
            return crate::py_print!("{name}: the barrier is broken ({:.2})", monotonic() - start);
        }
        Err(e) => return Err(e),
    };
    crate::py_print!("{name}: crossed at {:.2}, arrival index {index}", monotonic() - start)
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let model = Model::of(p);
    let parties = p.int("parties") as u32;
    let threads = p.int("threads");
    let (lo, hi) = (p.float("delay_min"), p.float("delay_max"));
    let barrier = Barrier::named(model, "barrier", parties, p.opt_float("timeout"))?;
    let start = monotonic();
    let all: Vec<Worker> = (0..threads)
        .map(|i| {
            // each gets ready in its own time, spread evenly between the two bounds
            let delay = lo + (hi - lo) * (i as f64 + 0.5) / threads as f64;
            Worker::new(model, &format!("{}-{i}", model.prefix()), &RUNNER, runner, (barrier.clone(), start, delay))
        })
        .collect::<PyResult<_>>()?;
    for w in &all {
        w.start()?;
    }
    for w in &all {
        w.join()?;
    }
    match model {
        Model::Threads => runtime::print("main: every thread is done"),
        Model::Processes => runtime::print("main: every process is done"),
    }
}
