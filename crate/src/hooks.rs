//! The seam: every schedule point of a lesson thread goes through this module, and only
//! this one. Waiting ([`park`]), waking ([`wake_one`], [`wake_all`]), reading the clock
//! ([`now_ns`], [`deadline_after`]), sleeping ([`sleep`]), drawing a random number
//! ([`random_u64`]), printing ([`print`]) and every traced operation ([`trace`]) reach the
//! run's scheduling policy (`runtime/sched/`) from here; the primitives and the lessons
//! never call the futex layer, the clock or a policy themselves. Outside a run (plain tests
//! of a primitive) each point is its plain self: a futex wait, the real clock, no trace.
//!
//! Under loom these are plain too: no trace, a bare futex wait, real seconds.

#[cfg(not(loom))]
mod imp {
    use crate::error::{Interrupted, PyErr, PyResult};
    use crate::runtime::sched::{controlled, free, gil, Policy};
    use crate::runtime::{with_current, Ctx};
    use crate::sync::AtomicU32;
    use crate::trace::{Kind, ObjKind, Op};

    pub(crate) use crate::runtime::sched::Park;

    /// The current lesson thread's context, if it runs inside a run.
    #[inline(always)]
    fn here<R>(f: impl FnOnce(&Ctx) -> R) -> Option<R> {
        with_current(f)
    }

    /// Sleeps while `*word == expected`, until the absolute `deadline` ([`now_ns`] ns),
    /// recording that the current thread is blocked on `obj`. Interrupted when the run
    /// stops.
    pub(crate) fn park(word: &AtomicU32, expected: u32, deadline: Option<u64>, obj: u32) -> Result<Park, Interrupted> {
        here(|ctx| match ctx.run.policy() {
            Policy::Free => free::park(ctx, word, expected, deadline, obj),
            Policy::Gil { switch_interval_ns } => {
                // A blocking call lets the GIL go while it waits (Py_BEGIN_ALLOW_THREADS):
                // a spin holding it would only keep out the thread it waits for...
                gil::drop(ctx, &ctx.run.gil);
                let parked = free::park(ctx, word, expected, deadline, obj);
                // ...and takes it back before the thread runs Python code again.
                gil::take(ctx, &ctx.run.gil, switch_interval_ns);
                parked
            }
            Policy::Controlled(_) => controlled::park(ctx, word, expected, deadline, obj),
        })
        .unwrap_or_else(|| Ok(free::park_untraced(word, expected, deadline)))
    }

    /// [`park`] on a word of the run's shared arena (`multiprocessing`'s objects), which
    /// threads of other processes change and wake. `holder`: who holds the lock waited
    /// for (`pid << 32 | tid`; 0 if nobody or not a lock), for the deadlock report.
    #[cfg(any(target_arch = "wasm32", unix))]
    pub(crate) fn park_shared(
        arena: &crate::runtime::process::Arena,
        off: u32,
        expected: u32,
        deadline: Option<u64>,
        obj: u32,
        holder: u64,
    ) -> Result<Park, Interrupted> {
        here(|ctx| match ctx.run.policy() {
            Policy::Gil { switch_interval_ns } => {
                gil::drop(ctx, &ctx.run.gil);
                let parked = free::park_shared(Some(ctx), arena, off, expected, deadline, obj, holder);
                gil::take(ctx, &ctx.run.gil, switch_interval_ns);
                parked
            }
            // A controlled run schedules one process's threads; another process's are
            // outside its control, so a wait on them is a real one.
            _ => free::park_shared(Some(ctx), arena, off, expected, deadline, obj, holder),
        })
        .unwrap_or_else(|| free::park_shared(None, arena, off, expected, deadline, obj, holder))
    }

    /// Spins a moment while `*word == expected`, the way [`park`] does before it sleeps;
    /// true if the word changed.
    #[inline]
    pub(crate) fn spin_until_changed(word: &AtomicU32, expected: u32) -> bool {
        free::spin_until_changed(word, expected)
    }

    /// Wakes one thread parked on `word` (the caller has changed it).
    #[inline]
    pub(crate) fn wake_one(word: &AtomicU32) {
        crate::futex::wake_one(word)
    }

