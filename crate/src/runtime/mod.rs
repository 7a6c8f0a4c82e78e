//! The runtime: runs of lesson programs on real threads, one clock, Stop, the watchdog.
//!
//! A [`Run`] owns the trace, the table of its threads and the table of its objects. Lesson
//! threads are spawned through a [`Spawner`]: OS threads natively ([`native`]), pooled Web
//! Workers sharing the wasm memory in the browser (`browser`). Everything else, including
//! the watchdog, is the same code on both.
//!
//! Every schedule point of every primitive (waits, wakes, time, sleeps, randomness,
//! prints) goes through the seam, [`crate::hooks`], which hands it to the run's scheduling
//! [`sched::Policy`] and records what the thread waits on. That single choke point is what
//! makes Stop, the deadlock report and other schedulers possible without touching the
//! primitives or the lessons. A thread's life is [`thread`]'s alone.

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod process;
pub mod sched;
pub(crate) mod thread;

pub use crate::hooks::{checkpoint, eprint, measure, monotonic, new_object, print, random_u64, real_ns, sleep, trace};
pub use sched::{Choice, Policy, Schedule, DEFAULT_SWITCH_INTERVAL_NS};

use crate::error::PyResult;
use crate::futex;
use crate::sync::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use crate::trace::{Actor, EndState, Kind, ObjKind, Op, Trace};
use std::sync::{Arc, Mutex};
use thread::{ThreadSlot, T_BLOCKED, T_FINISHED, T_UNUSED};

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
    /// Who runs next.
    pub policy: Policy,
    /// The seed of every random choice of the run (`None`: a fresh one, from the clock).
    /// It is recorded in the trace, so a run's result can name it.
    pub seed: Option<u64>,
    /// The choices a [`Choice::Replay`] run follows.
    pub schedule: Option<Schedule>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            speed: 1.0,
            trace_capacity: 1 << 16,
            max_threads: 1024,
            policy: Policy::Free,
            seed: None,
            schedule: None,
        }
    }
}
/// Watchdog ticks with every live thread blocked and no event recorded before a run is
/// declared deadlocked.
pub(crate) const DEADLOCK_TICKS: u32 = 3;
const OBJ_CAPACITY: usize = 1 << 16;

/// One execution of a lesson program.
pub struct Run {
    pub trace: Trace,
    speed: f64,
    policy: Policy,
    seed: u64,
    /// The GIL, used by [`Policy::Gil`] only.
    pub(crate) gil: sched::gil::Gil,
    /// The scheduler of [`Policy::Controlled`] runs.
    ctl: sched::controlled::Controller,
    /// Counts this run among the policed ones while it lives (see `sched::policed_runs`).
    _policed: sched::Policed,
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
    /// Every `Thread` object started in the run, `MainThread` first.
    threads: Mutex<Vec<thread::Thread>>,
    pub(crate) watch_len: AtomicUsize,
    pub(crate) watch_ticks: AtomicU32,
    /// The run's processes, as this one sees them.
    #[cfg(any(target_arch = "wasm32", unix))]
    pub(crate) procs: process::Procs,
}

/// What a lesson thread knows about itself.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub run: Arc<Run>,
    pub tid: u32,
    pub thread: thread::Thread,
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

/// This machine's logical cores (`os.cpu_count()`).
pub fn cpu_count() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        browser::cores() as usize
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// `print(...)` with format arguments; evaluates to `PyResult<()>`.
#[macro_export]
macro_rules! py_print {
    ($($t:tt)*) => { $crate::runtime::print(&format!($($t)*)) };
}

impl Run {
    pub(crate) fn new(cfg: &RunConfig, spawner: Arc<dyn Spawner>) -> Arc<Run> {
        Self::new_in(cfg, spawner, Actor::MAIN_PID, None, |_| {})
    }

    /// The run of child process `pid`, in the run whose `arena` it shares: on that run's
    /// clock, under its pid.
    #[cfg(any(target_arch = "wasm32", unix))]
    pub(crate) fn new_child(
        cfg: &RunConfig,
        spawner: Arc<dyn Spawner>,
        pid: u32,
        arena: process::Arena,
        trace: Option<Trace>,
    ) -> Arc<Run> {
        let start = arena.start_ns();
        let run = Self::new_in(cfg, spawner, pid, trace, move |run| {
            run.trace.set_start_ns(start);
            run.procs.set_child(pid, arena);
        });
        run
    }

