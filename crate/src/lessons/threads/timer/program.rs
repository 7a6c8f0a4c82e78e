//! The program: what runs when the learner presses Run (the listing, in Rust).

use super::*;
use crate::error::PyResult;
use crate::lessons::Params;
use crate::prims::Timer;
use crate::py_print;
use crate::runtime;

/// Python's `str()` of a float: `2.0`, `0.5`.
fn py_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

fn hello() -> PyResult<()> {
    py_print!("hello: the timer fired")?;
    for i in 0..STEPS {
        runtime::sleep(1.0)?;
        py_print!("hello: working {}/{STEPS}", i + 1)?;
    }
    py_print!("hello: done")
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let timer = Timer::new(p.float("interval"), hello);
    timer.set_daemon(p.flag("daemon"))?;
    timer.start()?;
    py_print!("main: timer started")?;
    if let Some(after) = p.opt_float("cancel_after") {
        runtime::sleep(after)?;
        timer.cancel();
        py_print!("main: cancel() after {} s", py_float(after))?;
    }
    for i in 0..STEPS {
        runtime::sleep(1.0)?;
        py_print!("main: working {}/{STEPS}", i + 1)?;
    }
    py_print!("main: finish")
}