    /// Wakes every thread parked on `word` (the caller has changed it).
    #[inline]
    pub(crate) fn wake_all(word: &AtomicU32) {
        crate::futex::wake_all(word)
    }

    /// The clock that deadlines are measured on, in nanoseconds: real time, or a
    /// controlled run's virtual time.
    #[inline]
    pub(crate) fn now_ns() -> u64 {
        match here(|ctx| match ctx.run.policy() {
            Policy::Controlled(_) => Some(ctx.run.ctl().now()),
            _ => None,
        }) {
            Some(Some(virtual_ns)) => virtual_ns,
            _ => crate::clock::now_ns(),
        }
    }

    /// Nanoseconds of [`now_ns`]'s clock for `secs` lesson seconds in the current run
    /// (real ones at the run's speed; 1:1 outside a run and in virtual time).
    pub fn real_ns(secs: f64) -> u64 {
        let speed = here(|c| c.run.speed()).unwrap_or(1.0);
        ((secs.max(0.0) / speed) * 1e9).min(u64::MAX as f64 / 2.0) as u64
    }

    /// The deadline `secs` lesson seconds from now, on [`now_ns`]'s clock.
    pub(crate) fn deadline_after(secs: f64) -> u64 {
        now_ns().saturating_add(real_ns(secs))
    }

    /// Lesson seconds since the run started (`time.monotonic()` for a lesson).
    pub fn monotonic() -> f64 {
        here(|ctx| match ctx.run.policy() {
            Policy::Controlled(_) => ctx.run.ctl().now() as f64 / 1e9,
            _ => ctx.run.lesson_secs(crate::clock::now_ns().saturating_sub(ctx.run.trace.start_ns())),
        })
        .unwrap_or_else(|| crate::clock::now_ns() as f64 / 1e9)
    }

    /// `time.sleep(secs)` in lesson seconds; returns early only when the run stops.
    pub fn sleep(secs: f64) -> PyResult<()> {
        if secs.is_nan() || secs < 0.0 {
            return Err(PyErr::value("sleep length must be non-negative"));
        }
        let deadline = deadline_after(secs);
        here(|ctx| match ctx.run.policy() {
            Policy::Free => free::sleep(ctx, secs, deadline),
            Policy::Gil { switch_interval_ns } => {
                gil::drop(ctx, &ctx.run.gil);
                let slept = free::sleep(ctx, secs, deadline);
                gil::take(ctx, &ctx.run.gil, switch_interval_ns);
                slept
            }
            Policy::Controlled(_) => controlled::sleep(ctx, secs),
        })
        .unwrap_or_else(|| {
            while let Some(t) = deadline.checked_sub(now_ns()).filter(|t| *t > 0) {
                std::thread::sleep(std::time::Duration::from_nanos(t));
            }
            Ok(())
        })
    }

    /// 64 random bits for the current thread: drawn from the run's seed inside a run (the
    /// same thread draws the same numbers in every run with that seed), from the clock
    /// outside one.
    pub fn random_u64() -> u64 {
        here(|ctx| crate::runtime::sched::next_random(&ctx.run.slot(ctx.tid).rng)).unwrap_or_else(|| {
            thread_local! {
                static STATE: crate::sync::AtomicU64 = crate::sync::AtomicU64::new(
                    crate::runtime::sched::splitmix(crate::clock::now_ns()) | 1,
                );
            }
            STATE.with(crate::runtime::sched::next_random)
        })
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
        let traced = here(|ctx| {
            if ctx.run.interrupted(ctx.tid) {
                return Err(PyErr::Interrupted);
            }
            let s = ctx.run.trace.intern(line);
            // The real clock: lines of several processes keep their order on one clock.
            // Inside an asyncio task, the line is the task's.
            let task = crate::asyncio::current_task_id();
            ctx.run.trace.emit_code_exact(ctx.tid, task, Kind::Print, stream, 0, s.0);
            breaker(ctx);
            Ok(())
        });
        match traced {
            Some(r) => r,
            None if stream == 0 => {
                println!("{line}");
                Ok(())
            }
            None => {
                eprintln!("{line}");
                Ok(())
            }
        }
    }