    fn new_in(
        cfg: &RunConfig,
        spawner: Arc<dyn Spawner>,
        pid: u32,
        trace: Option<Trace>,
        seat: impl FnOnce(&Run),
    ) -> Arc<Run> {
        // Allocate first, then start the clock: filling a large trace takes a while (a
        // quarter second for the default one in a debug build) that is not lesson time.
        let trace = trace.unwrap_or_else(|| Trace::new(cfg.trace_capacity.max(16), 0));
        let slots = (0..cfg.max_threads.max(2) + 1).map(|_| ThreadSlot::new()).collect();
        let seed = cfg.seed.unwrap_or_else(|| sched::splitmix(crate::clock::now_ns()));
        // Controlled runs keep virtual time, which is lesson time: no speed to apply.
        let speed = match cfg.policy {
            Policy::Controlled(_) => 1.0,
            _ if cfg.speed.is_finite() && cfg.speed > 0.0 => cfg.speed,
            _ => 1.0,
        };
        let holders = (0..OBJ_CAPACITY).map(|_| AtomicU32::new(0)).collect();
        trace.set_start_ns(crate::clock::now_ns());
        if let Policy::Controlled(_) = cfg.policy {
            trace.set_virtual_ns(0);
        }
        let run = Arc::new(Run {
            trace,
            speed,
            policy: cfg.policy,
            seed,
            gil: sched::gil::Gil::new(),
            _policed: sched::Policed::new(cfg.policy),
            ctl: sched::controlled::Controller::new(
                seed,
                match cfg.policy {
                    Policy::Controlled(c) => c,
                    _ => Choice::Random,
                },
                cfg.schedule.as_ref(),
            ),
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
            #[cfg(any(target_arch = "wasm32", unix))]
            procs: process::Procs::default(),
        });
        run.trace.set_pid(pid);
        seat(&run);
        run.emit(0, Kind::RunStart, Op::None, 0, run.speed.to_bits());
        #[cfg(any(target_arch = "wasm32", unix))]
        let (name, parent) = match run.procs.arena() {
            Some(a) => (a.name(pid), a.parent(pid)),
            None => ("MainProcess".to_owned(), 0),
        };
        #[cfg(not(any(target_arch = "wasm32", unix)))]
        let (name, parent) = ("MainProcess".to_owned(), 0);
        let name = run.trace.intern(&name);
        run.emit_code(0, Kind::Process, parent as u16, pid, name.0);
        run.emit(0, Kind::Seed, Op::None, 0, seed);
        if let Policy::Gil { .. } = run.policy {
            run.gil.register(&run);
        }
        run
    }

    /// Who runs next in this run.
    #[inline(always)]
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The seed the run draws its random choices from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Records an event stamped as the policy keeps time: real time, or a controlled
    /// run's virtual time.
    #[inline(always)]
    pub(crate) fn emit(&self, tid: u32, kind: Kind, op: Op, obj: u32, arg: u64) {
        self.emit_code(tid, kind, op as u16, obj, arg)
    }

    /// [`Run::emit`] with a kind's own 16-bit code.
    #[inline(always)]
    pub(crate) fn emit_code(&self, tid: u32, kind: Kind, code: u16, obj: u32, arg: u64) {
        // A controlled run's trace stamps its virtual time by itself (`set_virtual_ns`): a
        // test of the policy here cost the traced lock pair 4-10 ns natively (it kept the
        // primitives' fast paths from being inlined), the trace's own word nothing.
        self.trace.emit_code(tid, kind, code, obj, arg)
    }

    /// The controlled scheduler (meaningful under [`Policy::Controlled`] only).
    #[inline(always)]
    pub(crate) fn ctl(&self) -> &sched::controlled::Controller {
        &self.ctl
    }

    /// A controlled run's schedule so far (its choices), and whether a replay left the
    /// schedule it was given; `None` for other policies.
    pub fn schedule(&self) -> Option<(Schedule, bool)> {
        matches!(self.policy, Policy::Controlled(_)).then(|| self.ctl.schedule())
    }

