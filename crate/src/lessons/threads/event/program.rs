//! The program: what runs when the learner presses Run (the listing, in Rust), on threads
//! or on processes ([`Model`]): each worker gets `ready` (and `start`) as arguments.

use crate::error::PyResult;
use crate::lessons::exec::py_bool;
use crate::lessons::model::{my_name, Event, Model, Worker};
use crate::lessons::Params;
use crate::multiprocessing::Target;
use crate::runtime::{self, monotonic};

pub(super) static HANDLER: Target = crate::target!(handler);
pub(super) static LATECOMER: Target = crate::target!(latecomer);

fn handler((ready, start): (Event, f64)) -> PyResult<()> {
    let name = my_name();
    crate::py_print!("{name}: prepared, waiting for the signal")?;
    ready.wait(None)?;
    crate::py_print!("{name}: signal received at {:.2}", monotonic() - start)
}

fn latecomer(ready: Event) -> PyResult<()> {
    let name = my_name();
    let t0 = monotonic();
    let flag = ready.wait(Some(2.0))?;
    crate::py_print!("{name}: wait() returned {} after {:.2} s", py_bool(flag), monotonic() - t0)
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let model = Model::of(p);
    let waiters = p.int("waiters");
    let set_after = p.float("set_after");
    let clear_after = p.opt_float("clear_after");
    let ready = Event::named(model, "ready")?;
    let start = monotonic();

    let handlers: Vec<Worker> = (0..waiters)
        .map(|i| Worker::new(model, &format!("{}-{i}", model.prefix()), &HANDLER, handler, (ready.clone(), start)))
        .collect::<PyResult<_>>()?;
    for w in &handlers {
        w.start()?;
    }
    runtime::sleep(set_after)?;
    crate::py_print!("main: set() at {:.2}", monotonic() - start)?;
    ready.set();
    for w in &handlers {
        w.join()?;
    }

    let late = Worker::new(model, "late-1", &LATECOMER, latecomer, ready.clone())?;
    late.start()?;
    late.join()?;
    if let Some(c) = clear_after {
        runtime::sleep(c)?;
        ready.clear();
        crate::py_print!("main: clear() at {:.2}, is_set() = {}", monotonic() - start, py_bool(ready.is_set()))?;
        let late = Worker::new(model, "late-2", &LATECOMER, latecomer, ready.clone())?;
        late.start()?;
        late.join()?;
    }
    Ok(())
}
