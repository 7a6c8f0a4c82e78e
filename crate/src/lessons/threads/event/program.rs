//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::prims::Event;
use crate::runtime::{self, monotonic};
use crate::threading::{current_thread, Thread};
use std::sync::Arc;

pub(super) fn run(p: &Params) -> PyResult<()> {
    let waiters = p.int("waiters");
    let set_after = p.float("set_after");
    let clear_after = p.opt_float("clear_after");
    let ready = Arc::new(Event::named("ready"));
    let start = monotonic();

    let latecomer = |ready: Arc<Event>| {
        move || {
            let name = current_thread().name().to_owned();
            let t0 = monotonic();
            let flag = ready.wait(Some(2.0))?;
            crate::py_print!(
                "{name}: wait() returned {} after {:.2} s",
                crate::lessons::exec::py_bool(flag),
                monotonic() - t0
            )
        }
    };

    let mut handlers = Vec::new();
    for i in 0..waiters {
        let ready = ready.clone();
        handlers.push(Thread::named(&format!("thr-{i}"), "handler", move || {
            let name = current_thread().name().to_owned();
            crate::py_print!("{name}: prepared, waiting for the signal")?;
            ready.wait(None)?;
            crate::py_print!("{name}: signal received at {:.2}", monotonic() - start)
        }));
    }
    for t in &handlers {
        t.start()?;
    }
    runtime::sleep(set_after)?;
    crate::py_print!("main: set() at {:.2}", monotonic() - start)?;
    ready.set();
    for t in &handlers {
        t.join(None)?;
    }

    let late = Thread::named("late-1", "latecomer", latecomer(ready.clone()));
    late.start()?;
    late.join(None)?;
    if let Some(c) = clear_after {
        runtime::sleep(c)?;
        ready.clear();
        crate::py_print!(
            "main: clear() at {:.2}, is_set() = {}",
            monotonic() - start,
            crate::lessons::exec::py_bool(ready.is_set())
        )?;
        let late = Thread::named("late-2", "latecomer", latecomer(ready.clone()));
        late.start()?;
        late.join(None)?;
    }
    Ok(())
}
