//! The runtime side of processes: the run's process state, starting, waiting for and
//! signalling children, the exit handler.

use super::arena::{self, *};
use super::target::{encode, Target};
use crate::error::{PyErr, PyResult};
use crate::runtime::{current, Run};
use crate::trace::{Actor, Kind, Op};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, OnceLock};

/// Every target of the program, by name.
pub(crate) fn find_target(name: &str) -> Option<&'static Target> {
    crate::lessons::all()
        .iter()
        .flat_map(|l| l.targets.iter())
        .chain(crate::multiprocessing::probes::TARGETS.iter())
        .chain(crate::multiprocessing::managers::TARGETS.iter())
        .chain(crate::multiprocessing::pool::TARGETS.iter())
        .find(|t| t.name == name)
        .copied()
}

/// What a child is asked to run.
#[derive(Serialize, Deserialize)]
pub(crate) struct Request {
    pub target: String,
    pub args: Vec<u8>,
}

/// A run's processes, as one process of it sees them: its own pid, the arena (created by
/// `MainProcess` when it first needs one, handed to every child), and the children it
/// started.
#[derive(Default)]
pub(crate) struct Procs {
    arena: OnceLock<Arena>,
    /// This process's logical pid (0 until set: `MainProcess`, 1).
    pid: std::sync::atomic::AtomicU32,
    /// Pids of the children this process started.
    children: Mutex<Vec<u32>>,
    /// Children named so far (`Process-1`, `Process-2`, ...).
    named: std::sync::atomic::AtomicU32,
    #[cfg(unix)]
    pub(crate) os: super::native::Children,
    /// Children whose end is in this run's trace (bit per pid).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    ends_recorded: std::sync::atomic::AtomicU64,
    /// When the page first saw the run's stop word (ms, f64 bits; 0: not yet).
    stop_seen: std::sync::atomic::AtomicU64,
    /// Set once the arena went back to the page's segment.
    released: std::sync::atomic::AtomicBool,
    /// `log_to_stderr` was called here (or in the parent, for a child).
    logging: std::sync::atomic::AtomicBool,
    /// A child's exit code, once its `MainThread` has ended.
    exit_code: std::sync::atomic::AtomicI32,
    /// This process recorded its part of a deadlock across processes.
    reported: std::sync::atomic::AtomicBool,
    /// Its children's traces, as MainProcess reads them, in the order they appeared:
    /// natively attached in place in the run's segment; in the browser, the page's
    /// mirrors of them (copied from each child's memory).
    child_traces: Mutex<Vec<(u32, ChildTrace)>>,
    /// What `multiprocessing` runs at this process's exit once its children are joined
    /// (CPython's finalizers: a queue's feeder thread flushes its buffer).
    exit_hooks: Mutex<Vec<ExitHook>>,
}

#[cfg(not(target_arch = "wasm32"))]
type ChildTrace = crate::trace::Trace;
#[cfg(target_arch = "wasm32")]
type ChildTrace = crate::trace::TraceMirror;

impl Run {
    /// Runs `f` on every trace of the run as MainProcess knows them now: its own first,
    /// then each child's, in the order they appeared (the same order at every call, as
    /// `analysis::TraceReader` needs). Never blocks (the page calls it).
    pub fn with_traces<R>(&self, f: impl FnOnce(&[&crate::trace::Trace]) -> R) -> R {
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(arena) = self.procs.arena() {
            if let Ok(mut have) = self.procs.child_traces.try_lock() {
                let pids: Vec<u32> = have.iter().map(|(p, _)| *p).collect();
                have.extend(super::native::attach_traces(arena, &pids));
            }
        }
        match self.procs.child_traces.try_lock() {
            Ok(children) => {
                let mut all: Vec<&crate::trace::Trace> = vec![&self.trace];
                #[cfg(not(target_arch = "wasm32"))]
                all.extend(children.iter().map(|(_, t)| t));
                #[cfg(target_arch = "wasm32")]
                all.extend(children.iter().map(|(_, m)| m.trace()));
                f(&all)
            }
            Err(_) => f(&[&self.trace]),
        }
    }

