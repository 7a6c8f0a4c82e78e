//! The program: what runs when the learner presses Run (the listing, in Rust), on threads
//! or on processes ([`Model`]): each consumer gets the condition, the two counters of items
//! (made so far, taken so far) and `start` as arguments. The `k`-th item taken is `item-k`,
//! the first in line, as a list's `pop(0)` would give it.

use crate::error::PyResult;
use crate::lessons::model::{my_name, Condition, Counter, Model, Worker};
use crate::lessons::Params;
use crate::multiprocessing::Target;
use crate::runtime::{self, monotonic};

pub(super) static CONSUMER: Target = crate::target!(consumer);

fn consumer((cond, made, taken, start): (Condition, Counter, Counter, f64)) -> PyResult<()> {
    let name = my_name();
    let item = cond.with(|| {
        // nothing for me: wait for a notification
        while taken.value() == made.value() {
            crate::py_print!("{name}: waiting")?;
            cond.wait()?;
            let left = made.value() - taken.value();
            crate::py_print!("{name}: woken at {:.2}, items: {left}", monotonic() - start)?;
        }
        let item = taken.value();
        taken.set_value(item + 1);
        Ok(item)
    })?;
    crate::py_print!("{name}: took item-{item}")
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let model = Model::of(p);
    let consumers = p.int("consumers");
    let notify_all = p.choice("mode") == "notify_all";
    let mode = p.choice("mode").to_owned();
    let period = p.float("period");
    let cond = Condition::named(model, "cond")?;
    let made = Counter::named(model, "made")?;
    let taken = Counter::named(model, "taken")?;
    let start = monotonic();

    cond.with(|| cond.notify())?;
    runtime::print("main: notify() sent before anyone waits")?;

    let all: Vec<Worker> = (0..consumers)
        .map(|i| {
            let args = (cond.clone(), made.clone(), taken.clone(), start);
            Worker::new(model, &format!("consumer-{i}"), &CONSUMER, consumer, args)
        })
        .collect::<PyResult<_>>()?;
    for w in &all {
        w.start()?;
    }
    for i in 0..consumers {
        runtime::sleep(period)?;
        cond.with(|| {
            made.set_value(made.value() + 1);
            crate::py_print!("main: item-{i} ready, {mode}() at {:.2}", monotonic() - start)?;
            if notify_all {
                cond.notify_all()
            } else {
                cond.notify()
            }
        })?;
    }
    for w in &all {
        w.join()?;
    }
    runtime::print("main: every consumer got its item")
}
