//! The free policy: real threads, really parallel. A waiting thread spins for a moment,
//! then sleeps on its futex word in slices short enough for Stop to reach it.

use super::Park;
use crate::error::{Interrupted, PyErr, PyResult};
use crate::futex;
use crate::runtime::thread::{T_RUNNING, T_SLEEPING};
use crate::runtime::Ctx;
use crate::sync::{AtomicU32, Ordering};
use crate::trace::{Kind, Op};

/// Longest real time a parked thread goes without re-checking for Stop. Stop also wakes
/// parked threads directly; this bound covers the window where a thread has checked the
/// flag but not yet gone to sleep.
pub(crate) const PARK_SLICE_NS: u64 = 20_000_000;

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

/// A wait outside any run (plain tests of a primitive): a bare futex wait.
pub(crate) fn park_untraced(word: &AtomicU32, expected: u32, deadline: Option<u64>) -> Park {
    if spin_until_changed(word, expected) {
        return Park::Woken;
    }
    let timeout = match deadline {
        Some(d) => match d.checked_sub(crate::clock::now_ns()) {
            Some(t) if t > 0 => Some(t),
            _ => return Park::TimedOut,
        },
        None => None,
    };
    if futex::wait(word, expected, timeout) {
        Park::Woken
    } else {
        Park::TimedOut
    }
}

/// Sleeps while `*word == expected`, until the absolute `deadline` (clock ns), recording
/// in the thread's slot that it is blocked on `obj`. Interrupted when the run stops.
pub(crate) fn park(
    ctx: &Ctx,
    word: &AtomicU32,
    expected: u32,
    deadline: Option<u64>,
    obj: u32,
) -> Result<Park, Interrupted> {
    if spin_until_changed(word, expected) {
        return Ok(Park::Woken);
    }
    let slot = ctx.run.slot(ctx.tid);
    slot.block(obj, word as *const AtomicU32 as usize, expected, deadline.is_some());
    let result = loop {
        if ctx.run.interrupted(ctx.tid) {
            break Err(Interrupted);
        }
        let now = crate::clock::now_ns();
        let slice = match deadline {
            Some(d) if d <= now => {
                crate::clock::ticker::raise_to(now);
                break Ok(Park::TimedOut);
            }
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
    slot.unblock();
    result.and_then(|p| if ctx.run.interrupted(ctx.tid) { Err(Interrupted) } else { Ok(p) })
}

/// `time.sleep` of a lesson thread until the absolute `deadline`; returns early only when
/// the run stops. `secs` is what the lesson asked for, for the trace.
pub(crate) fn sleep(ctx: &Ctx, secs: f64, deadline: u64) -> PyResult<()> {
    let slot = ctx.run.slot(ctx.tid);
    ctx.run.trace.emit(ctx.tid, Kind::Block, Op::Sleep, 0, (secs * 1e9) as u64);
    slot.wait_addr.store(&slot.wake as *const AtomicU32 as usize, Ordering::Relaxed);
    slot.state.store(T_SLEEPING, Ordering::SeqCst);
    let result = loop {
        if ctx.run.interrupted(ctx.tid) {
            break Err(PyErr::Interrupted);
        }
        let now = crate::clock::now_ns();
        if now >= deadline {
            crate::clock::ticker::raise_to(now);
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

/// [`park`] on a word of the run's shared arena, which another process may change: the
/// same spin, then sleeps in slices, checking for Stop in between. Whether such a wait can
/// ever end is not for this process's watchdog to decide: it shows as a wait on another
/// process, which the run's watchdog across processes reads (with `holder`, the holder
/// of the lock waited for, as `pid << 32 | tid`, if known).
#[cfg(any(target_arch = "wasm32", unix))]
pub(crate) fn park_shared(
    ctx: Option<&Ctx>,
    arena: &crate::runtime::process::Arena,
    off: u32,
    expected: u32,
    deadline: Option<u64>,
    obj: u32,
    holder: u64,
) -> Result<Park, Interrupted> {
    let start = crate::clock::now_ns();
    loop {
        for _ in 0..16 {
            if arena.load(off) != expected {
                return Ok(Park::Woken);
            }
            core::hint::spin_loop();
        }
        if crate::clock::now_ns().saturating_sub(start) > SPIN_NS {
            break;
        }
    }
    if let Some(ctx) = ctx {
        ctx.run.slot(ctx.tid).block_shared(obj, deadline.is_some(), holder);
    }
    let interrupted = || ctx.is_some_and(|c| c.run.interrupted(c.tid));
    let result = loop {
        if interrupted() {
            break Err(Interrupted);
        }
        let now = crate::clock::now_ns();
        let slice = match deadline {
            Some(d) if d <= now => break Ok(Park::TimedOut),
            Some(d) => (d - now).min(PARK_SLICE_NS),
            None => PARK_SLICE_NS,
        };
        if arena.load(off) != expected || arena.wait(off, expected, Some(slice)) {
            break Ok(Park::Woken);
        }
    };
    if let Some(ctx) = ctx {
        ctx.run.slot(ctx.tid).unblock();
    }
    result.and_then(|p| if interrupted() { Err(Interrupted) } else { Ok(p) })
}