    /// Thread `tid`'s slot.
    #[inline(always)]
    pub(crate) fn slot(&self, tid: u32) -> &ThreadSlot {
        &self.slots[tid as usize]
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
    pub(crate) fn interrupted(&self, tid: u32) -> bool {
        self.stopping.load(Ordering::Relaxed)
            || (self.exiting.load(Ordering::Relaxed)
                && self.slots.get(tid as usize).is_some_and(|s| s.daemon.load(Ordering::Relaxed)))
            || self.stopped_elsewhere()
    }

    /// Whether this run was told to end, by its own flag alone: for threads that are not
    /// the run's and may not see the run's shared memory (rayon's pool in the browser, whose
    /// workers wasm-bindgen-rayon boots).
    pub(crate) fn stopping_here(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// Whether another process of the run ended it (the run's stop word); this run then
    /// stops too.
    #[inline]
    fn stopped_elsewhere(&self) -> bool {
        #[cfg(any(target_arch = "wasm32", unix))]
        if self.procs.arena().is_some() && self.stop_requested_elsewhere() {
            self.stop_as_the_run_says();
            return true;
        }
        false
    }

    pub(crate) fn new_object(&self, actor: u32, kind: ObjKind, name: &str) -> u32 {
        let id = self.next_obj.fetch_add(1, Ordering::Relaxed);
        let s = self.trace.intern(name);
        self.emit_code(actor, Kind::ObjNew, kind as u16, id, s.0);
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

    /// Writes `RunEnd` once, with the end state decided so far.
    pub(crate) fn finish(&self) {
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
        self.emit_code(0, Kind::RunEnd, self.end.load(Ordering::SeqCst) as u16, 0, s.0);
        // A child whose program has ended waits for nothing. Its watchdog ticks no more, and
        // its last word may be "stuck" (from a wait it has left since): that word must not
        // count while its exit is still on the way, or a parent joining it sees a deadlock.
        #[cfg(any(target_arch = "wasm32", unix))]
        if self.is_process_child() {
            if let Some(arena) = self.procs.arena() {
                arena.store(arena.entry(self.procs.pid()) + process::arena::E_STUCK, 0);
            }
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
        #[cfg(any(target_arch = "wasm32", unix))]
        if !self.is_process_child() {
            self.stop_processes();
        }
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

    pub(crate) fn wake_everyone(&self) {
        for slot in self.slots.iter() {
            let addr = slot.wait_addr.load(Ordering::SeqCst);
            if addr != 0 {
                // The word may be gone by now (its primitive dropped): wake by address.
                futex::wake_all_at(addr as *const AtomicU32);
            }
            slot.wake.fetch_add(1, Ordering::SeqCst);
            futex::wake_all(&slot.wake);
            futex::wake_all(&slot.turn);
        }
    }

    /// The end state, once decided (the run may still be unwinding).
    pub fn end_state(&self) -> Option<EndState> {
        EndState::from_u16(self.end.load(Ordering::SeqCst) as u16)
    }

    /// True once every thread has ended and `RunEnd` is in the trace; in the browser, also
    /// once every process of the run has ended and been let go (the page does that, on its
    /// ticks, and must keep ticking until then).
    pub fn is_done(&self) -> bool {
        #[cfg(target_arch = "wasm32")]
        return self.threads_done() && process::browser::processes_over(self);
        #[cfg(not(target_arch = "wasm32"))]
        self.threads_done()
    }

    /// True once every thread of this process has ended and `RunEnd` is in the trace.
    pub fn threads_done(&self) -> bool {
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
        #[cfg(any(target_arch = "wasm32", unix))]
        if self.procs.arena().is_some() {
            return self.watchdog_tick_across(len);
        }
        let (all_blocked, any_live) = self.all_blocked(false);
        if !(any_live && all_blocked) || self.watch_len.swap(len, Ordering::SeqCst) != len {
            self.watch_ticks.store(0, Ordering::SeqCst);
            return;
        }
        if self.watch_ticks.fetch_add(1, Ordering::SeqCst) + 1 < DEADLOCK_TICKS {
            return;
        }
        self.report_deadlock();
    }

    /// Records who waits on what, held by whom, and ends the run as deadlocked. A wait on
    /// a shared object names its holder as `pid << 32 | tid` (see `Kind::WaitEdge`).
    pub(crate) fn report_deadlock(&self) {
        for (tid, slot) in self.slots.iter().enumerate() {
            let obj = slot.obj.load(Ordering::SeqCst);
            match slot.state.load(Ordering::SeqCst) {
                T_BLOCKED => {
                    let holder = self.holders.get(obj as usize).map_or(0, |h| h.load(Ordering::SeqCst));
                    self.emit(tid as u32, Kind::WaitEdge, Op::None, obj, holder as u64);
                }
                thread::T_BLOCKED_SHARED => {
                    self.emit(tid as u32, Kind::WaitEdge, Op::None, obj, slot.shared_holder.load(Ordering::SeqCst));
                }
                _ => {}
            }
        }
        self.request_end(EndState::Deadlocked, "deadlock");
    }

    /// Whether every live thread is blocked without a timeout (counting waits on other
    /// processes), and whether any thread lives: the watchdog's look at this process.
    pub(crate) fn all_blocked(&self, shared_too: bool) -> (bool, bool) {
        let mut any_live = false;
        for slot in self.slots.iter() {
            match slot.state.load(Ordering::SeqCst) {
                T_UNUSED | T_FINISHED => {}
                T_BLOCKED => any_live = true,
                thread::T_BLOCKED_SHARED if shared_too => any_live = true,
                _ => return (false, true),
            }
        }
        // Every thread that shows as blocked must really still be: its word unchanged.
        let all = self.slots.iter().all(|s| s.state.load(Ordering::SeqCst) != T_BLOCKED || s.still_blocked());
        (all, any_live)
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
    thread::start_main(&run, Box::new(main));
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
        ctx.run.emit(ctx.tid, Kind::ThreadPanic, Op::None, 0, s.0);
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