    /// The run's clock as its events are stamped: ns since its start (for readers).
    pub fn clock_ns(&self) -> u64 {
        crate::clock::trace_now_ns().saturating_sub(self.trace.start_ns())
    }

    /// The page's mirror of child `pid`'s trace, made on first use (browser only).
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn with_mirror(&self, pid: u32, f: impl FnOnce(&mut crate::trace::TraceMirror)) {
        if let Ok(mut children) = self.procs.child_traces.try_lock() {
            let i = match children.iter().position(|(p, _)| *p == pid) {
                Some(i) => i,
                None => {
                    children.push((pid, crate::trace::TraceMirror::new()));
                    children.len() - 1
                }
            };
            f(&mut children[i].1)
        }
    }
}

/// A finalizer of [`Procs::on_exit`].
pub(crate) type ExitHook = Box<dyn FnOnce(&Run) + Send>;

impl Procs {
    pub(crate) fn pid(&self) -> u32 {
        match self.pid.load(std::sync::atomic::Ordering::Relaxed) {
            0 => Actor::MAIN_PID,
            p => p,
        }
    }

    pub(crate) fn set_child(&self, pid: u32, arena: Arena) {
        self.pid.store(pid, std::sync::atomic::Ordering::Relaxed);
        let _ = self.arena.set(arena);
    }

    /// The arena, if this run has one yet.
    #[inline]
    pub(crate) fn arena(&self) -> Option<&Arena> {
        self.arena.get()
    }

    pub(crate) fn logging(&self) -> bool {
        self.logging.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn set_logging(&self, on: bool) {
        self.logging.store(on, std::sync::atomic::Ordering::Relaxed)
    }

    /// The number in the next child's default name.
    pub(crate) fn next_child_number(&self) -> u32 {
        self.named.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
    }

    /// Notes that `pid`'s end is being recorded; false if it already was.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn note_end(&self, pid: u32) -> bool {
        let bit = 1u64 << (pid - 1);
        self.ends_recorded.fetch_or(bit, std::sync::atomic::Ordering::Relaxed) & bit == 0
    }

