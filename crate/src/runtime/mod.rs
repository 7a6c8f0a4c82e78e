//! The runtime: runs of lesson programs on real threads, one clock, Stop, the watchdog.
//!
//! A [`Run`] owns the trace, the table of its threads and the table of its objects. Lesson
//! threads are spawned through a [`Spawner`]: OS threads natively ([`native`]), pooled Web
//! Workers sharing the wasm memory in the browser (`browser`). Everything else, including
//! the watchdog, is the same code on both.
//!
//! Every blocking call of every primitive goes through [`park`], which records what the
//! thread waits on. That single choke point is what makes Stop, the deadlock report and
//! (later) a controlled scheduler possible without touching the primitives or the lessons.

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;

use crate::error::{Interrupted, PyErr, PyResult};
use crate::futex;
use crate::sync::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use crate::trace::{EndState, Kind, ObjKind, Op, ThreadEndHow, Trace};
use std::sync::{Arc, Mutex};

/// A unit of work handed to a thread of the backend.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// Starts jobs on threads that may block: OS threads, or workers sharing the memory.
pub trait Spawner: Send + Sync + 'static {
    fn spawn(&self, job: Job) -> Result<(), String>;
}

/// How a run is set up.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Lesson seconds per real second: 2.0 runs a lesson twice as fast as written.
    pub speed: f64,
    /// Events the trace keeps before it counts the rest as dropped.
    pub trace_capacity: usize,
    /// Threads a run may start, the main thread included.
    pub max_threads: usize,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig { speed: 1.0, trace_capacity: 1 << 16, max_threads: 1024 }
    }
}

/// Longest real time a parked thread goes without re-checking for Stop. Stop also wakes
/// parked threads directly; this bound covers the window where a thread has checked the
/// flag but not yet gone to sleep.
const PARK_SLICE_NS: u64 = 20_000_000;
/// Watchdog ticks with every live thread blocked and no event recorded before a run is
/// declared deadlocked.
const DEADLOCK_TICKS: u32 = 3;
const OBJ_CAPACITY: usize = 1 << 16;

// A thread slot's states.
const T_UNUSED: u32 = 0;
const T_RUNNING: u32 = 1;
const T_SLEEPING: u32 = 2;
const T_BLOCKED: u32 = 3;
const T_BLOCKED_TIMED: u32 = 4;
const T_FINISHED: u32 = 5;

struct ThreadSlot {
    state: AtomicU32,
    /// The object it is blocked on.
    obj: AtomicU32,
    /// The futex word it sleeps on, so that Stop can wake it.
    wait_addr: AtomicUsize,
    /// Its own word, for `sleep` and for being interrupted.
    wake: AtomicU32,
    daemon: AtomicBool,
}

/// One execution of a lesson program.
pub struct Run {
    pub trace: Trace,
    speed: f64,
    spawner: Arc<dyn Spawner>,
    slots: Box<[ThreadSlot]>,
    next_tid: AtomicU32,
    next_obj: AtomicU32,
    next_name: AtomicU32,
    /// Per object: the thread holding it (locks), or the thread it is (threads).
    holders: Box<[AtomicU32]>,
    live: AtomicU32,
    live_nondaemon: AtomicU32,
    /// Set when the last non-daemon thread ended: daemon threads are cut off.
    exiting: AtomicBool,
    /// Set by Stop, a deadlock or a failure: every thread unwinds.
    stopping: AtomicBool,
    /// The [`EndState`] decided so far (0: none yet).
    end: AtomicU32,
    /// Set once the `RunEnd` event is written.
    ended: AtomicBool,
    /// Futex word: 1 once the run has ended.
    done: AtomicU32,
    end_reason: Mutex<String>,
    main_failed: Mutex<Option<String>>,
    pub(crate) threads: Mutex<Vec<crate::threading::Thread>>,
    watch_len: AtomicUsize,
    watch_ticks: AtomicU32,
}

/// What a lesson thread knows about itself.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub run: Arc<Run>,
    pub tid: u32,
    pub thread: crate::threading::Thread,
}

#[cfg(not(loom))]
thread_local! {
    /// Owns the lesson thread's context (and drops it if a thread exits holding one).
    /// Only [`set_current`] touches it.
    static CURRENT: core::cell::RefCell<Option<Ctx>> = const { core::cell::RefCell::new(None) };
    /// Points at the context in `CURRENT`, or is null outside a run: a const, drop-free
    /// thread-local, so that every hook costs one load to find its context (a RefCell of a
    /// type with a destructor is checked for registration and borrowed on each use, which
    /// was a third of a traced lock pair).
    static HERE: core::cell::Cell<*const Ctx> = const { core::cell::Cell::new(core::ptr::null()) };
}

