//! Processes natively: a child is a real OS process, the same program started again (the
//! command-line runner, or whatever executable [`set_child_exe`] names), which maps the
//! run's shared segment, reads its request from the arena and runs it.
//!
//! The segment is a memfd whose descriptor the run's processes inherit (a plain spawn, no fork).
//! Every child has a reaper thread in its parent that waits for it and records its exit
//! code in the arena (CPython's: the code it exited with, or minus the signal that ended
//! it), so that `join` is a wait on a shared word, in any process.

use super::arena::{Arena, ARENA_BYTES, E_OS_PID, E_STATE, E_TRACE, E_TRACE_LEN, MAX_PROCS, P_EXITED, P_RUNNING};
use super::procs::{child_run, child_wait};
use crate::runtime::Run;
use crate::shm::{Handle, Segment};
use crate::trace::{Kind, Trace};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// The environment variable that makes a start of the program a child process:
/// `<segment handle>/<pid>`.
const CHILD_ENV: &str = "PARLAB_CHILD";

/// The argument a child is started with, besides its environment: a program that took a
/// child's start for its own would see an argument it does not know, and refuse it.
const CHILD_ARG: &str = "--parlab-child";

/// Bytes of the segment each process's trace may use (beyond the arena); the memfd is
/// sparse, so only what a trace writes costs memory.
pub const TRACE_REGION_BYTES: usize = 16 << 20;

static CHILD_EXE: OnceLock<PathBuf> = OnceLock::new();

/// Set by [`child_main`]: this program's `main` hands a start as a child to the runtime,
/// so it may start itself again as one.
static CAN_BE_CHILD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The executable children are started from, when it is not this one: a test binary
/// cannot be a child (its harness owns `main`), so the tests name the command-line runner,
/// built from the same crate.
pub fn set_child_exe(path: impl Into<PathBuf>) {
    let _ = CHILD_EXE.set(path.into());
}

/// A program whose `main` does not call [`child_main`] would, started as a child, run its
/// own `main` again (a test binary would run every test again, each starting children of
/// its own): refused, with what to do instead.
fn child_exe() -> Result<PathBuf, String> {
    if let Some(p) = CHILD_EXE.get() {
        return Ok(p.clone());
    }
    if !CAN_BE_CHILD.load(std::sync::atomic::Ordering::SeqCst) {
        return Err("this program cannot start processes: its main must call \
                    parlab::runtime::process::native::child_main() first, or name a program that does \
                    with set_child_exe"
            .into());
    }
    std::env::current_exe().map_err(|e| format!("cannot find this program to start it again: {e}"))
}

/// Where `pid`'s trace lies in the run's segment: after the arena, one region per pid.
fn trace_region(pid: u32) -> (u32, u32) {
    (ARENA_BYTES + (pid - 1) * TRACE_REGION_BYTES as u32, TRACE_REGION_BYTES as u32)
}

/// The most events a trace region holds.
fn trace_capacity() -> usize {
    let mut cap = 1usize << 20;
    while crate::trace::region_len(cap) > TRACE_REGION_BYTES {
        cap /= 2;
    }
    cap
}

/// The traces of `arena`'s child processes that have one yet, beyond those in `have`
/// (pids), in pid order: read in place, in MainProcess's mapping of the segment.
pub(crate) fn attach_traces(arena: &Arena, have: &[u32]) -> Vec<(u32, Trace)> {
    let seg = arena.segment();
    arena
        .pids()
        .skip(1)
        .filter(|p| !have.contains(p))
        .filter_map(|pid| {
            let e = arena.entry(pid);
            let (off, len) = (arena.load(e + E_TRACE), arena.load(e + E_TRACE_LEN));
            if off == 0 {
                return None;
            }
            // SAFETY: the child laid its trace out at this offset of the mapping `seg`
            // keeps alive (it publishes the offset after `create_in`); `attach` checks the
            // header before trusting it and only ever reads.
            let t = unsafe { Trace::attach(seg.addr(off), len as usize, Box::new(seg.clone())) }?;
            Some((pid, t))
        })
        .collect()
}

/// A new run's shared segment: the arena, then a trace region per process.
pub(crate) fn run_segment() -> Result<Segment, String> {
    Segment::create_inherited(ARENA_BYTES as usize + MAX_PROCS as usize * TRACE_REGION_BYTES)
}

