//! `threading.Timer`: a thread that runs a function after a delay, unless cancelled.

use super::Event;
use crate::error::PyResult;
use crate::hooks;
use crate::threading::Thread;
use crate::trace::{Kind, ObjKind, Op};
use std::sync::Arc;

/// `threading.Timer(interval, function)`: a [`Thread`] that waits `interval` lesson
/// seconds, then calls `function`, unless `cancel()` came first.
///
/// As in Python, the wait is on an internal Event that `cancel()` sets, so a cancel
/// wakes the timer's thread at once and it ends without calling `function`. A cancel
/// after `function` has started changes nothing. In the trace the timer is one object:
/// its thread's wait, the `cancel`, and `fire` when it calls `function`.
///
/// Timers are lesson threads: create them inside a run.
///
/// # Examples
/// ```
/// use parlab::{prims::Timer, runtime::native, py_print, trace::EndState};
/// let run = native::run(Default::default(), || {
///     let t = Timer::new(0.01, || py_print!("fired"));
///     t.start()?;
///     t.join(None)?;
///     let never = Timer::new(3600.0, || py_print!("never"));
///     never.start()?;
///     never.cancel();
///     never.join(None)
/// });
/// assert_eq!(run.end_state(), Some(EndState::Finished));
/// ```
pub struct Timer {
    thread: Thread,
    finished: Arc<Event>,
    interval: f64,
    obj: u32,
}

impl Timer {
    /// `Timer(interval, function)`: its thread is named like Python's, `Thread-N`.
    ///
    /// Panics outside a run, like [`Thread::new`].
    pub fn new(interval: f64, function: impl FnOnce() -> PyResult<()> + Send + 'static) -> Timer {
        Timer::build("timer", None, interval, Box::new(function))
    }

    /// A timer whose thread and trace object are named `name`.
    pub fn named(name: &str, interval: f64, function: impl FnOnce() -> PyResult<()> + Send + 'static) -> Timer {
        Timer::build(name, Some(name), interval, Box::new(function))
    }

    fn build(
        obj_name: &str,
        thread_name: Option<&str>,
        interval: f64,
        function: Box<dyn FnOnce() -> PyResult<()> + Send>,
    ) -> Timer {
        let obj = hooks::new_object(ObjKind::Timer, obj_name);
        let finished = Arc::new(Event::with_obj(obj));
        let f = finished.clone();
        let body = move || {
            f.wait(Some(interval))?;
            if !f.is_set() {
                hooks::trace(Kind::Signal, Op::Fire, obj, 0);
                function()?;
            }
            // Python sets it only when `function` returned (no try/finally there either).
            f.set_as(None);
            Ok(())
        };
        let thread = match thread_name {
            Some(n) => Thread::named(n, "", body),
            None => Thread::new("", body),
        };
        Timer { thread, finished, interval, obj }
    }

    /// The trace object id (0 outside a run).
    pub fn obj(&self) -> u32 {
        self.obj
    }

    /// `interval`, in lesson seconds.
    pub fn interval(&self) -> f64 {
        self.interval
    }

    /// The timer's thread.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    pub fn name(&self) -> &str {
        self.thread.name()
    }

    /// `start()`: starts the countdown on a new thread.
    pub fn start(&self) -> PyResult<()> {
        self.thread.start()
    }

    /// `cancel()`: stops the timer if it is still waiting; harmless otherwise.
    pub fn cancel(&self) {
        self.finished.set_as(Some(Op::Cancel));
    }

    /// Whether the timer is done: cancelled, or `function` has returned (Python's
    /// `finished.is_set()`).
    pub fn finished(&self) -> bool {
        self.finished.is_set()
    }

    /// `join(timeout=None)`, as [`Thread::join`].
    pub fn join(&self, timeout: Option<f64>) -> PyResult<()> {
        self.thread.join(timeout)
    }

    /// `is_alive()`.
    pub fn is_alive(&self) -> bool {
        self.thread.is_alive()
    }

    pub fn daemon(&self) -> bool {
        self.thread.daemon()
    }

    /// `daemon = value`: refused once started, as for any thread.
    pub fn set_daemon(&self, daemon: bool) -> PyResult<()> {
        self.thread.set_daemon(daemon)
    }

    /// Builder form of `daemon=`.
    pub fn with_daemon(self, daemon: bool) -> Timer {
        Timer { thread: self.thread.with_daemon(daemon), ..self }
    }
}