/// The lesson thread running here, if any. Outside a run (plain tests, loom) primitives
/// work untraced, in real seconds.
#[inline]
pub(crate) fn current() -> Option<Ctx> {
    with_current(Ctx::clone)
}

/// Runs `f` on the current lesson thread's context without cloning it: the hot paths use
/// this, since a clone would bounce the run's reference count between cores.
#[inline(always)]
pub(crate) fn with_current<R>(f: impl FnOnce(&Ctx) -> R) -> Option<R> {
    #[cfg(not(loom))]
    {
        let here = HERE.with(|h| h.get());
        if here.is_null() {
            return None;
        }
        // SAFETY: a non-null `HERE` points at the context inside this thread's `CURRENT`,
        // which stays in place until `set_current` replaces it, and `set_current` nulls
        // `HERE` first. Nothing `f` is given (hooks, clones) calls `set_current`.
        Some(f(unsafe { &*here }))
    }
    #[cfg(loom)]
    {
        let _ = f;
        None
    }
}

/// The current lesson thread's id, if any.
#[inline]
pub(crate) fn current_tid() -> Option<u32> {
    with_current(|c| c.tid)
}

#[cfg(not(loom))]
pub(crate) fn set_current(ctx: Option<Ctx>) {
    HERE.with(|h| h.set(core::ptr::null()));
    CURRENT.with(|c| {
        // The old context drops here, with `HERE` already null.
        *c.borrow_mut() = ctx;
        let here = c.borrow().as_ref().map_or(core::ptr::null(), |ctx| ctx as *const Ctx);
        HERE.with(|h| h.set(here));
    });
}

/// Records an operation of the current thread on `obj`, if it runs inside a run.
#[inline(always)]
pub(crate) fn trace(kind: Kind, op: Op, obj: u32, arg: u64) {
    with_current(|ctx| ctx.run.trace.emit(ctx.tid, kind, op, obj, arg));
}

/// Records an exception raised by an operation on `obj`.
pub(crate) fn trace_fail(op: Op, obj: u32, err: &PyErr) {
    with_current(|ctx| {
        let s = ctx.run.trace.intern(&err.to_string());
        ctx.run.trace.emit(ctx.tid, Kind::Fail, op, obj, s.0);
    });
}

/// Registers a new object of the current run and records its creation. Returns 0 (untraced)
/// outside a run.
pub(crate) fn new_object(kind: ObjKind, name: &str) -> u32 {
    with_current(|ctx| ctx.run.new_object(ctx.tid, kind, name)).unwrap_or(0)
}

/// Notes that `obj` is held by thread `tid` (0: nobody), for the watchdog's report.
#[inline]
pub(crate) fn set_holder(obj: u32, tid: u32) {
    if obj != 0 {
        with_current(|ctx| ctx.run.set_holder_of(obj, tid));
    }
}

/// The current lesson thread's id, 0 outside a run.
#[inline(always)]
pub(crate) fn tid() -> u32 {
    current_tid().unwrap_or(0)
}

/// Real nanoseconds for `secs` lesson seconds in the current run (1:1 outside a run).
pub fn real_ns(secs: f64) -> u64 {
    let speed = with_current(|c| c.run.speed).unwrap_or(1.0);
    ((secs.max(0.0) / speed) * 1e9).min(u64::MAX as f64 / 2.0) as u64
}

/// Lesson seconds since the run started (`time.monotonic()` for a lesson).
pub fn monotonic() -> f64 {
    with_current(|ctx| ctx.run.lesson_secs(crate::clock::now_ns().saturating_sub(ctx.run.trace.start_ns())))
        .unwrap_or_else(|| crate::clock::now_ns() as f64 / 1e9)
}

/// Why [`park`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Park {
    /// Woken, or the word changed, or spuriously: re-check the condition.
    Woken,
    /// `deadline` passed.
    TimedOut,
}

