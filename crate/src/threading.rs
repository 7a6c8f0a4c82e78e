//! Python's `threading.Thread` and the module functions around it.

use crate::error::{PyErr, PyResult};
use crate::runtime::{self, current, Ctx, Park, Run};
use crate::sync::{AtomicBool, AtomicU32, Ordering};
use crate::trace::{Kind, ObjKind, Op, ThreadEndHow};
use std::fmt;
use std::sync::{Arc, Mutex};

type Target = Box<dyn FnOnce() -> PyResult<()> + Send + 'static>;

// A thread's life, also the futex word that `start` and `join` wait on.
const NEW: u32 = 0;
const STARTED: u32 = 1;
const FINISHED: u32 = 2;

struct Inner {
    name: String,
    target_name: String,
    daemon: AtomicBool,
    state: AtomicU32,
    tid: AtomicU32,
    obj: u32,
    target: Mutex<Option<Target>>,
    run: Arc<Run>,
}

/// `threading.Thread`: a lesson thread, started on a real OS thread or Web Worker.
///
/// # Examples
/// ```
/// use parlab::{threading::Thread, runtime::native, py_print};
/// let run = native::run(Default::default(), || {
///     let t = Thread::new("worker", || py_print!("hello from {}", parlab::threading::current_thread().name()));
///     t.start()?;
///     t.join(None)
/// });
/// assert_eq!(run.end_state(), Some(parlab::trace::EndState::Finished));
/// ```
#[derive(Clone)]
pub struct Thread(Arc<Inner>);

impl Thread {
    /// `Thread(target=f)`: named like Python names it, `Thread-N (target_name)`. Its daemon
    /// flag is inherited from the thread creating it.
    ///
    /// Panics when called outside a run: lesson threads exist only inside one.
    pub fn new(target_name: &str, target: impl FnOnce() -> PyResult<()> + Send + 'static) -> Thread {
        let ctx = current().expect("parlab threads are created inside a run (see runtime::native::run)");
        let n = ctx.run.next_thread_number();
        let name = if target_name.is_empty() { format!("Thread-{n}") } else { format!("Thread-{n} ({target_name})") };
        Thread::build(&ctx, name, target_name, Box::new(target))
    }

    /// `Thread(target=f, name=name)`, where `target_name` is `f`'s name, which a traceback
    /// shows ("" for none: `run`).
    pub fn named(name: &str, target_name: &str, target: impl FnOnce() -> PyResult<()> + Send + 'static) -> Thread {
        let ctx = current().expect("parlab threads are created inside a run (see runtime::native::run)");
        Thread::build(&ctx, name.to_owned(), target_name, Box::new(target))
    }

    fn build(ctx: &Ctx, name: String, target_name: &str, target: Target) -> Thread {
        let obj = ctx.run.new_object(ctx.tid, ObjKind::Thread, &name);
        Thread(Arc::new(Inner {
            name,
            target_name: target_name.to_owned(),
            daemon: AtomicBool::new(ctx.thread.daemon()),
            state: AtomicU32::new(NEW),
            tid: AtomicU32::new(0),
            obj,
            target: Mutex::new(Some(target)),
            run: ctx.run.clone(),
        }))
    }

    /// Builder form of `daemon=`.
    pub fn with_daemon(self, daemon: bool) -> Thread {
        self.0.daemon.store(daemon, Ordering::Relaxed);
        self
    }

