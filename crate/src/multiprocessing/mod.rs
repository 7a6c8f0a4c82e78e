//! Python's `multiprocessing`: processes with memories of their own, and what they share.
//!
//! [`Process`] mirrors `threading.Thread` as CPython's does: a target and its arguments,
//! `start`, `join`, `is_alive`, and what only a process has: a `pid`, an `exitcode`,
//! `terminate` and `kill`. A child runs a [`Target`] found by its name in a fresh instance
//! of the program, with its arguments serialized, as CPython's `spawn` start method does;
//! a "subclass overriding `run`" is a target whose arguments are the subclass's fields.
//!
//! What processes share lives in the run's arena: [`Pipe`]'s [`Connection`]s
//! (`connection`), [`Queue`] and [`JoinableQueue`] (`queues`), [`Value`] and [`Array`]
//! (`sharedctypes`), and the process-shared locks (`synchronize`). Each handle crosses into
//! a child in its arguments (`Serialize` + `Deserialize` as its place in the arena).
//!
//! The runtime side (starting, reaping, the run's shared arena) is `runtime/process/`.

pub mod connection;
pub mod managers;
pub mod pool;
pub mod probes;
pub mod queues;
pub mod sharedctypes;
pub mod synchronize;

pub use connection::{pipe_named, Connection, Pipe};
pub use managers::{BaseManager, Manager, Proxy, SyncManager, Val};
pub use pool::{AsyncResult, IMapIterator, Pool};
pub use queues::{JoinableQueue, Queue, SimpleQueue};
pub use sharedctypes::{Array, CType, Value};
pub use synchronize::{Barrier, BoundedSemaphore, CondLock, Condition, Event, Lock, RLock, Semaphore};

use crate::error::{PyErr, PyResult};
use crate::hooks::{self};
use crate::runtime::process::{self, Child};
use crate::runtime::{current, Ctx};
use crate::trace::{Kind, ObjKind, Op};
use serde::Serialize;
use std::fmt;
use std::sync::{Arc, Mutex};

pub use crate::runtime::process::Target;

fn ctx() -> PyResult<Ctx> {
    current().ok_or_else(|| PyErr::runtime("multiprocessing works inside a run"))
}

fn assertion(msg: &str) -> PyErr {
    PyErr::Other { class: "AssertionError".into(), message: msg.into() }
}

/// `multiprocessing.Process`.
#[derive(Clone)]
pub struct Process(Arc<Inner>);

struct Inner {
    name: String,
    obj: u32,
    target: &'static Target,
    args: Mutex<Option<Vec<u8>>>,
    /// Pipe ends in flight in `args`: the child's own once it starts.
    transfers: Vec<connection::Transfer>,
    state: Mutex<State>,
}

struct State {
    daemon: bool,
    child: Option<Child>,
    closed: bool,
}

impl Process {
    /// `Process(target=target, args=args)`, named `Process-N` as CPython numbers a
    /// process's children.
    pub fn new(target: &'static Target, args: &impl Serialize) -> PyResult<Process> {
        let ctx = ctx()?;
        let n = ctx.run.procs.next_child_number();
        let (_, me, _) = process::identity(&ctx.run);
        let name = if ctx.run.is_process_child() { format!("{me}:{n}") } else { format!("Process-{n}") };
        Self::named(&name, target, args)
    }

    /// `Process(target=target, args=args, name=name)`.
    pub fn named(name: &str, target: &'static Target, args: &impl Serialize) -> PyResult<Process> {
        let (bytes, transfers) = connection::capture_transfers(|| process::encode(args));
        let bytes = bytes?;
        let obj = hooks::new_object(ObjKind::Process, name);
        Ok(Process(Arc::new(Inner {
            name: name.to_owned(),
            obj,
            target,
            args: Mutex::new(Some(bytes)),
            transfers,
            state: Mutex::new(State { daemon: false, child: None, closed: false }),
        })))
    }

    /// `daemon=True` (before `start`).
    pub fn with_daemon(self, daemon: bool) -> Process {
        self.0.state.lock().unwrap().daemon = daemon;
        self
    }