/// Sleeps while `*word == expected`, until the absolute `deadline` (clock ns), recording
/// that the current thread is blocked on `obj`. Interrupted when the run stops.
pub(crate) fn park(word: &AtomicU32, expected: u32, deadline: Option<u64>, obj: u32) -> Result<Park, Interrupted> {
    if spin_until_changed(word, expected) {
        return Ok(Park::Woken);
    }
    let ctx = current();
    let Some(ctx) = ctx else {
        let timeout = match deadline {
            Some(d) => match d.checked_sub(crate::clock::now_ns()) {
                Some(t) if t > 0 => Some(t),
                _ => return Ok(Park::TimedOut),
            },
            None => None,
        };
        let woke = futex::wait(word, expected, timeout);
        return Ok(if woke { Park::Woken } else { Park::TimedOut });
    };
    let slot = &ctx.run.slots[ctx.tid as usize];
    slot.obj.store(obj, Ordering::Relaxed);
    slot.wait_addr.store(word as *const AtomicU32 as usize, Ordering::Relaxed);
    slot.state.store(if deadline.is_some() { T_BLOCKED_TIMED } else { T_BLOCKED }, Ordering::SeqCst);
    let result = loop {
        if ctx.run.interrupted(ctx.tid) {
            break Err(Interrupted);
        }
        let now = crate::clock::now_ns();
        let slice = match deadline {
            Some(d) if d <= now => break Ok(Park::TimedOut),
            Some(d) => (d - now).min(PARK_SLICE_NS),
            None => PARK_SLICE_NS,
        };
        if word.load(Ordering::Acquire) != expected {
            break Ok(Park::Woken);
        }
        if futex::wait(word, expected, Some(slice)) {
            break Ok(Park::Woken);
        }
    };
    slot.wait_addr.store(0, Ordering::Relaxed);
    slot.state.store(T_RUNNING, Ordering::SeqCst);
    result.and_then(|p| if ctx.run.interrupted(ctx.tid) { Err(Interrupted) } else { Ok(p) })
}

/// How long [`park`] spins before sleeping. Waking a sleeping thread costs about 20 µs
/// natively on our machines and more for a worker, while the other side of a hand-off
/// often answers within a microsecond or two, unless it was preempted for a moment. A
/// spin of half a wake-up's cost loses at most that much when the wait turns out long,
/// and catches most short ones: 2 µs missed often enough in the browser to triple its
/// ping-pong (6 µs per round trip against 1.9 µs now). Time-based, because wasm has no
/// pause instruction to count on.
const SPIN_NS: u64 = 10_000;

/// Spins while `*word == expected`, for at most [`SPIN_NS`]; true if it changed.
#[inline]
pub(crate) fn spin_until_changed(word: &AtomicU32, expected: u32) -> bool {
    #[cfg(loom)]
    {
        let _ = (word, expected);
        false
    }
    #[cfg(not(loom))]
    {
        let start = crate::clock::now_ns();
        loop {
            for _ in 0..64 {
                if word.load(Ordering::Acquire) != expected {
                    return true;
                }
                core::hint::spin_loop();
            }
            if crate::clock::now_ns().saturating_sub(start) > SPIN_NS {
                return false;
            }
        }
    }
}

/// `time.sleep(secs)` in lesson seconds; returns early only when the run stops.
pub fn sleep(secs: f64) -> PyResult<()> {
    if secs.is_nan() || secs < 0.0 {
        return Err(PyErr::value("sleep length must be non-negative"));
    }
    let deadline = crate::clock::now_ns() + real_ns(secs);
    let Some(ctx) = current() else {
        while let Some(t) = deadline.checked_sub(crate::clock::now_ns()).filter(|t| *t > 0) {
            std::thread::sleep(std::time::Duration::from_nanos(t));
        }
        return Ok(());
    };
    let slot = &ctx.run.slots[ctx.tid as usize];
    ctx.run.trace.emit(ctx.tid, Kind::Block, Op::Sleep, 0, (secs * 1e9) as u64);
    slot.wait_addr.store(&slot.wake as *const AtomicU32 as usize, Ordering::Relaxed);
    slot.state.store(T_SLEEPING, Ordering::SeqCst);
    let result = loop {
        if ctx.run.interrupted(ctx.tid) {
            break Err(PyErr::Interrupted);
        }
        let now = crate::clock::now_ns();
        if now >= deadline {
            break Ok(());
        }
        let seen = slot.wake.load(Ordering::Acquire);
        futex::wait(&slot.wake, seen, Some((deadline - now).min(PARK_SLICE_NS * 5)));
    };
    slot.wait_addr.store(0, Ordering::Relaxed);
    slot.state.store(T_RUNNING, Ordering::SeqCst);
    if result.is_ok() {
        ctx.run.trace.emit(ctx.tid, Kind::Ok, Op::Sleep, 0, 0);
    }
    result
}

