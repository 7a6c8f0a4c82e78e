//! A lesson thread's whole life, in one place: its slot in the run's table, the Python
//! `Thread` object that stands for it, its start, its body, its end and the joins that wait
//! for that end.
//!
//! Ownership runs one way: a thread's context holds its run, and the run lists its
//! `Thread` objects, which hold nothing of the run. So a run is freed once the last thread
//! that ran in it is gone and nobody else holds it, with no cycle to break by hand.

use super::{current, set_current, Ctx, Run};
use crate::error::{PyErr, PyResult};
use crate::hooks::{self, Park};
use crate::sync::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use crate::trace::{Kind, ObjKind, Op, ThreadEndHow};
use std::fmt;
use std::sync::{Arc, Mutex};

// A thread slot's states, as the watchdog and Stop read them.
pub(crate) const T_UNUSED: u32 = 0;
pub(crate) const T_RUNNING: u32 = 1;
pub(crate) const T_SLEEPING: u32 = 2;
pub(crate) const T_BLOCKED: u32 = 3;
pub(crate) const T_BLOCKED_TIMED: u32 = 4;
pub(crate) const T_FINISHED: u32 = 5;
/// Waiting for the GIL: not blocked, since its holder runs.
pub(crate) const T_GIL: u32 = 6;
/// Blocked, and pinned there for a moment by the watchdog, which is reading its word.
const T_INSPECTED: u32 = 7;
/// Blocked without a timeout on a word of the run's shared arena, which another process
/// may change: no deadlock of this process's own, but part of one across processes.
pub(crate) const T_BLOCKED_SHARED: u32 = 8;

/// What the run knows of one of its threads while it lives, by thread id.
pub(crate) struct ThreadSlot {
    pub state: AtomicU32,
    /// The object it is blocked on.
    pub obj: AtomicU32,
    /// The futex word it sleeps on, so that Stop can wake it (an address, never a
    /// reference: the word may be freed while the address is still here).
    pub wait_addr: AtomicUsize,
    /// The value it waits to see change (with `wait_addr`).
    wait_expected: AtomicU32,
    /// Its own word, for `sleep` and for being interrupted.
    pub wake: AtomicU32,
    pub daemon: AtomicBool,
    /// Its random generator's state (only the thread itself draws from it).
    pub rng: AtomicU64,
    /// Bumped when the controlled scheduler gives it the turn; it waits on this word.
    pub turn: AtomicU32,
    /// Blocked on a shared object ([`T_BLOCKED_SHARED`]): who holds it, as `pid << 32 |
    /// tid` (0: nobody, or not a lock).
    pub shared_holder: AtomicU64,
}

impl ThreadSlot {
    /// The thread blocks on `obj` while the word at `word` holds `expected` (`word` 0:
    /// a wait of the scheduler's, with no word of its own).
    pub(crate) fn block(&self, obj: u32, word: usize, expected: u32, timed: bool) {
        self.obj.store(obj, Ordering::Relaxed);
        self.wait_addr.store(word, Ordering::Relaxed);
        self.wait_expected.store(expected, Ordering::Relaxed);
        self.state.store(if timed { T_BLOCKED_TIMED } else { T_BLOCKED }, Ordering::SeqCst);
    }

    /// The thread blocks on shared object `obj`: with a timeout it shows as an ordinary
    /// timed wait; without one, as [`T_BLOCKED_SHARED`].
    pub(crate) fn block_shared(&self, obj: u32, timed: bool, holder: u64) {
        self.obj.store(obj, Ordering::Relaxed);
        self.wait_addr.store(0, Ordering::Relaxed);
        self.shared_holder.store(holder, Ordering::Relaxed);
        self.state.store(if timed { T_BLOCKED_TIMED } else { T_BLOCKED_SHARED }, Ordering::SeqCst);
    }