    /// `p.daemon = value`: only before the process starts.
    pub fn set_daemon(&self, daemon: bool) -> PyResult<()> {
        let mut s = self.0.state.lock().unwrap();
        if s.child.is_some() {
            return Err(assertion("process has already started"));
        }
        s.daemon = daemon;
        Ok(())
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub fn daemon(&self) -> bool {
        self.0.state.lock().unwrap().daemon
    }

    /// The traced object standing for this process in its parent's trace.
    pub fn obj(&self) -> u32 {
        self.0.obj
    }

    fn child(&self) -> PyResult<Option<Child>> {
        let s = self.0.state.lock().unwrap();
        if s.closed {
            return Err(PyErr::value("process object is closed"));
        }
        Ok(s.child.clone())
    }

    /// `p.start()`: the child begins in a fresh instance of the program.
    pub fn start(&self) -> PyResult<()> {
        hooks::point(Op::Start, self.0.obj);
        let mut s = self.0.state.lock().unwrap();
        if s.closed {
            return Err(PyErr::value("process object is closed"));
        }
        if s.child.is_some() {
            return Err(assertion("cannot start a process twice"));
        }
        let Some(args) = self.0.args.lock().unwrap().take() else {
            return Err(assertion("cannot start a process twice"));
        };
        let child = process::spawn(self.0.target, args, &self.0.name, s.daemon, self.0.obj)?;
        connection::hand_over(&self.0.transfers, child.pid());
        hooks::trace(Kind::Signal, Op::Start, self.0.obj, child.pid() as u64);
        s.child = Some(child);
        Ok(())
    }

    /// `p.pid` (None before `start`): the OS's pid natively, the run's own in the browser.
    pub fn pid(&self) -> Option<u32> {
        self.child().ok().flatten().map(|c| c.os_pid())
    }

    /// The pid the run's trace knows the process by (None before `start`).
    pub fn run_pid(&self) -> Option<u32> {
        self.child().ok().flatten().map(|c| c.pid())
    }

    /// `p.exitcode`: None until the process has ended; then 0, 1 after an exception,
    /// `sys.exit`'s code, or minus the signal that ended it (-15 `terminate`, -9 `kill`).
    pub fn exitcode(&self) -> Option<i32> {
        self.child().ok().flatten().and_then(|c| c.exit_code())
    }

    /// `p.is_alive()`.
    pub fn is_alive(&self) -> PyResult<bool> {
        Ok(self.child()?.is_some_and(|c| c.is_alive()))
    }

    /// `p.join(timeout=None)`; like Python's it returns normally after a timeout.
    pub fn join(&self, timeout: Option<f64>) -> PyResult<()> {
        hooks::point(Op::Join, self.0.obj);
        let Some(child) = self.child()? else {
            return Err(assertion("can only join a started process"));
        };
        if timeout.is_some_and(|t| t.is_nan() || t < 0.0) {
            // CPython treats a negative timeout as zero.
        }
        let deadline = timeout.map(|t| hooks::deadline_after(t.max(0.0)));
        hooks::trace(Kind::Attempt, Op::Join, self.0.obj, 0);
        if !child.is_alive() {
            hooks::trace(Kind::Ok, Op::Join, self.0.obj, child.exit_code().unwrap_or(0) as i64 as u64);
            return Ok(());
        }
        hooks::trace(Kind::Block, Op::Join, self.0.obj, 0);
        if child.wait(deadline, self.0.obj)? {
            hooks::trace(Kind::Ok, Op::Join, self.0.obj, child.exit_code().unwrap_or(0) as i64 as u64);
        } else {
            hooks::trace(Kind::Timeout, Op::Join, self.0.obj, 0);
        }
        Ok(())
    }

    /// `p.terminate()`: SIGTERM; its exit code becomes -15.
    pub fn terminate(&self) -> PyResult<()> {
        self.signal(process::SIGTERM)
    }

    /// `p.kill()`: SIGKILL; its exit code becomes -9.
    pub fn kill(&self) -> PyResult<()> {
        self.signal(process::SIGKILL)
    }

    fn signal(&self, sig: i32) -> PyResult<()> {
        match self.child()? {
            Some(c) => c.signal(sig),
            // CPython: terminating a process never started does nothing.
            None => Ok(()),
        }
    }

    /// `p.close()`: frees the process object; refused while it runs.
    pub fn close(&self) -> PyResult<()> {
        let mut s = self.0.state.lock().unwrap();
        if s.child.as_ref().is_some_and(|c| c.is_alive()) {
            return Err(PyErr::value(
                "Cannot close a process while it is still running. You should first call join() or terminate().",
            ));
        }
        s.closed = true;
        Ok(())
    }
}

/// Python's repr: `<Process name='Process-1' pid=4242 parent=4240 started>`.
impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Process name='{}'", self.0.name)?;
        match self.child().ok().flatten() {
            None => f.write_str(" initial")?,
            Some(c) => match c.exit_code() {
                None => write!(f, " pid={} started", c.os_pid())?,
                Some(code) => write!(f, " pid={} stopped exitcode={code}", c.os_pid())?,
            },
        }
        if self.daemon() {
            f.write_str(" daemon")?;
        }
        f.write_str(">")
    }
}

/// What `current_process()` and `parent_process()` tell about a process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    pub name: String,
    /// The OS's pid natively, the run's own in the browser.
    pub pid: u32,
}

/// `multiprocessing.current_process()`.
pub fn current_process() -> PyResult<ProcessInfo> {
    let ctx = ctx()?;
    let (pid, name, _) = process::identity(&ctx.run);
    Ok(ProcessInfo { name, pid: process::os_pid_of(&ctx.run, pid) })
}

/// `multiprocessing.parent_process()`: None in `MainProcess`.
pub fn parent_process() -> PyResult<Option<ProcessInfo>> {
    let ctx = ctx()?;
    let (_, _, parent) = process::identity(&ctx.run);
    if parent == 0 {
        return Ok(None);
    }
    let arena = ctx.run.arena()?;
    Ok(Some(ProcessInfo { name: arena.name(parent), pid: process::os_pid_of(&ctx.run, parent) }))
}

/// `multiprocessing.active_children()`: the children of this process still running, in
/// the order they were started (CPython's list of `Process` objects, by name and pid).
pub fn active_children() -> PyResult<Vec<ProcessInfo>> {
    let ctx = ctx()?;
    let Some(arena) = ctx.run.procs.arena() else { return Ok(Vec::new()) };
    Ok(ctx
        .run
        .procs
        .children()
        .into_iter()
        .filter(|&p| arena.exit_code(p).is_none())
        .map(|p| ProcessInfo { name: arena.name(p), pid: process::os_pid_of(&ctx.run, p) })
        .collect())
}

/// `multiprocessing.cpu_count()`: this machine's logical cores.
pub fn cpu_count() -> usize {
    crate::runtime::cpu_count()
}

/// `multiprocessing.log_to_stderr(logging.INFO)`: this process and the children it starts
/// from now on log their lives to their stderr, as CPython's `[INFO/name] ...` lines.
pub fn log_to_stderr() -> PyResult<()> {
    ctx()?.run.procs.set_logging(true);
    Ok(())
}