/// Python's `print`: one line of the current thread's output.
pub fn print(line: &str) -> PyResult<()> {
    write_line(line, 0)
}

/// A line on standard error (tracebacks, warnings).
pub fn eprint(line: &str) -> PyResult<()> {
    write_line(line, 1)
}

fn write_line(line: &str, stream: u16) -> PyResult<()> {
    match current() {
        Some(ctx) => {
            checkpoint()?;
            let s = ctx.run.trace.intern(line);
            ctx.run.trace.emit_code(ctx.tid, Kind::Print, stream, 0, s.0);
        }
        None if stream == 0 => println!("{line}"),
        None => eprintln!("{line}"),
    }
    Ok(())
}

/// Fails with [`PyErr::Interrupted`] once the run is stopping (or this daemon thread is
/// being cut off). Lesson loops that never block call it so that Stop reaches them.
#[inline]
pub fn checkpoint() -> PyResult<()> {
    match with_current(|ctx| ctx.run.interrupted(ctx.tid)) {
        Some(true) => Err(PyErr::Interrupted),
        _ => Ok(()),
    }
}

/// `print(...)` with format arguments; evaluates to `PyResult<()>`.
#[macro_export]
macro_rules! py_print {
    ($($t:tt)*) => { $crate::runtime::print(&format!($($t)*)) };
}

impl Run {
    pub(crate) fn new(cfg: &RunConfig, spawner: Arc<dyn Spawner>) -> Arc<Run> {
        // Allocate first, then start the clock: filling a large trace takes a while (a
        // quarter second for the default one in a debug build) that is not lesson time.
        let trace = Trace::new(cfg.trace_capacity.max(16), 0);
        let slots = (0..cfg.max_threads.max(2) + 1)
            .map(|_| ThreadSlot {
                state: AtomicU32::new(T_UNUSED),
                obj: AtomicU32::new(0),
                wait_addr: AtomicUsize::new(0),
                wake: AtomicU32::new(0),
                daemon: AtomicBool::new(false),
            })
            .collect();
        let speed = if cfg.speed.is_finite() && cfg.speed > 0.0 { cfg.speed } else { 1.0 };
        let holders = (0..OBJ_CAPACITY).map(|_| AtomicU32::new(0)).collect();
        trace.set_start_ns(crate::clock::now_ns());
        let run = Arc::new(Run {
            trace,
            speed,
            spawner,
            slots,
            next_tid: AtomicU32::new(1),
            next_obj: AtomicU32::new(1),
            next_name: AtomicU32::new(1),
            holders,
            live: AtomicU32::new(0),
            live_nondaemon: AtomicU32::new(0),
            exiting: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            end: AtomicU32::new(0),
            ended: AtomicBool::new(false),
            done: AtomicU32::new(0),
            end_reason: Mutex::new(String::new()),
            main_failed: Mutex::new(None),
            threads: Mutex::new(Vec::new()),
            watch_len: AtomicUsize::new(usize::MAX),
            watch_ticks: AtomicU32::new(0),
        });
        run.trace.emit(0, Kind::RunStart, Op::None, 0, speed.to_bits());
        run
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Lesson seconds for `ns` real nanoseconds of this run.
    pub fn lesson_secs(&self, ns: u64) -> f64 {
        ns as f64 * self.speed / 1e9
    }

    pub(crate) fn spawner(&self) -> &Arc<dyn Spawner> {
        &self.spawner
    }

    #[inline]
    fn interrupted(&self, tid: u32) -> bool {
        self.stopping.load(Ordering::Relaxed)
            || (self.exiting.load(Ordering::Relaxed)
                && self.slots.get(tid as usize).is_some_and(|s| s.daemon.load(Ordering::Relaxed)))
    }

    pub(crate) fn new_object(&self, actor: u32, kind: ObjKind, name: &str) -> u32 {
        let id = self.next_obj.fetch_add(1, Ordering::Relaxed);
        let s = self.trace.intern(name);
        self.trace.emit_code(actor, Kind::ObjNew, kind as u16, id, s.0);
        id
    }

    pub(crate) fn set_holder_of(&self, obj: u32, tid: u32) {
        if let Some(h) = self.holders.get(obj as usize) {
            h.store(tid, Ordering::Relaxed);
        }
    }

    /// Python's default thread names: `Thread-1`, `Thread-2`, ... per run.
    pub(crate) fn next_thread_number(&self) -> u32 {
        self.next_name.fetch_add(1, Ordering::Relaxed)
    }

    /// Reserves a thread id, counting the thread as live from now on, so that the program
    /// cannot be seen as finished while a started thread is still booting.
    pub(crate) fn register_thread(&self, daemon: bool) -> Result<u32, PyErr> {
        let tid = self.next_tid.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = self.slots.get(tid as usize) else {
            return Err(PyErr::runtime("can't start new thread"));
        };
        slot.daemon.store(daemon, Ordering::Relaxed);
        slot.state.store(T_RUNNING, Ordering::SeqCst);
        self.live.fetch_add(1, Ordering::SeqCst);
        if !daemon {
            self.live_nondaemon.fetch_add(1, Ordering::SeqCst);
        }
        Ok(tid)
    }

    /// Called by each thread as it ends, whatever the way.
    pub(crate) fn thread_exited(&self, tid: u32, how: ThreadEndHow, error: Option<&PyErr>) {
        self.trace.emit_code(tid, Kind::ThreadEnd, how as u16, 0, 0);
        let slot = &self.slots[tid as usize];
        slot.state.store(T_FINISHED, Ordering::SeqCst);
        if tid == 1 {
            if let Some(e) = error {
                *self.main_failed.lock().unwrap() = Some(e.to_string());
            }
        }
        if !slot.daemon.load(Ordering::Relaxed) && self.live_nondaemon.fetch_sub(1, Ordering::SeqCst) == 1 {
            // The program is over: daemon threads die with it.
            self.exiting.store(true, Ordering::SeqCst);
            self.wake_everyone();
        }
        if self.live.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.finish();
        }
    }

