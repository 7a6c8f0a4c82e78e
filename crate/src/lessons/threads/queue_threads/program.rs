//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::prims::Queue;
use crate::runtime::{self, monotonic};
use crate::threading::{current_thread, Thread};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

pub(super) fn run(p: &Params) -> PyResult<()> {
    let producers = p.int("producers");
    let consumers = p.int("consumers");
    let items = p.int("items");
    let (produce, consume) = (p.float("produce_s"), p.float("consume_s"));
    let show = items <= 200;
    let q: Arc<Queue<Option<String>>> = Arc::new(Queue::named("q", p.int("maxsize")));
    let consumed = Arc::new(Mutex::new(Vec::<String>::new()));
    let start = monotonic();

    let mut ps = Vec::new();
    for pi in 0..producers {
        let q = q.clone();
        ps.push(Thread::named(&format!("producer-{pi}"), "producer", move || {
            let name = current_thread().name().to_owned();
            let mine = (pi..items).step_by(producers as usize).count();
            for seq in 0..mine {
                if produce > 0.0 {
                    runtime::sleep(produce)?;
                }
                let item = format!("p{pi}-{seq}");
                q.put(Some(item.clone()), true, None)?;
                if show {
                    crate::py_print!("{name}: put {item}, size {}", q.qsize())?;
                }
            }
            crate::py_print!("{name}: done")
        }));
    }
    let mut cs = Vec::new();
    for ci in 0..consumers {
        let (q, consumed) = (q.clone(), consumed.clone());
        cs.push(Thread::named(&format!("consumer-{ci}"), "consumer", move || {
            let name = current_thread().name().to_owned();
            let mut count = 0;
            loop {
                let Some(item) = q.get(true, None)? else {
                    q.task_done()?;
                    break;
                };
                if consume > 0.0 {
                    runtime::sleep(consume)?;
                }
                consumed.lock().unwrap().push(item.clone());
                count += 1;
                if show {
                    crate::py_print!("{name}: got {item}")?;
                }
                q.task_done()?;
            }
            crate::py_print!("{name}: stopped after {count} items")
        }));
    }
    for t in ps.iter().chain(cs.iter()) {
        t.start()?;
    }
    for t in &ps {
        t.join(None)?;
    }
    q.join()?;
    crate::py_print!("main: all items handled at {:.2}", monotonic() - start)?;
    for _ in &cs {
        q.put(None, true, None)?;
    }
    for t in &cs {
        t.join(None)?;
    }
    let consumed = consumed.lock().unwrap();
    let distinct = consumed.iter().collect::<HashSet<_>>().len();
    crate::py_print!("main: consumed {} of {items}, {distinct} distinct", consumed.len())
}
