//! The program: what runs when the learner presses Run (the listing, in Rust). Items are
//! `Option<String>`: `None` is the sentinel, as in the listing.

use crate::error::PyResult;
use crate::lessons::Params;
use crate::multiprocessing::{current_process, Process, Queue, Target};
use crate::py_print;
use std::collections::HashSet;

type Item = Option<String>;

pub(super) static PRODUCER: Target = crate::target!(producer);

fn producer((p, tasks, producers, items): (i64, Queue, i64, i64)) -> PyResult<()> {
    let name = current_process()?.name;
    let show = items <= 20;
    let count = (p..items).step_by(producers as usize).count();
    for seq in 0..count {
        let item = format!("p{p}-{seq}");
        tasks.put(&Some(item.clone()), true, None)?;
        if seq == 0 {
            // The item may still be on its way into the pipe: empty() is only a hint.
            let empty = if tasks.empty() { "True" } else { "False" };
            py_print!("{name}: put {item}, then empty() = {empty}")?;
        } else if show {
            py_print!("{name}: put {item}")?;
        }
    }
    py_print!("{name}: done, {count} items")
}

pub(super) static CONSUMER: Target = crate::target!(consumer);

fn consumer((tasks, results, items): (Queue, Queue, i64)) -> PyResult<()> {
    let name = current_process()?.name;
    let mut got = Vec::new();
    // get() until the sentinel None: iter(tasks.get, None).
    while let Some(item) = tasks.get::<Item>(true, None)? {
        if items <= 20 {
            py_print!("{name}: got {item}")?;
        }
        got.push(item);
    }
    results.put(&got, true, None)?;
    py_print!("{name}: stopped after {} items", got.len())
}

fn in_order(batch: &[String], p: i64) -> bool {
    let prefix = format!("p{p}-");
    let seqs: Vec<u64> = batch.iter().filter_map(|i| i.strip_prefix(&prefix)?.parse().ok()).collect();
    seqs.windows(2).all(|w| w[0] <= w[1])
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let (producers, consumers, items) = (p.int("producers"), p.int("consumers"), p.int("items"));
    let (tasks, results) = (Queue::named("tasks", 0)?, Queue::named("results", 0)?);
    let cs: Vec<Process> = (0..consumers)
        .map(|c| Process::named(&format!("consumer-{c}"), &CONSUMER, &(tasks.clone(), results.clone(), items)))
        .collect::<PyResult<_>>()?;
    let ps: Vec<Process> = (0..producers)
        .map(|i| Process::named(&format!("producer-{i}"), &PRODUCER, &(i, tasks.clone(), producers, items)))
        .collect::<PyResult<_>>()?;
    for pr in cs.iter().chain(&ps) {
        pr.start()?;
    }
    for pr in &ps {
        pr.join(None)?;
    }
    // One sentinel per consumer, after every item.
    for _ in &cs {
        tasks.put(&None::<String>, true, None)?;
    }
    // Take the results before join(): a process ends only once its queue data is sent.
    let batches: Vec<Vec<String>> = cs.iter().map(|_| results.get(true, None)).collect::<PyResult<_>>()?;
    for c in &cs {
        c.join(None)?;
    }
    let received: Vec<&String> = batches.iter().flatten().collect();
    let distinct = received.iter().collect::<HashSet<_>>().len();
    py_print!("main: received {} of {items}, distinct {distinct}", received.len())?;
    let ordered = batches.iter().all(|b| (0..producers).all(|pi| in_order(b, pi)));
    py_print!("main: each producer's items in order in every batch: {}", if ordered { "True" } else { "False" })
}