/// The reaper threads of one process's children.
#[derive(Default)]
pub(crate) struct Children {
    reapers: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

/// Starts `pid`, whose request is already in the arena, as an OS process.
pub(crate) fn start(run: &Arc<Run>, arena: &Arena, pid: u32) -> Result<(), String> {
    let handle = arena.segment().handle();
    let mut cmd = std::process::Command::new(child_exe()?);
    cmd.arg(CHILD_ARG)
        .env(CHILD_ENV, format!("{}/{pid}", handle.encode()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null());
    let mut child = cmd.spawn().map_err(|e| format!("cannot start a process: {e}"))?;
    let e = arena.entry(pid);
    arena.store(e + E_OS_PID, child.id());
    arena.store(e + E_STATE, P_RUNNING);
    let (arena, parent) = (arena.clone(), run.clone());
    let reaper = std::thread::Builder::new()
        .name(format!("parlab-reaper-{pid}"))
        .stack_size(64 * 1024)
        .spawn(move || {
            let code = match child.wait() {
                Ok(s) => s.code().unwrap_or_else(|| -s.signal().unwrap_or(0)),
                Err(_) => -libc::SIGKILL,
            };
            parent.emit(0, Kind::ProcEnd, crate::trace::Op::None, pid, code as i64 as u64);
            arena.set_exited(pid, code);
        })
        .map_err(|e| format!("cannot watch the new process: {e}"))?;
    run.procs.os.reapers.lock().unwrap().push(reaper);
    Ok(())
}

/// Sends `sig` to `pid` if it still runs.
pub(crate) fn kill(arena: &Arena, pid: u32, sig: i32) {
    let os_pid = arena.os_pid(pid);
    if os_pid != 0 && arena.state(pid) != P_EXITED {
        // SAFETY: a plain kill(2); a pid that has just exited (not yet reaped) is a zombie
        // of ours and ignores it.
        unsafe { libc::kill(os_pid as libc::pid_t, sig) };
    }
}

impl Run {
    /// After a run of `MainProcess`: no process of it may outlive it. Any still running
    /// (Stop, or an early end) is killed, and the reapers are waited for.
    pub(crate) fn reap_processes(&self) {
        let Some(arena) = self.procs.arena() else { return };
        arena.request_stop();
        // Let them unwind by themselves for a moment (their waits see the stop word), as
        // the page does for workers, then kill what is left.
        let until = crate::clock::now_ns() + 150_000_000;
        while arena.pids().skip(1).any(|p| arena.state(p) == P_RUNNING) && crate::clock::now_ns() < until {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        for pid in arena.pids().skip(1) {
            if arena.state(pid) == P_RUNNING {
                kill(arena, pid, libc::SIGKILL);
            }
        }
        let reapers = std::mem::take(&mut *self.procs.os.reapers.lock().unwrap());
        for r in reapers {
            let _ = r.join();
        }
        // A grandchild whose parent was killed has no reaper: it was killed above.
        for pid in arena.pids().skip(1) {
            if arena.state(pid) != P_EXITED {
                arena.set_exited(pid, -libc::SIGKILL);
            }
        }
    }
}

/// The child's side. Call first thing in `main` of every program that may be started as
/// a child (the command-line runner, the bench): when this start of the program is a child
/// process, it runs the child and exits with its exit code; otherwise it returns at once.
pub fn child_main() {
    CAN_BE_CHILD.store(true, std::sync::atomic::Ordering::SeqCst);
    let Some(spec) = std::env::var_os(CHILD_ENV) else { return };
    // Its own children must not take this for their own request.
    std::env::remove_var(CHILD_ENV);
    let code = match run_child(&spec.to_string_lossy()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("parlab child process: {e}");
            70 // EX_SOFTWARE
        }
    };
    std::process::exit(code)
}

fn run_child(spec: &str) -> Result<i32, String> {
    let (handle, pid) = spec.rsplit_once('/').ok_or("malformed child request")?;
    let handle = Handle::decode(handle).ok_or("malformed segment handle")?;
    let pid: u32 = pid.parse().map_err(|_| "malformed pid")?;
    let seg = Segment::open(handle)?;
    let arena = Arena::attach(seg.clone(), 0)?;
    let parent_os = std::os::unix::process::parent_id();
    // Its trace lies in its region of the run's segment, where MainProcess reads it, up
    // to the last event even if this process is killed.
    let (off, len) = trace_region(pid);
    let capacity = trace_capacity();
    // SAFETY: the region is zeroed memory of the mapping that `seg` keeps alive, 8-aligned
    // (page-aligned mapping, offsets in whole MB), `len` long, and this process alone
    // writes it (each pid has its own region).
    let trace = unsafe { Trace::create_in(seg.addr(off), len as usize, capacity, Box::new(seg.clone())) };
    let e = arena.entry(pid);
    // Its own pid first: the parent stores it too, but only once spawn() has returned, and
    // by then this process may have printed `os.getpid()` already.
    arena.store(e + E_OS_PID, std::process::id());
    arena.store(e + E_TRACE, off);
    arena.store(e + E_TRACE_LEN, len);
    let (run, code, main) = child_run(&arena, pid, Arc::new(crate::runtime::native::OsThreads), capacity, Some(trace))?;
    crate::runtime::thread::start_main(&run, main);
    // A child must not outlive a parent that was killed.
    child_wait(&run, &arena, || std::os::unix::process::parent_id() != parent_os);
    let code = *code.lock().unwrap();
    Ok(code)
}