    /// Fails with [`PyErr::Interrupted`] once the run is stopping (or this daemon thread is
    /// being cut off). Lesson loops that never block call it so that Stop reaches them;
    /// it is also where the GIL's holder looks whether another thread asked for it (the
    /// eval breaker of a loop's backward jump).
    #[inline]
    pub fn checkpoint() -> PyResult<()> {
        match here(|ctx| {
            breaker(ctx);
            ctx.run.interrupted(ctx.tid)
        }) {
            Some(true) => Err(PyErr::Interrupted),
            _ => Ok(()),
        }
    }

    /// The policy's look between two steps of lesson code: under the GIL, the holder
    /// drops it here when another thread asked.
    #[inline(always)]
    fn breaker(ctx: &Ctx) {
        if ctx.run.policy() != Policy::Free {
            breaker_policed(ctx);
        }
    }

    // Out of line: the free policy's callers stay small enough to inline.
    #[cold]
    #[inline(never)]
    fn breaker_policed(ctx: &Ctx) {
        match ctx.run.policy() {
            Policy::Free => {}
            Policy::Gil { switch_interval_ns } => gil::check(ctx, &ctx.run.gil, switch_interval_ns),
            Policy::Controlled(_) => controlled::point(ctx),
        }
    }

    /// A lesson thread begins: under the GIL it waits for its first turn.
    pub(crate) fn thread_begins() {
        here(|ctx| match ctx.run.policy() {
            Policy::Free => {}
            Policy::Gil { switch_interval_ns } => {
                gil::take(ctx, &ctx.run.gil, switch_interval_ns);
            }
            Policy::Controlled(_) => controlled::begin(ctx),
        });
    }

    /// A lesson thread ends: it holds nothing of the policy's any more.
    pub(crate) fn thread_ends() {
        here(|ctx| match ctx.run.policy() {
            Policy::Free => {}
            Policy::Gil { .. } => gil::drop(ctx, &ctx.run.gil),
            Policy::Controlled(_) => controlled::end(ctx),
        });
    }

    /// A schedule point: the current thread is about to do `op` on `obj` (a primitive's
    /// every operation begins here, before it takes any lock of its own). The policy may
    /// let another thread run first: under the GIL the holder drops it here if asked (a
    /// call is an eval-breaker check), under control the scheduler picks who goes on.
    /// Recording (below) is never a schedule point: primitives record while they hold
    /// their internal locks, where a switch would stall every thread that needs them.
    #[inline(always)]
    pub fn point(op: Op, obj: u32) {
        // What the thread is about to do is part of the point's contract, for a scheduler
        // that shows it (issue 13's step mode); no policy reads it yet.
        let _ = (op, obj);
        // While no run has a policy but the free one, a point is this one load: no look-up
        // of the thread's context on every operation of every primitive.
        if crate::runtime::sched::policed_runs() != 0 {
            here(breaker);
        }
    }

    /// Records an operation of the current thread on `obj`, if it runs inside a run.
    #[inline(always)]
    pub fn trace(kind: Kind, op: Op, obj: u32, arg: u64) {
        here(|ctx| ctx.run.emit(ctx.tid, kind, op, obj, arg));
    }

    /// Records an event of asyncio task `task` of the current thread (0: the thread, which
    /// runs the loop), if it runs inside a run.
    #[inline(always)]
    pub(crate) fn trace_task(task: u32, kind: Kind, code: u16, obj: u32, arg: u64) {
        here(|ctx| ctx.run.trace.emit_task(ctx.tid, task, kind, code, obj, arg));
    }

    /// Records a string-carrying event of asyncio task `task` (its name, for `TaskNew`).
    pub(crate) fn trace_task_str(task: u32, kind: Kind, code: u16, obj: u32, text: &str) {
        here(|ctx| {
            let s = ctx.run.trace.intern(text);
            ctx.run.trace.emit_task(ctx.tid, task, kind, code, obj, s.0)
        });
    }

