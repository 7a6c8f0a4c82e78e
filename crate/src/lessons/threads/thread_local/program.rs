//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::prims::Local;
use crate::py_print;
use crate::runtime;
use crate::threading::{self, Thread};
use std::sync::Arc;

fn show(data: &Local<i64>) -> PyResult<()> {
    let value = data.get("value")?;
    py_print!("{}: data.value = {value}", threading::current_thread().name())
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let values = p.int("values");
    let data: Arc<Local<i64>> = Arc::new(Local::named("data"));
    let threads: Vec<Thread> = (1..=p.int("threads"))
        .map(|n| {
            let data = data.clone();
            Thread::named(&format!("t{n}"), "worker", move || {
                for i in 0..values {
                    data.set("value", n * 100 + i);
                    runtime::sleep(0.5)?;
                    show(&data)?;
                }
                Ok(())
            })
        })
        .collect();
    for t in &threads {
        t.start()?;
    }
    for t in &threads {
        t.join(None)?;
    }
    if p.flag("main_reads") {
        show(&data)?;
    }
    Ok(())
}
