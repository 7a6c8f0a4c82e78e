//! The GIL policy: CPython's global interpreter lock (`Python/ceval_gil.c`), on real
//! threads. A thread runs lesson code only while it holds the GIL. A thread that wants it
//! waits one switch interval; if no switch happened in that time, it asks the holder to
//! drop it, and the holder does at its next eval-breaker check (here: every checkpoint and
//! every traced operation, CPython's calls and backward jumps). The holder that dropped on
//! request waits until another thread has taken it (forced switching), so it cannot take
//! it straight back. Waiting on a primitive, sleeping and ending release the GIL, as
//! `Py_BEGIN_ALLOW_THREADS` does around a blocking call.
//!
//! The GIL is a traced object of kind [`ObjKind::Gil`]: its `Ok`-acquire and `Signal`-
//! release events show who holds it, and a `Block`-acquire on it is "waiting for the
//! GIL", apart from every other kind of waiting.

use crate::futex;
use crate::runtime::thread::{T_GIL, T_RUNNING};
use crate::runtime::Ctx;
use crate::sync::{AtomicBool, AtomicU32, Ordering};
use crate::trace::{Kind, ObjKind, Op};

/// `sys.getswitchinterval()`'s default: 5 ms.
pub const DEFAULT_SWITCH_INTERVAL_NS: u64 = 5_000_000;

/// The longest a GIL waiter sleeps before it looks for Stop again.
const SLICE_NS: u64 = 20_000_000;

/// The GIL of one run.
pub(crate) struct Gil {
    /// 0 while free, else the holder's thread id; also the futex word its waiters sleep on.
    holder: AtomicU32,
    /// Counts every take: a waiter whose interval passed with no switch asks for one, and
    /// a forced dropper waits for it to move.
    switches: AtomicU32,
    /// Set by a waiter: the holder drops the GIL at its next check (the eval breaker).
    drop_request: AtomicBool,
    /// Threads waiting to take it.
    waiters: AtomicU32,
    /// Its trace object (0 before the run registered it).
    obj: AtomicU32,
}

impl Gil {
    pub(crate) fn new() -> Gil {
        Gil {
            holder: AtomicU32::new(0),
            switches: AtomicU32::new(0),
            drop_request: AtomicBool::new(false),
            waiters: AtomicU32::new(0),
            obj: AtomicU32::new(0),
        }
    }

    /// Registers the GIL in the run's trace (once, when the run starts).
    pub(crate) fn register(&self, run: &crate::runtime::Run) {
        self.obj.store(run.new_object(0, ObjKind::Gil, "GIL"), Ordering::Relaxed);
    }
}

/// Takes the GIL for the current thread, waiting for it if another holds it. Returns
/// `false` when the run stopped while this thread waited (it then holds nothing).
pub(crate) fn take(ctx: &Ctx, gil: &Gil, interval_ns: u64) -> bool {
    let me = ctx.tid;
    let obj = gil.obj.load(Ordering::Relaxed);
    if gil.holder.compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed).is_ok() {
        took(ctx, gil, obj);
        return true;
    }
    let slot = ctx.run.slot(me);
    ctx.run.trace.emit(me, Kind::Block, Op::Acquire, obj, 0);
    slot.obj.store(obj, Ordering::Relaxed);
    slot.wait_addr.store(&gil.holder as *const AtomicU32 as usize, Ordering::Relaxed);
    slot.state.store(T_GIL, Ordering::SeqCst);
    gil.waiters.fetch_add(1, Ordering::SeqCst);
    let got = loop {
        if ctx.run.interrupted(me) {
            break false;
        }
        let seen_switches = gil.switches.load(Ordering::SeqCst);
        let start = crate::clock::now_ns();
        // Wait one interval for the holder to let go by itself.
        loop {
            let h = gil.holder.load(Ordering::SeqCst);
            if h == 0 {
                break;
            }
            let waited = crate::clock::now_ns().saturating_sub(start);
            if waited >= interval_ns || ctx.run.interrupted(me) {
                break;
            }
            futex::wait(&gil.holder, h, Some((interval_ns - waited).min(SLICE_NS)));
        }
        if gil.holder.compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed).is_ok() {
            break true;
        }
        // A whole interval and nobody switched: ask the holder to drop it.
        if gil.switches.load(Ordering::SeqCst) == seen_switches {
            gil.drop_request.store(true, Ordering::SeqCst);
        }
    };
    gil.waiters.fetch_sub(1, Ordering::SeqCst);
    slot.wait_addr.store(0, Ordering::Relaxed);
    slot.state.store(T_RUNNING, Ordering::SeqCst);
    if got {
        took(ctx, gil, obj);
    }
    got
}

fn took(ctx: &Ctx, gil: &Gil, obj: u32) {
    gil.switches.fetch_add(1, Ordering::SeqCst);
    // A request was for the previous holder; this one starts a fresh interval.
    gil.drop_request.store(false, Ordering::SeqCst);
    futex::wake_all(&gil.switches);
    ctx.run.set_holder_of(obj, ctx.tid);
    ctx.run.trace.emit(ctx.tid, Kind::Ok, Op::Acquire, obj, ctx.tid as u64);
}

/// Lets the GIL go (the current thread must hold it) and wakes a waiter.
pub(crate) fn drop(ctx: &Ctx, gil: &Gil) {
    let obj = gil.obj.load(Ordering::Relaxed);
    if gil.holder.load(Ordering::Relaxed) != ctx.tid {
        return;
    }
    ctx.run.set_holder_of(obj, 0);
    ctx.run.trace.emit(ctx.tid, Kind::Signal, Op::Release, obj, 0);
    gil.holder.store(0, Ordering::Release);
    futex::wake_one(&gil.holder);
}

/// The eval breaker: if another thread asked for the GIL, drop it, wait until someone
/// else has taken it (forced switching), and take it back. Cheap when nobody asked: one
/// load.
#[inline]
pub(crate) fn check(ctx: &Ctx, gil: &Gil, interval_ns: u64) {
    if gil.drop_request.load(Ordering::Relaxed) && gil.holder.load(Ordering::Relaxed) == ctx.tid {
        switch(ctx, gil, interval_ns);
    }
}

#[cold]
fn switch(ctx: &Ctx, gil: &Gil, interval_ns: u64) {
    let before = gil.switches.load(Ordering::SeqCst);
    drop(ctx, gil);
    // Forced switching: wait until the waiter that asked has really taken it, or nobody
    // waits any more (it was stopped), so this thread cannot barge straight back in.
    while gil.switches.load(Ordering::SeqCst) == before && gil.waiters.load(Ordering::SeqCst) > 0 {
        if ctx.run.interrupted(ctx.tid) {
            return;
        }
        futex::wait(&gil.switches, before, Some(SLICE_NS));
    }
    take(ctx, gil, interval_ns);
}
