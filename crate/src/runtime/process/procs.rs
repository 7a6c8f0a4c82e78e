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
    #[cfg(target_os = "linux")]
    pub(crate) os: super::native::Children,
    /// What `multiprocessing` runs at this process's exit once its children are joined
    /// (CPython's finalizers: a queue's feeder thread flushes its buffer).
    exit_hooks: Mutex<Vec<ExitHook>>,
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

    /// The number in the next child's default name.
    pub(crate) fn next_child_number(&self) -> u32 {
        self.named.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
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
        #[cfg(target_os = "linux")]
        let (seg, base) = (super::native::run_segment()?, 0);
        #[cfg(target_arch = "wasm32")]
        let (seg, base) = crate::runtime::browser::claim_arena()?;
        Ok(Arena::init(seg, base, self.trace.start_ns(), self.speed(), self.seed()))
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

    /// `multiprocessing`'s exit handler, run when this process's last non-daemon thread
    /// ends: daemonic children are terminated, then every child is joined.
    pub(crate) fn at_exit(&self) {
        let children = self.procs.children();
        let Some(arena) = self.procs.arena().cloned() else { return };
        for &pid in &children {
            if arena.daemon(pid) && arena.exit_code(pid).is_none() {
                signal(self, &arena, pid, SIGTERM);
            }
        }
        for &pid in &children {
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
    arena
        .describe(pid, run.procs.pid(), name, daemon, &payload)
        .map_err(|e| PyErr::Other { class: "OSError".into(), message: e })?;
    run.procs.children.lock().unwrap().push(pid);
    run.emit_code(ctx.tid, Kind::ProcStart, daemon as u16, pid, payload.len() as u64);
    let _ = obj;
    #[cfg(target_os = "linux")]
    super::native::start(run, &arena, pid).map_err(|e| PyErr::Other { class: "OSError".into(), message: e })?;
    #[cfg(target_arch = "wasm32")]
    crate::runtime::browser::request_process(&arena, pid);
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
            if let crate::hooks::Park::TimedOut = crate::hooks::park_shared(&self.arena, word, state, deadline, obj)? {
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
    #[cfg(target_os = "linux")]
    super::native::kill(arena, pid, sig);
    #[cfg(target_arch = "wasm32")]
    crate::runtime::browser::signal_process(arena);
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
    let result = (target.entry)(args);
    if let Err(e) = &result {
        if !matches!(e, PyErr::Interrupted | PyErr::SystemExit(_)) {
            let function = target.name.rsplit("::").next().unwrap_or(target.name);
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