    /// Writes `RunEnd` once, with the end state decided so far.
    fn finish(&self) {
        if self.ended.swap(true, Ordering::SeqCst) {
            return;
        }
        if self.end.load(Ordering::SeqCst) == 0 {
            // try_lock: the page may call this (force_finish), and it must never block.
            let failed = self.main_failed.try_lock().ok().and_then(|g| g.clone());
            match failed {
                Some(why) => {
                    let _ = self.end.compare_exchange(0, EndState::Failed as u32, Ordering::SeqCst, Ordering::SeqCst);
                    if let Ok(mut r) = self.end_reason.try_lock() {
                        *r = why;
                    }
                }
                None => {
                    let _ = self.end.compare_exchange(0, EndState::Finished as u32, Ordering::SeqCst, Ordering::SeqCst);
                }
            }
        }
        let reason = self.end_reason.try_lock().map(|r| r.clone()).unwrap_or_default();
        let s = self.trace.intern(&reason);
        self.trace.emit_code(0, Kind::RunEnd, self.end.load(Ordering::SeqCst) as u16, 0, s.0);
        // Threads hold the run and the run lists its threads: break that cycle so a run is
        // freed once nobody holds it.
        if let Ok(mut threads) = self.threads.try_lock() {
            threads.clear();
        }
        self.done.store(1, Ordering::SeqCst);
        futex::wake_all(&self.done);
    }

    /// Ends the run early: every thread unwinds at its next blocking call or checkpoint.
    /// The first decision wins (a Stop after a deadlock stays a deadlock).
    pub fn request_end(&self, state: EndState, reason: &str) {
        if self.end.compare_exchange(0, state as u32, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            if let Ok(mut r) = self.end_reason.try_lock() {
                *r = reason.to_owned();
            }
        }
        self.stopping.store(true, Ordering::SeqCst);
        self.wake_everyone();
    }

    /// Stop button.
    pub fn stop(&self) {
        self.request_end(EndState::Stopped, "");
    }

    /// The page gave up waiting for threads that did not unwind (their workers were
    /// terminated): the run ends now with what was decided.
    pub fn force_finish(&self) {
        if self.end.load(Ordering::SeqCst) == 0 {
            let _ = self.end.compare_exchange(0, EndState::Stopped as u32, Ordering::SeqCst, Ordering::SeqCst);
        }
        self.stopping.store(true, Ordering::SeqCst);
        self.finish();
    }

