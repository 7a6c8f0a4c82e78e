//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::multiprocessing::{current_process, Array, Event, Process, Target, Value};
use crate::py_print;

/// `work(n, counter, slots, go)`, in a child; the listing's constants travel with it.
pub(super) static WORK: Target = crate::target!(work);

type Args = (i64, Value<i32>, Array<i32>, Event, i64, i64, bool);

fn work((n, counter, slots, go, processes, increments, lock): Args) -> PyResult<()> {
    let name = current_process()?.name;
    go.wait(None)?;
    for _ in 0..increments {
        if lock {
            counter.get_lock()?.with_lock(|| {
                counter.set_value(counter.value() + 1);
                Ok(())
            })?;
        } else {
            // A read and then a write: another process may write in between.
            let v = counter.value();
            counter.set_value(v + 1);
        }
        crate::runtime::checkpoint()?;
    }
    let size = slots.len() as i64;
    let mine: Vec<i64> = (n - 1..size).step_by(processes as usize).collect();
    for &i in &mine {
        slots.set(i, n as i32)?;
    }
    py_print!("{name}: done {increments} increments; array slots written: {}", mine.len())
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let (processes, increments, lock) = (p.int("processes"), p.int("increments"), p.flag("lock"));
    let size = p.int("array_size");
    let counter = Value::<i32>::named("counter", "i", 0, true)?;
    let slots = Array::<i32>::named("slots", "i", &vec![0; size as usize], true)?;
    let go = Event::named("go")?;
    let workers: Vec<Process> = (1..=processes)
        .map(|n| {
            let args = (n, counter.clone(), slots.clone(), go.clone(), processes, increments, lock);
            Process::named(&format!("worker-{n}"), &WORK, &args)
        })
        .collect::<PyResult<_>>()?;
    for w in &workers {
        w.start()?;
    }
    go.set();
    for w in &workers {
        w.join(None)?;
    }
    let expected = processes * increments;
    let got = counter.value() as i64;
    py_print!("main: counter expected {expected}, got {got}, lost {}", expected - got)?;
    let values = slots.to_vec();
    let right = values.iter().enumerate().filter(|(i, v)| **v as i64 == *i as i64 % processes + 1).count();
    py_print!("main: array slots as written {right} of {size}")?;
    if size <= 20 {
        let items: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        py_print!("main: array [{}]", items.join(", "))?;
    }
    Ok(())
}