    /// The thread runs again. It waits out a watchdog reading its word, so that the word
    /// (which the caller may free as soon as this returns) is never read after.
    pub(crate) fn unblock(&self) {
        loop {
            let s = self.state.load(Ordering::SeqCst);
            if s == T_INSPECTED {
                core::hint::spin_loop();
                continue;
            }
            if self.state.compare_exchange(s, T_RUNNING, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                break;
            }
        }
        self.wait_addr.store(0, Ordering::Relaxed);
    }

    /// For the watchdog: whether a thread shown as blocked (without a timeout) really is,
    /// i.e. its word still holds what it waits to see change. A thread woken a moment ago
    /// that the OS has not run yet still shows as blocked: its word tells it apart.
    pub(crate) fn still_blocked(&self) -> bool {
        if self.state.compare_exchange(T_BLOCKED, T_INSPECTED, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            return false;
        }
        let addr = self.wait_addr.load(Ordering::SeqCst);
        let blocked = addr == 0 || {
            // SAFETY: the thread is pinned in its wait (`unblock` cannot return while the
            // state is T_INSPECTED), and the word it waits on lives at least as long as
            // that wait, which borrows it.
            let word = unsafe { &*(addr as *const AtomicU32) };
            word.load(Ordering::SeqCst) == self.wait_expected.load(Ordering::Relaxed)
        };
        self.state.store(T_BLOCKED, Ordering::SeqCst);
        blocked
    }

    pub(crate) fn new() -> ThreadSlot {
        ThreadSlot {
            state: AtomicU32::new(T_UNUSED),
            obj: AtomicU32::new(0),
            wait_addr: AtomicUsize::new(0),
            wait_expected: AtomicU32::new(0),
            wake: AtomicU32::new(0),
            daemon: AtomicBool::new(false),
            rng: AtomicU64::new(1),
            turn: AtomicU32::new(0),
            shared_holder: AtomicU64::new(0),
        }
    }
}

type Target = Box<dyn FnOnce() -> PyResult<()> + Send + 'static>;

