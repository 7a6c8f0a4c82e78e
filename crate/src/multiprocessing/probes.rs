//! Small targets for children that the tests and the bench start: they must be part of
//! the program itself, since a child is a fresh start of the program that finds its
//! target by name.

use crate::error::{PyErr, PyResult};
use crate::runtime::process::Target;
use std::sync::atomic::{AtomicI64, Ordering};

/// Every probe, for the child's lookup.
pub static TARGETS: &[&Target] = &[&EXIT_WITH, &RAISE, &SLEEP, &BUMP_GLOBAL, &NOTHING, &HANG];

/// `sys.exit(code)`.
pub static EXIT_WITH: Target = crate::target!(exit_with);
fn exit_with(code: i32) -> PyResult<()> {
    Err(PyErr::SystemExit(code))
}

/// `raise ValueError(message)`.
pub static RAISE: Target = crate::target!(raise);
fn raise(message: String) -> PyResult<()> {
    Err(PyErr::ValueError(message))
}

/// `time.sleep(secs)`, printing before and after.
pub static SLEEP: Target = crate::target!(sleep);
fn sleep(secs: f64) -> PyResult<()> {
    crate::py_print!("sleeping {secs}")?;
    crate::runtime::sleep(secs)?;
    crate::py_print!("woke")
}

/// A module-level global of the program: each process has its own.
pub static GLOBAL: AtomicI64 = AtomicI64::new(0);

/// Adds `by` to this process's [`GLOBAL`] and prints it.
pub static BUMP_GLOBAL: Target = crate::target!(bump_global);
fn bump_global(by: i64) -> PyResult<()> {
    let now = GLOBAL.fetch_add(by, Ordering::SeqCst) + by;
    crate::py_print!("global = {now}")
}

/// Returns at once: a process's start and join, and nothing else.
pub static NOTHING: Target = crate::target!(nothing);
fn nothing(_: ()) -> PyResult<()> {
    Ok(())
}

/// Waits for an event nobody sets: blocked for good, within its own process.
pub static HANG: Target = crate::target!(hang);
fn hang(_: ()) -> PyResult<()> {
    crate::prims::Event::named("never").wait(None).map(drop)
}
