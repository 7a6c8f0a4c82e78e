//! Helpers shared by the native tests of the primitives and the runtime.

use parlab::runtime::{Run, RunConfig};
use parlab::trace::{Kind, Op};
use std::time::{Duration, Instant};

pub fn cfg(speed: f64) -> RunConfig {
    RunConfig { speed, ..RunConfig::default() }
}

pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !cond() {
        assert!(t0.elapsed() < Duration::from_secs(10), "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

pub fn count(run: &Run, kind: Kind, op: Op) -> usize {
    run.trace.snapshot().iter().filter(|e| e.kind == kind && e.op == op).count()
}

pub fn blocked(run: &Run, op: Op) -> usize {
    run.trace.snapshot().iter().filter(|e| e.kind == Kind::Block && e.op == op).count()
}
