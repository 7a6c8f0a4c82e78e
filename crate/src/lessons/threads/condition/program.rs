//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::prims::Condition;
use crate::runtime::{self, monotonic};
use crate::threading::{current_thread, Thread};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

pub(super) fn run(p: &Params) -> PyResult<()> {
    let consumers = p.int("consumers");
    let notify_all = p.choice("mode") == "notify_all";
    let mode = p.choice("mode").to_owned();
    let period = p.float("period");
    let cond = Arc::new(Condition::named("cond"));
    let items = Arc::new(Mutex::new(VecDeque::<String>::new()));
    let start = monotonic();

    cond.with(|| cond.notify(1))?;
    runtime::print("main: notify() sent before anyone waits")?;

    let mut all = Vec::new();
    for i in 0..consumers {
        let (cond, items) = (cond.clone(), items.clone());
        all.push(Thread::named(&format!("consumer-{i}"), "consumer", move || {
            let name = current_thread().name().to_owned();
            let item = cond.with(|| loop {
                if let Some(item) = items.lock().unwrap().pop_front() {
                    return Ok(item);
                }
                crate::py_print!("{name}: waiting")?;
                cond.wait(None)?;
                let left = items.lock().unwrap().len();
                crate::py_print!("{name}: woken at {:.2}, items: {left}", monotonic() - start)?;
            })?;
            crate::py_print!("{name}: took {item}")
        }));
    }
    for t in &all {
        t.start()?;
    }
    for i in 0..consumers {
        runtime::sleep(period)?;
        cond.with(|| {
            items.lock().unwrap().push_back(format!("item-{i}"));
            crate::py_print!("main: item-{i} ready, {mode}() at {:.2}", monotonic() - start)?;
            if notify_all {
                cond.notify_all()
            } else {
                cond.notify(1)
            }
        })?;
    }
    for t in &all {
        t.join(None)?;
    }
    runtime::print("main: every consumer got its item")
}