    /// `t.daemon = value`; refused once the thread is started, as in Python.
    pub fn set_daemon(&self, daemon: bool) -> PyResult<()> {
        if self.0.state.load(Ordering::SeqCst) != NEW {
            return Err(PyErr::runtime("cannot set daemon status of active thread"));
        }
        self.0.daemon.store(daemon, Ordering::Relaxed);
        Ok(())
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub fn daemon(&self) -> bool {
        self.0.daemon.load(Ordering::Relaxed)
    }

    /// The thread's id in its run's trace (1 is the main thread); 0 before `start`.
    pub fn tid(&self) -> u32 {
        self.0.tid.load(Ordering::SeqCst)
    }

    /// The trace object that stands for this thread (what `join` blocks on).
    pub fn obj(&self) -> u32 {
        self.0.obj
    }

    /// `t.ident`: `None` before `start`.
    pub fn ident(&self) -> Option<u64> {
        match self.tid() {
            0 => None,
            tid => Some(0x7F3A_0000_0000 + tid as u64 * 0x80_1000),
        }
    }

    /// `t.is_alive()`: from `start` until its target returns.
    pub fn is_alive(&self) -> bool {
        self.0.state.load(Ordering::SeqCst) == STARTED
    }

    fn is_main(&self) -> bool {
        self.tid() == 1
    }

    /// `t.start()`: runs the target on a new thread; returns once that thread runs.
    pub fn start(&self) -> PyResult<()> {
        let inner = &self.0;
        let Some(target) = inner.target.lock().unwrap().take() else {
            return Err(PyErr::runtime("threads can only be started once"));
        };
        let run = &inner.run;
        let tid = run.register_thread(self.daemon())?;
        inner.tid.store(tid, Ordering::SeqCst);
        run.set_holder_of(inner.obj, tid);
        runtime::trace(Kind::Signal, Op::Start, inner.obj, tid as u64);
        let parent = current().map_or(0, |c| c.tid);
        let me = self.clone();
        run.threads.lock().unwrap().push(self.clone());
        if let Err(e) = run.spawner().clone().spawn(Box::new(move || me.bootstrap(parent, target))) {
            run.thread_exited(tid, ThreadEndHow::Stopped, None);
            return Err(PyErr::RuntimeError(format!("can't start new thread ({e})")));
        }
        // Like Python's start(), wait until the thread is running (in the browser a worker
        // may still be booting); the trace shows that wait and its hand-off.
        if inner.state.load(Ordering::SeqCst) == NEW {
            runtime::trace(Kind::Block, Op::Start, inner.obj, tid as u64);
            while inner.state.load(Ordering::SeqCst) == NEW {
                runtime::park(&inner.state, NEW, None, inner.obj)?;
            }
            runtime::trace(Kind::Ok, Op::Start, inner.obj, tid as u64);
        }
        Ok(())
    }

    /// The body of every lesson thread, on its own OS thread or worker.
    fn bootstrap(self, parent: u32, target: Target) {
        let inner = &self.0;
        let run = inner.run.clone();
        let tid = self.tid();
        runtime::set_current(Some(Ctx { run: run.clone(), tid, thread: self.clone() }));
        let name = run.trace.intern(&inner.name);
        run.trace.emit_code(tid, Kind::ThreadStart, self.daemon() as u16, parent, name.0);
        inner.state.store(STARTED, Ordering::SeqCst);
        crate::futex::wake_all(&inner.state);

        // Natively a panic unwinds to here (the panic hook has already failed the run); in
        // the browser it aborts the worker and the page's watchdog takes over.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(target)).unwrap_or(Err(PyErr::Interrupted));

        let how = match &result {
            Ok(()) => ThreadEndHow::Returned,
            Err(PyErr::Interrupted) => {
                if self.daemon() && run.end_state().is_none() {
                    ThreadEndHow::CutOff
                } else {
                    ThreadEndHow::Stopped
                }
            }
            Err(e) => {
                let text = if self.is_main() {
                    format!("Traceback (most recent call last):\n  File \"lesson.py\", in <module>\n{e}")
                } else {
                    format!(
                        "Exception in thread {}:\nTraceback (most recent call last):\n  File \"lesson.py\", in {}\n{e}",
                        inner.name,
                        if inner.target_name.is_empty() { "run" } else { &inner.target_name }
                    )
                };
                let s = run.trace.intern(&text);
                run.trace.emit_code(tid, Kind::Print, 1, 0, s.0);
                ThreadEndHow::Raised
            }
        };
        inner.state.store(FINISHED, Ordering::SeqCst);
        run.set_holder_of(inner.obj, 0);
        crate::futex::wake_all(&inner.state);
        runtime::set_current(None);
        run.thread_exited(tid, how, result.as_ref().err());
    }

    /// `t.join(timeout=None)`: waits for the thread to end, or for `timeout` lesson seconds.
    /// Like Python, it returns normally after a timeout: check `is_alive()`.
    pub fn join(&self, timeout: Option<f64>) -> PyResult<()> {
        let inner = &self.0;
        if inner.state.load(Ordering::SeqCst) == NEW {
            return Err(PyErr::runtime("cannot join thread before it is started"));
        }
        if current().is_some_and(|c| c.tid == self.tid()) {
            return Err(PyErr::runtime("cannot join current thread"));
        }
        let deadline = timeout.map(|t| crate::clock::now_ns() + runtime::real_ns(t));
        runtime::trace(Kind::Attempt, Op::Join, inner.obj, 0);
        let mut blocked = false;
        loop {
            if inner.state.load(Ordering::SeqCst) == FINISHED {
                runtime::trace(Kind::Ok, Op::Join, inner.obj, 0);
                return Ok(());
            }
            if !blocked {
                blocked = true;
                runtime::trace(Kind::Block, Op::Join, inner.obj, 0);
            }
            if runtime::park(&inner.state, STARTED, deadline, inner.obj)? == Park::TimedOut {
                runtime::trace(Kind::Timeout, Op::Join, inner.obj, 0);
                return Ok(());
            }
        }
    }
}

impl PartialEq for Thread {
    fn eq(&self, other: &Thread) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Python's repr: `<Thread(Thread-1 (worker), started daemon 1234)>`.
impl fmt::Display for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = if self.is_main() { "_MainThread" } else { "Thread" };
        let state = match self.0.state.load(Ordering::SeqCst) {
            NEW => "initial",
            STARTED => "started",
            _ => "stopped",
        };
        write!(f, "<{class}({}, {state}", self.0.name)?;
        if self.daemon() {
            f.write_str(" daemon")?;
        }
        if let Some(id) = self.ident() {
            write!(f, " {id}")?;
        }
        f.write_str(")>")
    }
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Starts a run's `MainThread`.
pub(crate) fn start_main(run: &Arc<Run>, main: Target) {
    let name = "MainThread".to_owned();
    let obj = run.new_object(0, ObjKind::Thread, &name);
    let t = Thread(Arc::new(Inner {
        name,
        target_name: String::new(),
        daemon: AtomicBool::new(false),
        state: AtomicU32::new(NEW),
        tid: AtomicU32::new(0),
        obj,
        target: Mutex::new(None),
        run: run.clone(),
    }));
    let tid = run.register_thread(false).expect("a new run has room for its main thread");
    t.0.tid.store(tid, Ordering::SeqCst);
    run.set_holder_of(obj, tid);
    // The page calls this; the lock cannot be contended (no thread of this run exists
    // yet), so it never waits, which the page's thread must not do.
    run.threads.lock().unwrap().push(t.clone());
    let me = t.clone();
    if let Err(e) = run.spawner().clone().spawn(Box::new(move || me.bootstrap(0, main))) {
        run.request_end(crate::trace::EndState::Failed, &format!("can't start the main thread ({e})"));
        run.thread_exited(tid, ThreadEndHow::Stopped, None);
    }
}

fn ctx() -> Ctx {
    current().expect("called from a lesson thread")
}

/// `threading.current_thread()`.
pub fn current_thread() -> Thread {
    ctx().thread
}

/// `threading.main_thread()`.
pub fn main_thread() -> Thread {
    ctx().run.threads.lock().unwrap()[0].clone()
}

/// `threading.enumerate()`: the threads alive now.
pub fn enumerate() -> Vec<Thread> {
    ctx().run.threads.lock().unwrap().iter().filter(|t| t.is_alive()).cloned().collect()
}

/// `threading.active_count()`.
pub fn active_count() -> usize {
    ctx().run.threads.lock().unwrap().iter().filter(|t| t.is_alive()).count()
}

/// `threading.get_ident()`.
pub fn get_ident() -> u64 {
    current_thread().ident().unwrap_or(0)
}
