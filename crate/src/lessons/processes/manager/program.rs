//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::{PyErr, PyResult};
use crate::lessons::Params;
use crate::multiprocessing::{current_process, Manager, Process, Proxy, Target, Val, Value};
use crate::py_print;
use crate::runtime::monotonic;
use serde::Serialize;

pub(super) static VIA_MANAGER: Target = crate::target!(via_manager);
pub(super) static VIA_SHARED_MEMORY: Target = crate::target!(via_shared_memory);

/// `bump(shared)`: a read and a write, two round trips to the manager.
fn bump(shared: &Proxy, kind: &str) -> PyResult<()> {
    match kind {
        "dict" => shared.setitem("count", read(shared, kind)? + 1),
        "list" => shared.setitem(0, read(shared, kind)? + 1),
        "Namespace" => shared.setattr("count", read(shared, kind)? + 1),
        _ => shared.set_value(read(shared, kind)? + 1),
    }
}

fn read(shared: &Proxy, kind: &str) -> PyResult<i64> {
    let v = match kind {
        "dict" => shared.getitem("count")?,
        "list" => shared.getitem(0)?,
        "Namespace" => shared.getattr("count")?,
        _ => shared.value()?,
    };
    v.as_int().ok_or_else(|| PyErr::runtime(&format!("the manager held {v}, not an int")))
}

fn report(operations: i64, start: f64) -> PyResult<()> {
    let each = (monotonic() - start) / operations as f64 * 1e6;
    py_print!("{}: {operations} operations, {each:.1} us each", current_process()?.name)
}

fn via_manager((shared, lock, kind, operations): (Proxy, Proxy, String, i64)) -> PyResult<()> {
    let start = monotonic();
    for _ in 0..operations {
        // The lock lives in the manager too: acquire and release are round trips as well.
        lock.with(|| bump(&shared, &kind))?;
    }
    report(operations, start)
}

fn via_shared_memory((counter, operations): (Value<i32>, i64)) -> PyResult<()> {
    let start = monotonic();
    for _ in 0..operations {
        counter.get_lock()?.with_lock(|| {
            counter.set_value(counter.value() + 1);
            Ok(())
        })?;
        crate::runtime::checkpoint()?;
    }
    report(operations, start)
}

fn run_all(target: &'static Target, args: &impl Serialize, label: &str, processes: i64) -> PyResult<()> {
    let workers: Vec<Process> =
        (1..=processes).map(|n| Process::named(&format!("{label}-{n}"), target, args)).collect::<PyResult<_>>()?;
    for p in &workers {
        p.start()?;
    }
    for p in &workers {
        p.join(None)?;
    }
    Ok(())
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let (processes, operations, kind) = (p.int("processes"), p.int("operations"), p.choice("type"));
    let expected = processes * operations;
    let manager = Manager()?;
    // The object lives in the manager's process; we hold only a proxy to it.
    let shared = match kind {
        "dict" => {
            let d = manager.dict()?;
            d.setitem("count", 0)?;
            d
        }
        "list" => manager.list(vec![Val::Int(0)])?,
        "Namespace" => {
            let ns = manager.Namespace()?;
            ns.setattr("count", 0)?;
            ns
        }
        _ => manager.Value("i", 0)?,
    };
    let lock = manager.Lock()?;
    run_all(&VIA_MANAGER, &(shared.clone(), lock, kind.to_owned(), operations), "manager-user", processes)?;
    py_print!("main: {kind} in the manager: {} of {expected}", read(&shared, kind)?)?;
    match shared.call("increment", vec![]) {
        Err(PyErr::AttributeError(e)) => py_print!("main: AttributeError: {e}")?,
        Err(e) => return Err(e),
        Ok(v) => return Err(PyErr::runtime(&format!("increment() answered {v}"))),
    }
    // Leaving `with Manager()`: the manager's process is shut down.
    manager.shutdown()?;
    let counter = Value::<i32>::named("counter", "i", 0, true)?;
    run_all(&VIA_SHARED_MEMORY, &(counter.clone(), operations), "shm-user", processes)?;
    py_print!("main: Value in shared memory: {} of {expected}", counter.value())
}