    /// Records a number the current thread measured, under `name` ([`Kind::Measure`]):
    /// what a lesson knows but must not print, since its stdout is CPython's. Insights
    /// read it from `TraceView::measures`. Nothing is recorded outside a run.
    pub fn measure(name: &str, value: f64) {
        here(|ctx| {
            let s = ctx.run.trace.intern(name);
            ctx.run.emit_code(ctx.tid, Kind::Measure, crate::trace::MEASURE_NAME, 0, s.0);
            ctx.run.emit_code(ctx.tid, Kind::Measure, crate::trace::MEASURE_VALUE, 0, value.to_bits());
        });
    }

    /// Records an exception raised by an operation on `obj`.
    pub(crate) fn trace_fail(op: Op, obj: u32, err: &PyErr) {
        here(|ctx| {
            let s = ctx.run.trace.intern(&err.to_string());
            ctx.run.emit(ctx.tid, Kind::Fail, op, obj, s.0);
        });
    }

    /// Registers a new object of the current run and records its creation. Returns 0
    /// (untraced) outside a run.
    pub fn new_object(kind: ObjKind, name: &str) -> u32 {
        here(|ctx| ctx.run.new_object(ctx.tid, kind, name)).unwrap_or(0)
    }

    /// Records, in this process's trace, an object the run's processes share: its id
    /// (`trace::SHARED_OBJ_BASE` and up) is the same in every process's trace, so each
    /// process that holds it records it under that id.
    pub fn shared_object(id: u32, kind: ObjKind, name: &str) {
        here(|ctx| {
            let s = ctx.run.trace.intern(name);
            ctx.run.emit_code(ctx.tid, Kind::ObjNew, kind as u16, id, s.0)
        });
    }

    /// Notes that `obj` is held by thread `tid` (0: nobody), for the watchdog's report.
    #[inline]
    pub(crate) fn set_holder(obj: u32, tid: u32) {
        if obj != 0 {
            here(|ctx| ctx.run.set_holder_of(obj, tid));
        }
    }

    /// The current lesson thread's id, 0 outside a run.
    #[inline(always)]
    pub(crate) fn tid() -> u32 {
        here(|c| c.tid).unwrap_or(0)
    }
}

#[cfg(all(not(loom), any(target_arch = "wasm32", unix)))]
pub(crate) use imp::park_shared;
#[cfg(not(loom))]
pub use imp::{
    checkpoint, eprint, measure, monotonic, new_object, point, print, random_u64, real_ns, shared_object, sleep, trace,
};
#[cfg(not(loom))]
pub(crate) use imp::{
    deadline_after, now_ns, park, set_holder, spin_until_changed, thread_begins, thread_ends, tid, trace_fail,
    trace_task, trace_task_str, wake_all, wake_one, Park,
};

#[cfg(loom)]
mod model {
    use crate::error::{Interrupted, PyErr};
    use crate::sync::AtomicU32;
    use crate::trace::{Kind, ObjKind, Op};

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Park {
        Woken,
        TimedOut,
    }
    pub(crate) fn new_object(_: ObjKind, _: &str) -> u32 {
        0
    }
    pub(crate) fn park(
        word: &AtomicU32,
        expected: u32,
        _deadline: Option<u64>,
        _obj: u32,
    ) -> Result<Park, Interrupted> {
        crate::futex::wait(word, expected, None);
        Ok(Park::Woken)
    }
    pub(crate) fn wake_one(word: &AtomicU32) {
        crate::futex::wake_one(word)
    }
    pub(crate) fn wake_all(word: &AtomicU32) {
        crate::futex::wake_all(word)
    }
    pub(crate) fn now_ns() -> u64 {
        crate::clock::now_ns()
    }
    pub(crate) fn real_ns(secs: f64) -> u64 {
        (secs * 1e9) as u64
    }
    pub(crate) fn deadline_after(secs: f64) -> u64 {
        now_ns().saturating_add(real_ns(secs))
    }
    pub(crate) fn set_holder(_: u32, _: u32) {}
    pub(crate) fn tid() -> u32 {
        0
    }
    pub(crate) fn spin_until_changed(_: &AtomicU32, _: u32) -> bool {
        false
    }
    pub(crate) fn trace(_: Kind, _: Op, _: u32, _: u64) {}
    pub(crate) fn point(_: Op, _: u32) {}
    pub(crate) fn trace_fail(_: Op, _: u32, _: &PyErr) {}
}
#[cfg(loom)]
pub(crate) use model::*;