    /// When the stop word was first seen, `now` if this is the first look.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn stop_seen_ms(&self, now: f64) -> f64 {
        use std::sync::atomic::Ordering::Relaxed;
        match self.stop_seen.compare_exchange(0, now.to_bits(), Relaxed, Relaxed) {
            Ok(_) => now,
            Err(bits) => f64::from_bits(bits),
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn released(&self) -> bool {
        self.released.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn release(&self) {
        self.released.store(true, std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn children(&self) -> Vec<u32> {
        self.children.lock().unwrap().clone()
    }

    /// Runs `hook` at this process's exit, after its children are joined.
    pub(crate) fn on_exit(&self, hook: ExitHook) {
        self.exit_hooks.lock().unwrap().push(hook);
    }
}

impl Run {
    /// The run's arena, created on first use by `MainProcess`.
    pub(crate) fn arena(&self) -> PyResult<Arena> {
        if let Some(a) = self.procs.arena() {
            return Ok(a.clone());
        }
        let made = self.make_arena().map_err(|e| PyErr::Other { class: "OSError".into(), message: e })?;
        Ok(self.procs.arena.get_or_init(|| made).clone())
    }

    fn make_arena(&self) -> Result<Arena, String> {
        #[cfg(unix)]
        let (seg, base) = (super::native::run_segment()?, 0);
        #[cfg(target_arch = "wasm32")]
        let (seg, base) = super::browser::claim_arena()?;
        let gil_ns = match self.policy() {
            crate::runtime::Policy::Gil { switch_interval_ns } => switch_interval_ns.max(1),
            _ => 0,
        };
        Ok(Arena::init(seg, base, self.trace.start_ns(), self.speed(), self.seed(), gil_ns))
    }

    /// Set once the run's processes were told to stop: every one of them unwinds.
    #[cold]
    pub(crate) fn stop_requested_elsewhere(&self) -> bool {
        self.procs.arena().is_some_and(Arena::stop_requested)
    }

    /// Tells every process of the run to stop (when this run ends early).
    pub(crate) fn stop_processes(&self) {
        if let Some(a) = self.procs.arena() {
            a.request_stop();
        }
    }

    /// `multiprocessing`'s exit handler, run by thread `tid`, this process's last
    /// non-daemon thread, as it ends: daemonic children are terminated, then every child is
    /// joined (CPython's `util._exit_function`, with its `log_to_stderr` lines).
    pub(crate) fn at_exit(&self, tid: u32) {
        let children = self.procs.children();
        let Some(arena) = self.procs.arena().cloned() else { return };
        let me = arena.name(self.procs.pid());
        self.log(tid, &me, "process shutting down");
        for &pid in &children {
            if arena.daemon(pid) && arena.exit_code(pid).is_none() {
                self.log(tid, &me, &format!("calling terminate() for daemon {}", arena.name(pid)));
                signal(self, &arena, pid, SIGTERM);
            }
        }
        for &pid in &children {
            if arena.exit_code(pid).is_none() {
                self.log(tid, &me, &format!("calling join() for process {}", arena.name(pid)));
            }
            while arena.exit_code(pid).is_none() {
                let state = arena.state(pid);
                if state == P_EXITED || (self.interrupted(0) && !self.is_process_child()) {
                    break;
                }
                arena.wait(arena.entry(pid) + E_STATE, state, Some(20_000_000));
            }
        }
        let hooks = std::mem::take(&mut *self.procs.exit_hooks.lock().unwrap());
        for hook in hooks {
            hook(self);
        }
        if self.is_process_child() {
            let code = self.procs.exit_code.load(std::sync::atomic::Ordering::Relaxed);
            self.log(tid, &me, &format!("process exiting with exitcode {code}"));
        }
    }

    /// The run ended elsewhere: a stop, or a deadlock across processes, which this
    /// process then reports its part of.
    pub(crate) fn stop_as_the_run_says(&self) {
        let deadlock = self.procs.arena().is_some_and(Arena::deadlocked);
        if deadlock && !self.procs.reported.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.report_deadlock();
        } else {
            self.stop();
        }
    }

    /// The watchdog of a run with processes, `len` its events so far: each process
    /// publishes whether all its threads are blocked for good (waits on other processes
    /// included) and how far it got; `MainProcess` declares a deadlock once every process
    /// has been blocked, with no event anywhere, for several ticks.
    pub(crate) fn watchdog_tick_across(&self, len: usize) {
        let Some(arena) = self.procs.arena() else { return };
        let pid = self.procs.pid();
        let (all, any_live) = self.all_blocked(true);
        let e = arena.entry(pid);
        arena.store(e + E_STUCK, (all && any_live) as u32);
        arena.store(e + E_PROGRESS, len as u32);
        if self.is_process_child() {
            return;
        }
        let running: Vec<u32> = arena.pids().filter(|&p| arena.state(p) != P_EXITED).collect();
        let stuck = running.iter().all(|&p| arena.load(arena.entry(p) + E_STUCK) == 1);
        let progress =
            running.iter().fold(0usize, |a, &p| a.wrapping_add(arena.load(arena.entry(p) + E_PROGRESS) as usize));
        if !stuck || self.watch_len.swap(progress, std::sync::atomic::Ordering::SeqCst) != progress {
            self.watch_ticks.store(0, std::sync::atomic::Ordering::SeqCst);
            return;
        }
        // One tick more than within a process: the children publish on their own ticks.
        if self.watch_ticks.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 < crate::runtime::DEADLOCK_TICKS + 1 {
            return;
        }
        arena.declare_deadlock();
        self.procs.reported.store(true, std::sync::atomic::Ordering::SeqCst);
        self.report_deadlock();
    }

    /// A `log_to_stderr(logging.INFO)` line of this process, when logging is on.
    pub(crate) fn log(&self, tid: u32, me: &str, what: &str) {
        if self.procs.logging() {
            let s = self.trace.intern(&format!("[INFO/{me}] {what}"));
            self.emit_code(tid, Kind::Print, 1, 0, s.0);
        }
    }

    /// Whether this run is a child process (not `MainProcess`).
    pub(crate) fn is_process_child(&self) -> bool {
        self.procs.pid() != Actor::MAIN_PID
    }
}

pub(crate) const SIGTERM: i32 = 15;
pub(crate) const SIGKILL: i32 = 9;

/// A child process, as its parent holds it.
#[derive(Clone)]
pub struct Child {
    pid: u32,
    arena: Arena,
}

/// Starts a child of the current process running `target(args)` (already encoded).
pub(crate) fn spawn(target: &'static Target, args: Vec<u8>, name: &str, daemon: bool, obj: u32) -> PyResult<Child> {
    let Some(ctx) = current() else {
        return Err(PyErr::runtime("processes can only be started inside a run"));
    };
    let run = &ctx.run;
    let arena = run.arena()?;
    let pid = arena.new_pid().ok_or_else(|| PyErr::Other {
        class: "OSError".into(),
        message: format!("a run may have at most {MAX_PROCS} processes"),
    })?;
    let payload = encode(&Request { target: target.name.to_owned(), args })?;
    let flags = if daemon { F_DAEMON } else { 0 } | if run.procs.logging() { F_LOGGING } else { 0 };
    arena
        .describe(pid, run.procs.pid(), name, flags, &payload)
        .map_err(|e| PyErr::Other { class: "OSError".into(), message: e })?;
    run.procs.children.lock().unwrap().push(pid);
    run.emit_code(ctx.tid, Kind::ProcStart, daemon as u16, pid, payload.len() as u64);
    let _ = obj;
    #[cfg(unix)]
    super::native::start(run, &arena, pid).map_err(|e| PyErr::Other { class: "OSError".into(), message: e })?;
    #[cfg(target_arch = "wasm32")]
    super::browser::request_process(&arena, pid);
    Ok(Child { pid, arena })
}

impl Child {
    /// The child's logical pid (its trace's).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `Process.pid`: the OS's pid natively, the logical one in the browser.
    pub fn os_pid(&self) -> u32 {
        match self.arena.os_pid(self.pid) {
            0 => self.pid,
            p => p,
        }
    }

    pub fn exit_code(&self) -> Option<i32> {
        self.arena.exit_code(self.pid)
    }

    pub fn is_alive(&self) -> bool {
        self.exit_code().is_none()
    }

    /// Waits for the child to end, at most until `deadline` (clock ns); `Ok(true)` once it
    /// has.
    pub fn wait(&self, deadline: Option<u64>, obj: u32) -> PyResult<bool> {
        let word = self.arena.entry(self.pid) + E_STATE;
        loop {
            let state = self.arena.load(word);
            if state == P_EXITED {
                return Ok(true);
            }
            if let crate::hooks::Park::TimedOut = crate::hooks::park_shared(&self.arena, word, state, deadline, obj, 0)?
            {
                return Ok(self.arena.state(self.pid) == P_EXITED);
            }
        }
    }

    /// `terminate()` (SIGTERM) or `kill()` (SIGKILL).
    pub fn signal(&self, sig: i32) -> PyResult<()> {
        let Some(ctx) = current() else { return Ok(()) };
        ctx.run.emit(ctx.tid, Kind::Signal, Op::Terminate, 0, sig as u64);
        signal(&ctx.run, &self.arena, self.pid, sig);
        Ok(())
    }
}

/// Delivers `sig` to `pid`, whichever process of the run asks.
fn signal(run: &Run, arena: &Arena, pid: u32, sig: i32) {
    if arena.exit_code(pid).is_some() {
        return;
    }
    let _ = run;
    arena.store(arena.entry(pid) + E_SIGNAL, sig as u32);
    #[cfg(unix)]
    super::native::kill(arena, pid, sig);
    #[cfg(target_arch = "wasm32")]
    super::browser::signal_process(arena);
}

/// `current_process()`'s name and pid, and `parent_process()`'s, for the facade.
pub(crate) fn identity(run: &Arc<Run>) -> (u32, String, u32) {
    let pid = run.procs.pid();
    match run.procs.arena() {
        Some(a) => (pid, a.name(pid), a.parent(pid)),
        None => (pid, "MainProcess".into(), 0),
    }
}

/// The arena of the current run, created if need be.
pub fn current_arena() -> PyResult<Arena> {
    match current() {
        Some(ctx) => ctx.run.arena(),
        None => Err(PyErr::runtime("multiprocessing's objects live inside a run")),
    }
}

/// Runs a child's target as its `MainThread`'s body. An exception is printed the way
/// CPython's `Process._bootstrap` prints it, to the child's stderr.
pub(crate) fn run_target(target: &Target, args: &[u8], process_name: &str) -> PyResult<()> {
    // A Process's target's value is dropped, as `Process.run`'s is.
    let result = (target.entry)(args).map(drop);
    if let Err(e) = &result {
        if !matches!(e, PyErr::Interrupted | PyErr::SystemExit(_)) {
            let function = target.function();
            crate::hooks::eprint(&format!(
                "Process {process_name}:\nTraceback (most recent call last):\n  File \"lesson.py\", in {function}\n{e}"
            ))?;
        }
    }
    result
}

/// How a child process's main thread ends becomes its exit code, as in CPython's
/// `Process._bootstrap`: 0 when its target returned, `sys.exit`'s code, 1 after an
/// exception (whose traceback went to its stderr).
pub(crate) fn exit_code_of(result: &PyResult<()>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(PyErr::SystemExit(code)) => *code,
        Err(_) => 1,
    }
}

/// The pid `pid` shows to Python code (`os.getpid()`, `Process.pid`).
pub(crate) fn os_pid_of(run: &Run, pid: u32) -> u32 {
    match run.procs.arena().map(|a| a.os_pid(pid)) {
        Some(p) if p != 0 => p,
        _ if pid == Actor::MAIN_PID => arena::own_os_pid(),
        _ => pid,
    }
}

/// A child process's run, set up from its entry in the arena: on the run's clock, at its
/// speed, with a seed of its own drawn from the run's; and its `MainThread`'s body, which
/// runs the requested target and leaves the process's exit code in the returned cell.
pub(crate) fn child_run(
    arena: &Arena,
    pid: u32,
    spawner: Arc<dyn crate::runtime::Spawner>,
    trace_capacity: usize,
    trace: Option<crate::trace::Trace>,
) -> Result<(Arc<Run>, Arc<Mutex<i32>>, Box<dyn FnOnce() -> PyResult<()> + Send>), String> {
    let request: Request = super::decode(&arena.payload(pid)).map_err(|e| e.to_string())?;
    let target = find_target(&request.target).ok_or_else(|| format!("no target named {}", request.target))?;
    let cfg = crate::runtime::RunConfig {
        speed: arena.speed(),
        seed: Some(arena.seed() ^ (pid as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        trace_capacity,
        policy: arena.policy(),
        ..crate::runtime::RunConfig::default()
    };
    crate::runtime::install_panic_hook();
    let code = Arc::new(Mutex::new(0));
    let out = code.clone();
    let run = Run::new_child(&cfg, spawner, pid, arena.clone(), trace);
    run.procs.set_logging(arena.logging(pid));
    let name = arena.name(pid);
    let me = run.clone();
    let main = Box::new(move || {
        me.log(crate::hooks::tid(), &name, "child process calling self.run()");
        let result = run_target(target, &request.args, &name);
        let code = exit_code_of(&result);
        *out.lock().unwrap() = code;
        me.procs.exit_code.store(code, std::sync::atomic::Ordering::Relaxed);
        // Its traceback is printed: the thread itself ends quietly, as `sys.exit` would.
        result.map_err(|e| match e {
            PyErr::Interrupted => e,
            _ => PyErr::SystemExit(1),
        })
    });
    Ok((run, code, main))
}

/// What a child's first thread does once `MainThread` has returned: waits for the rest of
/// its threads, ticking its watchdog, and stops when the run's stop word says so.
pub(crate) fn child_wait(run: &Run, arena: &Arena, parent_gone: impl Fn() -> bool) {
    while !run.wait_done(Some(20_000_000)) {
        run.watchdog_tick();
        if arena.stop_requested() {
            run.stop_as_the_run_says();
        } else if parent_gone() {
            run.stop();
        }
    }
}
