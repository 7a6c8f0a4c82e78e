//! The native backend: each lesson thread is an OS thread. Used by the tests, the litmus
//! runs, the benchmarks and the command-line runner.

use super::{Job, Run, RunConfig, Spawner};
use crate::error::PyResult;
use std::sync::Arc;

/// Spawns lesson threads as OS threads.
pub struct OsThreads;

impl Spawner for OsThreads {
    fn spawn(&self, job: Job) -> Result<(), String> {
        std::thread::Builder::new().stack_size(256 * 1024).spawn(job).map(drop).map_err(|e| e.to_string())
    }
}

/// Watchdog period: a deadlock is reported about three periods after it forms.
const WATCHDOG_PERIOD: std::time::Duration = std::time::Duration::from_millis(20);

/// Runs `main` as a lesson program on OS threads and returns once it has ended (finished,
/// deadlocked, failed, or stopped through the returned run from another thread).
pub fn run(cfg: RunConfig, main: impl FnOnce() -> PyResult<()> + Send + 'static) -> Arc<Run> {
    let run = start(cfg, main);
    wait(&run);
    run
}

/// Starts `main` and returns at once; see [`wait`].
pub fn start(cfg: RunConfig, main: impl FnOnce() -> PyResult<()> + Send + 'static) -> Arc<Run> {
    super::install_panic_hook();
    super::start(&cfg, Arc::new(OsThreads), main)
}

/// Waits for `run` to end, ticking its watchdog.
pub fn wait(run: &Run) {
    while !run.wait_done(Some(WATCHDOG_PERIOD.as_nanos() as u64)) {
        run.watchdog_tick();
    }
    // No process of the run outlives it.
    #[cfg(unix)]
    run.reap_processes();
}