    fn wake_everyone(&self) {
        for slot in self.slots.iter() {
            let addr = slot.wait_addr.load(Ordering::SeqCst);
            if addr != 0 {
                // The word may be gone by now (its primitive dropped): wake by address.
                futex::wake_all_at(addr as *const AtomicU32);
            }
            slot.wake.fetch_add(1, Ordering::SeqCst);
            futex::wake_all(&slot.wake);
        }
    }

    /// The end state, once decided (the run may still be unwinding).
    pub fn end_state(&self) -> Option<EndState> {
        EndState::from_u16(self.end.load(Ordering::SeqCst) as u16)
    }

    /// True once every thread has ended and `RunEnd` is in the trace.
    pub fn is_done(&self) -> bool {
        self.done.load(Ordering::SeqCst) == 1
    }

    /// Threads started and not yet ended.
    pub fn live_threads(&self) -> u32 {
        self.live.load(Ordering::SeqCst)
    }

    /// Blocks (in a worker or natively, never on the page) until the run is done or
    /// `timeout_ns` passes. Returns whether it is done.
    pub fn wait_done(&self, timeout_ns: Option<u64>) -> bool {
        let deadline = timeout_ns.map(|t| crate::clock::now_ns() + t);
        while !self.is_done() {
            let left = match deadline {
                Some(d) => match d.checked_sub(crate::clock::now_ns()) {
                    Some(l) if l > 0 => Some(l),
                    _ => return false,
                },
                None => None,
            };
            futex::wait(&self.done, 0, left);
        }
        true
    }

    /// Non-blocking health check, called every few tens of milliseconds by a native thread
    /// or the page. Declares a deadlock when every live thread has been blocked without a
    /// timeout, with no event recorded, for several ticks; it then records who waits on
    /// what, held by whom, and ends the run.
    pub fn watchdog_tick(&self) {
        if self.end.load(Ordering::SeqCst) != 0 || self.is_done() {
            return;
        }
        // Dropped events count as progress: a run whose trace is full is still moving.
        let len = self.trace.len() + self.trace.dropped() as usize;
        let mut any_live = false;
        let mut all_blocked = true;
        for slot in self.slots.iter() {
            match slot.state.load(Ordering::SeqCst) {
                T_UNUSED | T_FINISHED => {}
                T_BLOCKED => any_live = true,
                _ => {
                    all_blocked = false;
                    break;
                }
            }
        }
        if !(any_live && all_blocked) || self.watch_len.swap(len, Ordering::SeqCst) != len {
            self.watch_ticks.store(0, Ordering::SeqCst);
            return;
        }
        if self.watch_ticks.fetch_add(1, Ordering::SeqCst) + 1 < DEADLOCK_TICKS {
            return;
        }
        for (tid, slot) in self.slots.iter().enumerate() {
            if slot.state.load(Ordering::SeqCst) == T_BLOCKED {
                let obj = slot.obj.load(Ordering::SeqCst);
                let holder = self.holders.get(obj as usize).map_or(0, |h| h.load(Ordering::SeqCst));
                self.trace.emit(tid as u32, Kind::WaitEdge, Op::None, obj, holder as u64);
            }
        }
        self.request_end(EndState::Deadlocked, "deadlock");
    }
}

/// Starts `main` as the run's `MainThread` and returns at once; the run goes on in the
/// spawner's threads.
pub fn start(
    cfg: &RunConfig,
    spawner: Arc<dyn Spawner>,
    main: impl FnOnce() -> PyResult<()> + Send + 'static,
) -> Arc<Run> {
    let run = Run::new(cfg, spawner);
    crate::threading::start_main(&run, Box::new(main));
    run
}

/// Reports a panic of the current lesson thread into its run, which then fails. Installed
/// as (a link of) the panic hook on both platforms: in the browser a panic aborts its
/// worker, so this is the only word the page gets of it.
#[cfg(not(loom))]
pub(crate) fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = info.payload().downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_owned()
    };
    let msg = match info.location() {
        Some(l) => format!("{msg} ({}:{})", l.file(), l.line()),
        None => msg,
    };
    if let Some(ctx) = CURRENT.try_with(|c| c.try_borrow().ok().and_then(|c| c.clone())).ok().flatten() {
        let s = ctx.run.trace.intern(&msg);
        ctx.run.trace.emit(ctx.tid, Kind::ThreadPanic, Op::None, 0, s.0);
        ctx.run.request_end(EndState::Failed, &msg);
    }
}

#[cfg(not(loom))]
pub(crate) fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            report_panic(info);
            prev(info);
        }));
    });
}