// A `Thread` object's life, also the futex word that `start` and `join` wait on.
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
        Thread::with(name, target_name, ctx.thread.daemon(), obj, Some(target))
    }

    fn with(name: String, target_name: &str, daemon: bool, obj: u32, target: Option<Target>) -> Thread {
        Thread(Arc::new(Inner {
            name,
            target_name: target_name.to_owned(),
            daemon: AtomicBool::new(daemon),
            state: AtomicU32::new(NEW),
            tid: AtomicU32::new(0),
            obj,
            target: Mutex::new(target),
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
        hooks::point(Op::Start, inner.obj);
        let Some(ctx) = current() else {
            return Err(PyErr::runtime("threads can only be started inside a run"));
        };
        let Some(target) = inner.target.lock().unwrap().take() else {
            return Err(PyErr::runtime("threads can only be started once"));
        };
        let run = &ctx.run;
        let tid = run.register_thread(self.daemon())?;
        inner.tid.store(tid, Ordering::SeqCst);
        run.set_holder_of(inner.obj, tid);
        hooks::trace(Kind::Signal, Op::Start, inner.obj, tid as u64);
        run.threads.lock().unwrap().push(self.clone());
        let (me, job_run, parent) = (self.clone(), run.clone(), ctx.tid);
        if let Err(e) = run.spawner().clone().spawn(Box::new(move || me.bootstrap(job_run, parent, target))) {
            run.never_ran(tid);
            return Err(PyErr::RuntimeError(format!("can't start new thread ({e})")));
        }
        // Like Python's start(), wait until the thread is running (in the browser a worker
        // may still be booting); the trace shows that wait and its hand-off.
        if inner.state.load(Ordering::SeqCst) == NEW {
            hooks::trace(Kind::Block, Op::Start, inner.obj, tid as u64);
            while inner.state.load(Ordering::SeqCst) == NEW {
                hooks::park(&inner.state, NEW, None, inner.obj)?;
            }
            hooks::trace(Kind::Ok, Op::Start, inner.obj, tid as u64);
        }
        Ok(())
    }

    /// The body of every lesson thread, on its own OS thread or worker.
    fn bootstrap(self, run: Arc<Run>, parent: u32, target: Target) {
        let inner = &self.0;
        let tid = self.tid();
        set_current(Some(Ctx { run: run.clone(), tid, thread: self.clone() }));
        // The policy's turn first (the GIL, a controlled run's pick), so that even the
        // thread's first event happens in it.
        hooks::thread_begins();
        let name = run.trace.intern(&inner.name);
        run.emit_code(tid, Kind::ThreadStart, self.daemon() as u16, parent, name.0);
        inner.state.store(STARTED, Ordering::SeqCst);
        hooks::wake_all(&inner.state);

        // Natively a panic unwinds to here (the panic hook has already failed the run); in
        // the browser it aborts the worker and the page's watchdog takes over.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(target)).unwrap_or(Err(PyErr::Interrupted));

        let how = match &result {
            Ok(()) | Err(PyErr::SystemExit(_)) => ThreadEndHow::Returned,
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
                run.emit_code(tid, Kind::Print, 1, 0, s.0);
                ThreadEndHow::Raised
            }
        };
        inner.state.store(FINISHED, Ordering::SeqCst);
        run.set_holder_of(inner.obj, 0);
        hooks::wake_all(&inner.state);
        run.emit_code(tid, Kind::ThreadEnd, how as u16, 0, 0);
        // Its last event is in the trace: now it gives up its turn, for good.
        hooks::thread_ends();
        set_current(None);
        run.thread_exited(tid, result.as_ref().err().filter(|e| !matches!(e, PyErr::SystemExit(_))));
    }

    /// `t.join(timeout=None)`: waits for the thread to end, or for `timeout` lesson seconds.
    /// Like Python, it returns normally after a timeout: check `is_alive()`.
    pub fn join(&self, timeout: Option<f64>) -> PyResult<()> {
        let inner = &self.0;
        hooks::point(Op::Join, inner.obj);
        if inner.state.load(Ordering::SeqCst) == NEW {
            return Err(PyErr::runtime("cannot join thread before it is started"));
        }
        if current().is_some_and(|c| c.tid == self.tid()) {
            return Err(PyErr::runtime("cannot join current thread"));
        }
        let deadline = timeout.map(hooks::deadline_after);
        hooks::trace(Kind::Attempt, Op::Join, inner.obj, 0);
        let mut blocked = false;
        loop {
            if inner.state.load(Ordering::SeqCst) == FINISHED {
                hooks::trace(Kind::Ok, Op::Join, inner.obj, 0);
                return Ok(());
            }
            if !blocked {
                blocked = true;
                hooks::trace(Kind::Block, Op::Join, inner.obj, 0);
            }
            if hooks::park(&inner.state, STARTED, deadline, inner.obj)? == Park::TimedOut {
                hooks::trace(Kind::Timeout, Op::Join, inner.obj, 0);
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

/// Starts a run's `MainThread` on the spawner and returns at once.
pub(crate) fn start_main(run: &Arc<Run>, main: Target) {
    let (t, tid) = main_thread_of(run);
    let job_run = run.clone();
    if let Err(e) = run.spawner().clone().spawn(Box::new(move || t.bootstrap(job_run, 0, main))) {
        run.request_end(crate::trace::EndState::Failed, &format!("can't start the main thread ({e})"));
        run.never_ran(tid);
    }
}

/// The `MainThread` object of a new run, registered as its first thread.
fn main_thread_of(run: &Arc<Run>) -> (Thread, u32) {
    let name = "MainThread".to_owned();
    let obj = run.new_object(0, ObjKind::Thread, &name);
    let t = Thread::with(name, "", false, obj, None);
    let tid = run.register_thread(false).expect("a new run has room for its main thread");
    t.0.tid.store(tid, Ordering::SeqCst);
    run.set_holder_of(obj, tid);
    // The page calls this; the lock cannot be contended (no thread of this run exists
    // yet), so it never waits, which the page's thread must not do.
    run.threads.lock().unwrap().push(t.clone());
    (t, tid)
}

impl Run {
    /// Reserves a thread id, counting the thread as live from now on, so that the program
    /// cannot be seen as finished while a started thread is still booting.
    pub(crate) fn register_thread(&self, daemon: bool) -> Result<u32, PyErr> {
        let tid = self.next_tid.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = self.slots.get(tid as usize) else {
            return Err(PyErr::runtime("can't start new thread"));
        };
        slot.daemon.store(daemon, Ordering::Relaxed);
        slot.rng.store(super::sched::random_state(self.seed, tid), Ordering::Relaxed);
        slot.state.store(T_RUNNING, Ordering::SeqCst);
        if let super::Policy::Controlled(_) = self.policy() {
            self.ctl().register(tid);
        }
        self.live.fetch_add(1, Ordering::SeqCst);
        if !daemon {
            self.live_nondaemon.fetch_add(1, Ordering::SeqCst);
        }
        Ok(tid)
    }

    /// A thread that never ran: its end is recorded, then it is counted out.
    fn never_ran(&self, tid: u32) {
        self.emit_code(tid, Kind::ThreadEnd, ThreadEndHow::Stopped as u16, 0, 0);
        if let super::Policy::Controlled(_) = self.policy() {
            self.ctl().forget(self, tid);
        }
        self.thread_exited(tid, None);
    }

    /// Called by each thread as it ends, whatever the way, after its `ThreadEnd` event.
    pub(crate) fn thread_exited(&self, tid: u32, error: Option<&PyErr>) {
        let slot = &self.slots[tid as usize];
        slot.state.store(T_FINISHED, Ordering::SeqCst);
        if tid == 1 {
            if let Some(e) = error {
                *self.main_failed.lock().unwrap() = Some(e.to_string());
            }
        }
        if !slot.daemon.load(Ordering::Relaxed) && self.live_nondaemon.fetch_sub(1, Ordering::SeqCst) == 1 {
            // multiprocessing's exit handler runs after the last non-daemon thread, before
            // the daemon threads are cut off.
            #[cfg(any(target_arch = "wasm32", unix))]
            self.at_exit(tid);
            // The program is over: daemon threads die with it.
            self.exiting.store(true, Ordering::SeqCst);
            self.wake_everyone();
        }
        if self.live.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.finish();
        }
    }

    /// `threading.main_thread()`.
    pub(crate) fn main_thread(&self) -> Thread {
        self.threads.lock().unwrap()[0].clone()
    }

    /// `threading.enumerate()`: the threads alive now.
    pub(crate) fn alive_threads(&self) -> Vec<Thread> {
        self.threads.lock().unwrap().iter().filter(|t| t.is_alive()).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watchdog_tells_a_woken_thread_from_a_blocked_one() {
        let word = AtomicU32::new(0);
        let slot = ThreadSlot::new();
        slot.block(7, &word as *const AtomicU32 as usize, 0, false);
        assert!(slot.still_blocked(), "its word still holds what it waits on");
        assert_eq!(slot.state.load(Ordering::SeqCst), T_BLOCKED, "the inspection leaves it as it was");
        // Woken (its word changed) but not yet run by the OS: no longer a deadlock's part.
        word.store(1, Ordering::SeqCst);
        assert!(!slot.still_blocked());
        slot.unblock();
        assert_eq!(slot.state.load(Ordering::SeqCst), T_RUNNING);
        assert_eq!(slot.wait_addr.load(Ordering::SeqCst), 0, "its word's address is forgotten");
        assert!(!slot.still_blocked(), "a running thread is not blocked");
    }
}
