//! `multiprocessing.synchronize`: `Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`, `Event`,
//! `Condition` and `Barrier` across processes, over words of the run's shared arena.
//!
//! Each object is a few words allocated from the arena's heap; a handle holds the arena and
//! the offset, so it crosses into a child in its arguments (`Serialize` writes the offset and
//! the shared id, `Deserialize` attaches to the child's arena and records the object in the
//! child's trace). Owners are (pid, tid) packed in one word ([`me`]). Every wait goes through
//! the seam's [`hooks::park_shared`], which honours Stop and keeps the watchdog informed.
//!
//! Also here: the small building blocks the other shared objects use: an internal mutex
//! ([`Mx`]), an event count ([`Ev`]) and the wait loop over them ([`wait_for`]).

use crate::error::{PyErr, PyResult};
use crate::hooks::{self, Park};
use crate::runtime::process::{self, Arena};
use crate::trace::{Kind, ObjKind, Op, SHARED_OBJ_BASE};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Spin for this long before counting as a sleeper (as the seam's park does).
const SPIN_NS: u64 = 10_000;
/// `SEM_VALUE_MAX` of CPython on Linux: an unbounded semaphore's ceiling.
pub(crate) const SEM_VALUE_MAX: u32 = i32::MAX as u32;

/// The current thread as an owner word: its process's pid above its thread id (0 outside
/// a run). Pids are at most `MAX_PROCS` (64), tids far below 2^24.
pub(crate) fn me() -> u32 {
    crate::runtime::with_current(|c| c.run.procs.pid() << 24 | c.tid).unwrap_or(0)
}

/// This process's pid (1: `MainProcess`).
pub(crate) fn my_pid() -> u32 {
    crate::runtime::with_current(|c| c.run.procs.pid()).unwrap_or(crate::trace::Actor::MAIN_PID)
}

/// A new shared object of `kind`: `bytes` of zeroed arena (a cache line of its own at least), a run-wide id, and its
/// record in this process's trace.
pub(crate) fn new_shared(bytes: u32, kind: ObjKind, name: &str) -> PyResult<(Arena, u32, u32)> {
    let arena = process::current_arena()?;
    let off = arena.alloc(bytes, 64).map_err(|e| PyErr::Other { class: "OSError".into(), message: e })?;
    let id = SHARED_OBJ_BASE + arena.next_id();
    hooks::shared_object(id, kind, name);
    Ok((arena, off, id))
}

/// What a handle of a simple shared object is on the wire: where it lies and its id.
#[derive(Serialize, Deserialize)]
pub(crate) struct Wire {
    pub off: u32,
    pub id: u32,
    pub name: String,
}

/// The arena of the run a handle is being deserialized in, and the object's record in
/// this process's trace.
pub(crate) fn attach<E: de::Error>(id: u32, kind: ObjKind, name: &str) -> Result<Arena, E> {
    let arena = process::current_arena().map_err(|e| E::custom(e.to_string()))?;
    hooks::shared_object(id, kind, name);
    Ok(arena)
}

/// The deadline of a Python timeout (`None`: forever; a negative timeout is zero, as in
/// `SemLock.acquire`).
pub(crate) fn deadline(timeout: Option<f64>) -> Option<u64> {
    timeout.map(|t| hooks::deadline_after(if t.is_nan() { 0.0 } else { t.max(0.0) }))
}

fn passed(deadline: Option<u64>) -> bool {
    deadline.is_some_and(|d| hooks::now_ns() >= d)
}

/// An event count at `off`: a sequence word and, after it, how many threads sleep on it.
/// A notifier bumps the word (and wakes) only when someone counts as a sleeper, so a
/// notification nobody waits for costs one load.
#[derive(Clone, Copy)]
pub(crate) struct Ev(pub u32);

impl Ev {
    pub(crate) fn notify(self, a: &Arena) {
        if a.load(self.0 + 4) != 0 {
            a.fetch_add(self.0, 1);
            a.wake(self.0, u32::MAX);
        }
    }

    /// Bumps and wakes whether or not anyone counts as a sleeper (rare events: a close).
    pub(crate) fn notify_always(self, a: &Arena) {
        a.fetch_add(self.0, 1);
        a.wake(self.0, u32::MAX);
    }
}

/// Waits on the event count `ev` until `check` yields. `check(false)` must be cheap (it
/// runs while spinning); `check(true)` runs before each sleep and may look further (a
/// pipe's reader asks there whether any writer is left) and fail. With `block` false it
/// looks once. Records `Attempt` and `Block` of `op` on `obj` when it has to wait; the
/// caller records how it ended. `recheck_ns`: sleep at most this long at a time before
/// calling `check(true)` again (for conditions no notifier announces: a process's death).
pub(crate) fn wait_for<R>(
    a: &Arena,
    ev: Ev,
    op: Op,
    obj: u32,
    block: bool,
    deadline: Option<u64>,
    recheck_ns: Option<u64>,
    mut check: impl FnMut(bool) -> PyResult<Option<R>>,
) -> PyResult<Option<R>> {
    if let Some(r) = check(false)? {
        return Ok(Some(r));
    }
    if block && !passed(deadline) {
        let start = crate::clock::now_ns();
        loop {
            for _ in 0..8 {
                if let Some(r) = check(false)? {
                    return Ok(Some(r));
                }
                core::hint::spin_loop();
            }
            if crate::clock::now_ns().saturating_sub(start) > SPIN_NS {
                break;
            }
        }
    }
    hooks::trace(Kind::Attempt, op, obj, 0);
    if let Some(r) = check(true)? {
        return Ok(Some(r));
    }
    if !block || passed(deadline) {
        return Ok(None);
    }
    hooks::trace(Kind::Block, op, obj, 0);
    loop {
        a.fetch_add(ev.0 + 4, 1);
        let seq = a.load(ev.0);
        let ready = check(true);
        if !matches!(ready, Ok(None)) {
            a.fetch_sub(ev.0 + 4, 1);
            return ready;
        }
        let slice = recheck_ns.map(|r| hooks::now_ns().saturating_add(r));
        let (until, at_deadline) = match (deadline, slice) {
            (Some(d), Some(s)) => (Some(d.min(s)), d <= s),
            (Some(d), None) => (Some(d), true),
            (None, s) => (s, false),
        };
        let parked = hooks::park_shared(a, ev.0, seq, until, obj, 0);
        a.fetch_sub(ev.0 + 4, 1);
        let parked = parked?;
        if let Some(r) = check(true)? {
            return Ok(Some(r));
        }
        // The seam's word on a timeout counts too: its clock may be a controlled run's.
        if passed(deadline) || (parked == Park::TimedOut && at_deadline) {
            return Ok(None);
        }
    }
}

/// Waits until `take` succeeds on the word at `w` (a lock's owner, a semaphore's value),
/// sleeping on that word itself, counted in the sleepers word at `s`; the releaser wakes
/// only when that count is not zero. Records `Attempt`/`Block` like [`wait_for`].
pub(crate) fn acquire_word(
    a: &Arena,
    w: u32,
    s: u32,
    op: Op,
    obj: u32,
    block: bool,
    deadline: Option<u64>,
    mut take: impl FnMut(&Arena) -> Option<u64>,
) -> PyResult<Option<u64>> {
    hooks::trace(Kind::Attempt, op, obj, 0);
    if !block || passed(deadline) {
        return Ok(take(a));
    }
    let start = crate::clock::now_ns();
    while crate::clock::now_ns().saturating_sub(start) <= SPIN_NS {
        for _ in 0..8 {
            if let Some(r) = take(a) {
                return Ok(Some(r));
            }
            core::hint::spin_loop();
        }
    }
    hooks::trace(Kind::Block, op, obj, 0);
    loop {
        a.fetch_add(s, 1);
        let cur = a.load(w);
        if let Some(r) = take(a) {
            a.fetch_sub(s, 1);
            return Ok(Some(r));
        }
        // A lock's word is its owner (a blocked semaphore's is 0: nobody to name).
        let holder = (cur as u64 >> 24) << 32 | (cur & 0xFF_FFFF) as u64;
        let parked = hooks::park_shared(a, w, cur, deadline, obj, holder);
        a.fetch_sub(s, 1);
        let parked = parked?;
        if let Some(r) = take(a) {
            return Ok(Some(r));
        }
        if parked == Park::TimedOut || passed(deadline) {
            return Ok(None);
        }
    }
}

/// An internal mutex word of the arena (0 free, 1 held, 2 held and someone may sleep),
/// untraced: it guards a few words for a moment (a ring's writers, a condition's counts).
#[derive(Clone, Copy)]
pub(crate) struct Mx(pub u32);

impl Mx {
    /// Takes it, or gives up at `deadline` (false).
    pub(crate) fn lock(self, a: &Arena, deadline: Option<u64>, obj: u32) -> PyResult<bool> {
        if a.cas(self.0, 0, 1).is_ok() {
            return Ok(true);
        }
        for _ in 0..100 {
            core::hint::spin_loop();
            if a.load(self.0) == 0 && a.cas(self.0, 0, 1).is_ok() {
                return Ok(true);
            }
        }
        loop {
            // Swap in 2 (held, contended); taking it from 0 this way is taking it.
            let mut c = a.load(self.0);
            loop {
                match a.cas(self.0, c, 2) {
                    Ok(_) => break,
                    Err(x) => c = x,
                }
            }
            if c == 0 {
                return Ok(true);
            }
            if hooks::park_shared(a, self.0, 2, deadline, obj, 0)? == Park::TimedOut {
                return Ok(false);
            }
        }
    }

    pub(crate) fn unlock(self, a: &Arena) {
        if a.fetch_sub(self.0, 1) != 1 {
            a.store(self.0, 0);
            a.wake(self.0, 1);
        }
    }

    /// Runs `f` holding it.
    pub(crate) fn with<R>(self, a: &Arena, obj: u32, f: impl FnOnce() -> R) -> PyResult<R> {
        self.lock(a, None, obj)?;
        let r = f();
        self.unlock(a);
        Ok(r)
    }
}

fn value_error(op: Op, obj: u32, msg: &str) -> PyErr {
    let e = PyErr::value(msg);
    hooks::trace_fail(op, obj, &e);
    e
}

fn assertion(op: Op, obj: u32, msg: &str) -> PyErr {
    let e = PyErr::Other { class: "AssertionError".into(), message: msg.into() };
    hooks::trace_fail(op, obj, &e);
    e
}

const TOO_MANY: &str = "semaphore or lock released too many times";

macro_rules! shared_handle {
    ($t:ident, $kind:expr) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                Wire { off: self.off, id: self.id, name: self.name.clone() }.serialize(s)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                let w = Wire::deserialize(d)?;
                let arena = attach::<D::Error>(w.id, $kind, &w.name)?;
                Ok($t::at(arena, w.off, w.id, w.name))
            }
        }
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "<{} '{}'>", stringify!($t), self.name)
            }
        }
        #[allow(dead_code)]
        impl $t {
            /// The shared id this object has in every process's trace.
            pub fn obj(&self) -> u32 {
                self.id
            }
        }
    };
}

// ---------------------------------------------------------------------------------------
// Lock

// Lock words: the owner (0 when free), then how many sleep on it.
const L_OWNER: u32 = 0;
const L_SLEEPERS: u32 = 4;

/// `multiprocessing.Lock()`: CPython's is a semaphore of value 1 (`SemLock(SEMAPHORE, 1,
/// 1)`): any thread of any process may release it, and releasing it when it is not held
/// raises `ValueError: semaphore or lock released too many times`. Its owner word says who
/// took it last (pid, tid), which `Condition` asks.
#[derive(Clone)]
pub struct Lock {
    arena: Arena,
    off: u32,
    id: u32,
    name: String,
}
shared_handle!(Lock, ObjKind::Lock);

impl Lock {
    pub fn new() -> PyResult<Lock> {
        Lock::named("Lock")
    }

    /// A lock shown as `name` in the trace.
    pub fn named(name: &str) -> PyResult<Lock> {
        let (arena, off, id) = new_shared(8, ObjKind::Lock, name)?;
        Ok(Lock::at(arena, off, id, name.to_owned()))
    }

    fn at(arena: Arena, off: u32, id: u32, name: String) -> Lock {
        Lock { arena, off, id, name }
    }

    /// `acquire()`.
    pub fn acquire(&self) -> PyResult<()> {
        self.acquire_with(true, None).map(drop)
    }

    /// `acquire(block=True, timeout=None)`: whether it was taken. A negative timeout is
    /// zero and a timeout without `block` is ignored, as in CPython.
    pub fn acquire_with(&self, block: bool, timeout: Option<f64>) -> PyResult<bool> {
        hooks::point(Op::Acquire, self.id);
        let me = me().max(1);
        let a = &self.arena;
        if a.cas(self.off + L_OWNER, 0, me).is_ok() {
            hooks::trace(Kind::Ok, Op::Acquire, self.id, 1);
            return Ok(true);
        }
        let deadline = if block { deadline(timeout) } else { None };
        let off = self.off;
        let got = acquire_word(a, off + L_OWNER, off + L_SLEEPERS, Op::Acquire, self.id, block, deadline, |a| {
            a.cas(off + L_OWNER, 0, me).ok().map(|_| 1)
        })?;
        match got {
            Some(v) => hooks::trace(Kind::Ok, Op::Acquire, self.id, v),
            None => hooks::trace(Kind::Timeout, Op::Acquire, self.id, 0),
        }
        Ok(got.is_some())
    }

    /// `release()`: from any thread of any process.
    pub fn release(&self) -> PyResult<()> {
        hooks::point(Op::Release, self.id);
        let a = &self.arena;
        let mut cur = a.load(self.off + L_OWNER);
        if cur != 0 {
            // Recorded before the hand-over, so that the trace shows it before the next
            // acquire (as `threading.Lock` does).
            hooks::trace(Kind::Signal, Op::Release, self.id, 0);
        }
        loop {
            if cur == 0 {
                return Err(value_error(Op::Release, self.id, TOO_MANY));
            }
            match a.cas(self.off + L_OWNER, cur, 0) {
                Ok(_) => break,
                Err(x) => cur = x,
            }
        }
        if a.load(self.off + L_SLEEPERS) != 0 {
            a.wake(self.off + L_OWNER, 1);
        }
        Ok(())
    }

    /// Whether the current thread took it last and it is still held (`SemLock._is_mine`).
    pub(crate) fn is_mine(&self) -> bool {
        self.arena.load(self.off + L_OWNER) == me().max(1)
    }

    /// `with lock:` runs `f` holding the lock and releases it however `f` ends.
    pub fn with_lock<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        self.acquire()?;
        let r = f();
        self.release()?;
        r
    }
}

// ---------------------------------------------------------------------------------------
// RLock

const R_OWNER: u32 = 0;
const R_SLEEPERS: u32 = 4;
const R_COUNT: u32 = 8;

/// `multiprocessing.RLock()`: a recursive lock owned by one thread of one process, which
/// alone may release it (`AssertionError: attempt to release recursive lock not owned by
/// thread` otherwise).
#[derive(Clone)]
pub struct RLock {
    arena: Arena,
    off: u32,
    id: u32,
    name: String,
}
shared_handle!(RLock, ObjKind::RLock);

impl RLock {
    pub fn new() -> PyResult<RLock> {
        RLock::named("RLock")
    }

    pub fn named(name: &str) -> PyResult<RLock> {
        let (arena, off, id) = new_shared(12, ObjKind::RLock, name)?;
        Ok(RLock::at(arena, off, id, name.to_owned()))
    }

    fn at(arena: Arena, off: u32, id: u32, name: String) -> RLock {
        RLock { arena, off, id, name }
    }

    pub fn acquire(&self) -> PyResult<()> {
        self.acquire_with(true, None).map(drop)
    }

    /// `acquire(block=True, timeout=None)`; the owner re-acquires at once.
    pub fn acquire_with(&self, block: bool, timeout: Option<f64>) -> PyResult<bool> {
        hooks::point(Op::Acquire, self.id);
        let (a, off, me) = (&self.arena, self.off, me().max(1));
        if a.load(off + R_OWNER) == me {
            let c = a.load(off + R_COUNT) + 1;
            a.store(off + R_COUNT, c);
            hooks::trace(Kind::Ok, Op::Acquire, self.id, c as u64);
            return Ok(true);
        }
        let take = |a: &Arena| {
            a.cas(off + R_OWNER, 0, me).ok().map(|_| {
                a.store(off + R_COUNT, 1);
                1
            })
        };
        if let Some(c) = take(a) {
            hooks::trace(Kind::Ok, Op::Acquire, self.id, c);
            return Ok(true);
        }
        let deadline = if block { deadline(timeout) } else { None };
        let got = acquire_word(a, off + R_OWNER, off + R_SLEEPERS, Op::Acquire, self.id, block, deadline, take)?;
        match got {
            Some(c) => hooks::trace(Kind::Ok, Op::Acquire, self.id, c),
            None => hooks::trace(Kind::Timeout, Op::Acquire, self.id, 0),
        }
        Ok(got.is_some())
    }

    /// `release()`: by its owner only.
    pub fn release(&self) -> PyResult<()> {
        hooks::point(Op::Release, self.id);
        let (a, off) = (&self.arena, self.off);
        if a.load(off + R_OWNER) != me().max(1) {
            return Err(assertion(Op::Release, self.id, "attempt to release recursive lock not owned by thread"));
        }
        let c = a.load(off + R_COUNT) - 1;
        hooks::trace(Kind::Signal, Op::Release, self.id, c as u64);
        a.store(off + R_COUNT, c);
        if c == 0 {
            a.store(off + R_OWNER, 0);
            if a.load(off + R_SLEEPERS) != 0 {
                a.wake(off + R_OWNER, 1);
            }
        }
        Ok(())
    }

    pub(crate) fn is_mine(&self) -> bool {
        self.arena.load(self.off + R_OWNER) == me().max(1)
    }

    /// Releases every level the owner holds (a condition's wait); returns how many.
    fn release_all(&self) -> u32 {
        let (a, off) = (&self.arena, self.off);
        let c = a.load(off + R_COUNT);
        hooks::trace(Kind::Signal, Op::Release, self.id, 0);
        a.store(off + R_COUNT, 0);
        a.store(off + R_OWNER, 0);
        if a.load(off + R_SLEEPERS) != 0 {
            a.wake(off + R_OWNER, 1);
        }
        c
    }

    /// Takes it back at `count` levels.
    fn restore(&self, count: u32) -> PyResult<()> {
        self.acquire()?;
        self.arena.store(self.off + R_COUNT, count);
        Ok(())
    }

    /// `with rlock:`.
    pub fn with_lock<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        self.acquire()?;
        let r = f();
        self.release()?;
        r
    }
}

// ---------------------------------------------------------------------------------------
// Semaphore, BoundedSemaphore

const S_VALUE: u32 = 0;
const S_SLEEPERS: u32 = 4;
const S_MAX: u32 = 8;

/// `multiprocessing.Semaphore(value)`; [`BoundedSemaphore`] is the same with a ceiling.
#[derive(Clone)]
pub struct Semaphore {
    arena: Arena,
    off: u32,
    id: u32,
    name: String,
}
shared_handle!(Semaphore, ObjKind::Semaphore);

/// `multiprocessing.BoundedSemaphore(value)`: releasing above the initial value raises
/// `ValueError: semaphore or lock released too many times`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BoundedSemaphore(Semaphore);

impl Semaphore {
    pub fn new(value: u32) -> PyResult<Semaphore> {
        Semaphore::make("Semaphore", value, SEM_VALUE_MAX, ObjKind::Semaphore)
    }

    pub fn named(name: &str, value: u32) -> PyResult<Semaphore> {
        Semaphore::make(name, value, SEM_VALUE_MAX, ObjKind::Semaphore)
    }

    fn make(name: &str, value: u32, max: u32, kind: ObjKind) -> PyResult<Semaphore> {
        if value > SEM_VALUE_MAX {
            return Err(PyErr::value("value must be <= SEM_VALUE_MAX"));
        }
        let (arena, off, id) = new_shared(12, kind, name)?;
        arena.store(off + S_VALUE, value);
        arena.store(off + S_MAX, max);
        Ok(Semaphore::at(arena, off, id, name.to_owned()))
    }

    fn at(arena: Arena, off: u32, id: u32, name: String) -> Semaphore {
        Semaphore { arena, off, id, name }
    }

    pub fn acquire(&self) -> PyResult<()> {
        self.acquire_with(true, None).map(drop)
    }

    /// `acquire(block=True, timeout=None)`.
    pub fn acquire_with(&self, block: bool, timeout: Option<f64>) -> PyResult<bool> {
        hooks::point(Op::Acquire, self.id);
        let off = self.off;
        let take = |a: &Arena| {
            let mut v = a.load(off + S_VALUE);
            while v > 0 {
                match a.cas(off + S_VALUE, v, v - 1) {
                    Ok(_) => return Some((v - 1) as u64),
                    Err(x) => v = x,
                }
            }
            None
        };
        if let Some(v) = take(&self.arena) {
            hooks::trace(Kind::Ok, Op::Acquire, self.id, v);
            return Ok(true);
        }
        let deadline = if block { deadline(timeout) } else { None };
        let got =
            acquire_word(&self.arena, off + S_VALUE, off + S_SLEEPERS, Op::Acquire, self.id, block, deadline, take)?;
        match got {
            Some(v) => hooks::trace(Kind::Ok, Op::Acquire, self.id, v),
            None => hooks::trace(Kind::Timeout, Op::Acquire, self.id, self.get_value() as u64),
        }
        Ok(got.is_some())
    }

    /// `release()`.
    pub fn release(&self) -> PyResult<()> {
        hooks::point(Op::Release, self.id);
        let (a, off) = (&self.arena, self.off);
        let max = a.load(off + S_MAX);
        let mut v = a.load(off + S_VALUE);
        loop {
            if v >= max {
                return Err(value_error(Op::Release, self.id, TOO_MANY));
            }
            match a.cas(off + S_VALUE, v, v + 1) {
                Ok(_) => break,
                Err(x) => v = x,
            }
        }
        hooks::trace(Kind::Signal, Op::Release, self.id, (v + 1) as u64);
        if a.load(off + S_SLEEPERS) != 0 {
            a.wake(off + S_VALUE, 1);
        }
        Ok(())
    }

    /// `get_value()`.
    pub fn get_value(&self) -> u32 {
        self.arena.load(self.off + S_VALUE)
    }

    /// `with sem:`.
    pub fn with_lock<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        self.acquire()?;
        let r = f();
        self.release()?;
        r
    }
}

impl BoundedSemaphore {
    pub fn new(value: u32) -> PyResult<BoundedSemaphore> {
        BoundedSemaphore::named("BoundedSemaphore", value)
    }

    pub fn named(name: &str, value: u32) -> PyResult<BoundedSemaphore> {
        Semaphore::make(name, value, value, ObjKind::BoundedSemaphore).map(BoundedSemaphore)
    }
}

impl std::ops::Deref for BoundedSemaphore {
    type Target = Semaphore;
    fn deref(&self) -> &Semaphore {
        &self.0
    }
}

// ---------------------------------------------------------------------------------------
// Event

// Event words: a count whose low bit is the flag (set and clear each move it by one, so a
// waiter sees any set, even one cleared at once), then how many sleep on it.
const E_FLAG: u32 = 0;
const E_SLEEPERS: u32 = 4;

/// `multiprocessing.Event()`: a flag every process sees; `wait` sleeps until it is set.
/// Like CPython's, a `wait` woken by a `set` returns the flag as it is when it looks
/// again (false if it was cleared meanwhile).
#[derive(Clone)]
pub struct Event {
    arena: Arena,
    off: u32,
    id: u32,
    name: String,
}
shared_handle!(Event, ObjKind::Event);

impl Event {
    pub fn new() -> PyResult<Event> {
        Event::named("Event")
    }

    pub fn named(name: &str) -> PyResult<Event> {
        let (arena, off, id) = new_shared(8, ObjKind::Event, name)?;
        Ok(Event::at(arena, off, id, name.to_owned()))
    }

    fn at(arena: Arena, off: u32, id: u32, name: String) -> Event {
        Event { arena, off, id, name }
    }

    pub fn is_set(&self) -> bool {
        self.arena.load(self.off + E_FLAG) & 1 != 0
    }

    /// Moves the flag to `on` (false if it already was).
    fn flip(&self, on: bool) -> bool {
        let a = &self.arena;
        let mut w = a.load(self.off + E_FLAG);
        while (w & 1 != 0) != on {
            match a.cas(self.off + E_FLAG, w, w.wrapping_add(1)) {
                Ok(_) => return true,
                Err(x) => w = x,
            }
        }
        false
    }

    /// `set()`: wakes every waiter of every process.
    pub fn set(&self) {
        hooks::point(Op::Set, self.id);
        hooks::trace(Kind::Signal, Op::Set, self.id, 1);
        if self.flip(true) && self.arena.load(self.off + E_SLEEPERS) != 0 {
            self.arena.wake(self.off + E_FLAG, u32::MAX);
        }
    }

    /// `clear()`.
    pub fn clear(&self) {
        hooks::point(Op::Clear, self.id);
        hooks::trace(Kind::Signal, Op::Clear, self.id, 0);
        self.flip(false);
    }

    /// `wait(timeout=None)`: whether the flag is set.
    pub fn wait(&self, timeout: Option<f64>) -> PyResult<bool> {
        hooks::point(Op::Wait, self.id);
        let (a, off) = (&self.arena, self.off);
        let w0 = a.load(off + E_FLAG);
        if w0 & 1 != 0 {
            hooks::trace(Kind::Ok, Op::Wait, self.id, 1);
            return Ok(true);
        }
        let moved = |a: &Arena| (a.load(off + E_FLAG) != w0).then_some(1);
        acquire_word(a, off + E_FLAG, off + E_SLEEPERS, Op::Wait, self.id, true, deadline(timeout), moved)?;
        let set = self.is_set();
        hooks::trace(if set { Kind::Ok } else { Kind::Timeout }, Op::Wait, self.id, set as u64);
        Ok(set)
    }
}

// ---------------------------------------------------------------------------------------
// Condition

/// The lock a [`Condition`] is built on.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum CondLock {
    Lock(Lock),
    RLock(RLock),
}

impl CondLock {
    fn is_mine(&self) -> bool {
        match self {
            CondLock::Lock(l) => l.is_mine(),
            CondLock::RLock(r) => r.is_mine(),
        }
    }

    /// `acquire(block, timeout)`.
    pub fn acquire_with(&self, block: bool, timeout: Option<f64>) -> PyResult<bool> {
        match self {
            CondLock::Lock(l) => l.acquire_with(block, timeout),
            CondLock::RLock(r) => r.acquire_with(block, timeout),
        }
    }

    pub fn acquire(&self) -> PyResult<()> {
        self.acquire_with(true, None).map(drop)
    }

    pub fn release(&self) -> PyResult<()> {
        match self {
            CondLock::Lock(l) => l.release(),
            CondLock::RLock(r) => r.release(),
        }
    }

    fn release_all(&self) -> PyResult<u32> {
        match self {
            CondLock::Lock(l) => l.release().map(|_| 1),
            CondLock::RLock(r) => Ok(r.release_all()),
        }
    }

    fn restore(&self, count: u32) -> PyResult<()> {
        match self {
            CondLock::Lock(l) => l.acquire(),
            CondLock::RLock(r) => r.restore(count),
        }
    }
}

impl From<Lock> for CondLock {
    fn from(l: Lock) -> CondLock {
        CondLock::Lock(l)
    }
}

impl From<RLock> for CondLock {
    fn from(r: RLock) -> CondLock {
        CondLock::RLock(r)
    }
}

// Condition words: its state's mutex; waiters not yet notified; notifications not yet
// taken; the generation of the last notify that woke someone (a waiter may take only a
// notification given after it began to wait); the generation counter; the event count.
const C_MX: u32 = 0;
const C_WAITERS: u32 = 4;
const C_TOKENS: u32 = 8;
const C_TOKEN_GEN: u32 = 12;
const C_GEN: u32 = 16;
const C_EV: u32 = 20;

/// `multiprocessing.Condition(lock=None)`: over an `RLock` by default.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Condition {
    inner: CondInner,
    lock: CondLock,
}

#[derive(Clone)]
struct CondInner {
    arena: Arena,
    off: u32,
    id: u32,
    name: String,
}

impl CondInner {
    fn at(arena: Arena, off: u32, id: u32, name: String) -> CondInner {
        CondInner { arena, off, id, name }
    }
}
shared_handle!(CondInner, ObjKind::Condition);

impl Condition {
    /// `Condition()`: a new `RLock` inside.
    pub fn new() -> PyResult<Condition> {
        Condition::with_lock_of("Condition", RLock::named("Condition.lock")?)
    }

    /// `Condition(lock)`.
    pub fn with_lock_of(name: &str, lock: impl Into<CondLock>) -> PyResult<Condition> {
        let (arena, off, id) = new_shared(28, ObjKind::Condition, name)?;
        Ok(Condition { inner: CondInner::at(arena, off, id, name.to_owned()), lock: lock.into() })
    }

    pub fn obj(&self) -> u32 {
        self.inner.id
    }

    /// Its lock.
    pub fn lock(&self) -> &CondLock {
        &self.lock
    }

    pub fn acquire(&self) -> PyResult<()> {
        self.lock.acquire()
    }

    pub fn release(&self) -> PyResult<()> {
        self.lock.release()
    }

    /// `with cond:`.
    pub fn with_lock<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        self.lock.acquire()?;
        let r = f();
        self.lock.release()?;
        r
    }

    /// `wait(timeout=None)`: releases the lock, sleeps until notified (true) or the
    /// timeout passes (false), then takes the lock back.
    pub fn wait(&self, timeout: Option<f64>) -> PyResult<bool> {
        let (a, off, id) = (&self.inner.arena, self.inner.off, self.inner.id);
        hooks::point(Op::Wait, id);
        if !self.lock.is_mine() {
            return Err(assertion(Op::Wait, id, "must acquire() condition before using wait()"));
        }
        let mx = Mx(off + C_MX);
        let g = mx.with(a, id, || {
            a.fetch_add(off + C_WAITERS, 1);
            a.load(off + C_GEN)
        })?;
        let saved = self.lock.release_all()?;
        let take = |a: &Arena| -> PyResult<bool> {
            if a.load(off + C_TOKENS) == 0 || a.load(off + C_TOKEN_GEN) <= g {
                return Ok(false);
            }
            mx.with(a, id, || {
                let t = a.load(off + C_TOKENS);
                let ok = t > 0 && a.load(off + C_TOKEN_GEN) > g;
                if ok {
                    a.store(off + C_TOKENS, t - 1);
                }
                ok
            })
        };
        let waited =
            wait_for(a, Ev(off + C_EV), Op::Wait, id, true, deadline(timeout), None, |_| Ok(take(a)?.then_some(())));
        let notified = match waited {
            Ok(Some(())) => Ok(true),
            Ok(None) => mx.with(a, id, || {
                // Timed out: unless a notification for it came meanwhile, it is no longer
                // a waiter to notify.
                let t = a.load(off + C_TOKENS);
                if t > 0 && a.load(off + C_TOKEN_GEN) > g {
                    a.store(off + C_TOKENS, t - 1);
                    true
                } else {
                    a.store(off + C_WAITERS, a.load(off + C_WAITERS).saturating_sub(1));
                    false
                }
            }),
            Err(e) => Err(e),
        };
        let restored = self.lock.restore(saved);
        let notified = notified?;
        restored?;
        hooks::trace(if notified { Kind::Ok } else { Kind::Timeout }, Op::Wait, id, notified as u64);
        Ok(notified)
    }

    /// `wait_for(predicate, timeout=None)`: waits until `predicate()` holds; returns its
    /// last value.
    pub fn wait_for(&self, mut predicate: impl FnMut() -> PyResult<bool>, timeout: Option<f64>) -> PyResult<bool> {
        let end = timeout.map(|t| hooks::monotonic() + t);
        let mut result = predicate()?;
        while !result {
            let left = match end {
                Some(e) => {
                    let left = e - hooks::monotonic();
                    if left <= 0.0 {
                        break;
                    }
                    Some(left)
                }
                None => None,
            };
            self.wait(left)?;
            result = predicate()?;
        }
        Ok(result)
    }

    /// `notify(n=1)`: wakes up to `n` of the threads waiting now.
    pub fn notify(&self, n: u32) -> PyResult<()> {
        self.notify_op(Op::Notify, n)
    }

    /// `notify_all()`.
    pub fn notify_all(&self) -> PyResult<()> {
        self.notify_op(Op::NotifyAll, u32::MAX)
    }

    fn notify_op(&self, op: Op, n: u32) -> PyResult<()> {
        let (a, off, id) = (&self.inner.arena, self.inner.off, self.inner.id);
        hooks::point(op, id);
        if !self.lock.is_mine() {
            return Err(assertion(op, id, "lock is not owned"));
        }
        let k = Mx(off + C_MX).with(a, id, || {
            let w = a.load(off + C_WAITERS);
            let k = w.min(n);
            if k > 0 {
                a.store(off + C_WAITERS, w - k);
                a.store(off + C_TOKENS, a.load(off + C_TOKENS) + k);
                let g = a.load(off + C_GEN) + 1;
                a.store(off + C_GEN, g);
                a.store(off + C_TOKEN_GEN, g);
            }
            k
        })?;
        hooks::trace(Kind::Signal, op, id, k as u64);
        if k > 0 {
            Ev(off + C_EV).notify(a);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Barrier

// Barrier words: the state's mutex, the state (threading.Barrier's: 0 filling, 1
// draining, -1 resetting, -2 broken), how many are inside, the parties, the default
// timeout (f64 bits, two words; NaN: none), the event count; then the action's name
// (its length, then its bytes: a `Target` every process finds by name).
const B_MX: u32 = 0;
const B_STATE: u32 = 4;
const B_COUNT: u32 = 8;
const B_PARTIES: u32 = 12;
const B_TIMEOUT: u32 = 16;
const B_EV: u32 = 24;
const B_ACTION_LEN: u32 = 32;
const B_ACTION: u32 = 36;
/// Room for the action's name.
const B_ACTION_MAX: u32 = 220;
const BARRIER_BYTES: u32 = B_ACTION + B_ACTION_MAX;

const FILLING: u32 = 0;
const DRAINING: u32 = 1;
const RESETTING: u32 = -1i32 as u32;
const BROKEN: u32 = -2i32 as u32;

/// `multiprocessing.Barrier(parties, action=None, timeout=None)`: `threading.Barrier`'s
/// algorithm over the arena. The `action` is a [`Target`](crate::runtime::process::Target),
/// as CPython pickles a function by its name: whichever process's party arrives last runs
/// it, before any party is released.
#[derive(Clone)]
pub struct Barrier {
    arena: Arena,
    off: u32,
    id: u32,
    name: String,
}
shared_handle!(Barrier, ObjKind::Barrier);

impl Barrier {
    pub fn new(parties: u32, timeout: Option<f64>) -> PyResult<Barrier> {
        Barrier::named("Barrier", parties, timeout)
    }

    pub fn named(name: &str, parties: u32, timeout: Option<f64>) -> PyResult<Barrier> {
        Barrier::with_action(name, parties, None, timeout)
    }

    /// `Barrier(parties, action, timeout)`: `action` runs once per crossing, in the party
    /// that arrives last; if it raises, the barrier breaks and that party gets its error.
    pub fn with_action(
        name: &str,
        parties: u32,
        action: Option<&'static crate::runtime::process::Target>,
        timeout: Option<f64>,
    ) -> PyResult<Barrier> {
        if parties < 1 {
            return Err(PyErr::value("parties must be >= 1"));
        }
        let action = action.map_or("", |t| t.name);
        if action.len() > B_ACTION_MAX as usize {
            return Err(PyErr::value("the barrier's action has too long a name"));
        }
        let (arena, off, id) = new_shared(BARRIER_BYTES, ObjKind::Barrier, name)?;
        arena.store(off + B_ACTION_LEN, action.len() as u32);
        arena.write(off + B_ACTION, action.as_bytes());
        arena.store(off + B_PARTIES, parties);
        let t = timeout.unwrap_or(f64::NAN).to_bits();
        arena.store(off + B_TIMEOUT, t as u32);
        arena.store(off + B_TIMEOUT + 4, (t >> 32) as u32);
        Ok(Barrier::at(arena, off, id, name.to_owned()))
    }

    fn at(arena: Arena, off: u32, id: u32, name: String) -> Barrier {
        Barrier { arena, off, id, name }
    }

    fn default_timeout(&self) -> Option<f64> {
        let a = &self.arena;
        let bits = a.load(self.off + B_TIMEOUT) as u64 | (a.load(self.off + B_TIMEOUT + 4) as u64) << 32;
        Some(f64::from_bits(bits)).filter(|t| !t.is_nan())
    }

    pub fn parties(&self) -> u32 {
        self.arena.load(self.off + B_PARTIES)
    }

    /// `n_waiting`.
    pub fn n_waiting(&self) -> u32 {
        let a = &self.arena;
        if a.load(self.off + B_STATE) == FILLING {
            a.load(self.off + B_COUNT)
        } else {
            0
        }
    }

    /// `broken`.
    pub fn broken(&self) -> bool {
        self.arena.load(self.off + B_STATE) == BROKEN
    }

    fn notify_all(&self) {
        Ev(self.off + B_EV).notify_always(&self.arena);
    }

    /// Waits on the barrier's event count with its mutex held: lets it go while asleep.
    fn cond_wait(&self, deadline: Option<u64>) -> PyResult<Park> {
        let (a, off) = (&self.arena, self.off);
        a.fetch_add(off + B_EV + 4, 1);
        let seq = a.load(off + B_EV);
        Mx(off + B_MX).unlock(a);
        let parked = hooks::park_shared(a, off + B_EV, seq, deadline, self.id, 0);
        a.fetch_sub(off + B_EV + 4, 1);
        Mx(off + B_MX).lock(a, None, self.id)?;
        Ok(parked?)
    }

    /// `wait(timeout=None)`: the arrival index (0 for the first, `parties - 1` for the
    /// last, which releases everyone); `BrokenBarrierError` when the barrier breaks.
    pub fn wait(&self, timeout: Option<f64>) -> PyResult<u32> {
        hooks::point(Op::Wait, self.id);
        let (a, off) = (&self.arena, self.off);
        let deadline = deadline(timeout.or_else(|| self.default_timeout()));
        Mx(off + B_MX).lock(a, None, self.id)?;
        let r = self.wait_locked(deadline);
        Mx(off + B_MX).unlock(a);
        match r {
            Ok(index) => {
                hooks::trace(Kind::Ok, Op::Wait, self.id, index as u64);
                Ok(index)
            }
            Err(e) => {
                if e != PyErr::Interrupted {
                    hooks::trace_fail(Op::Wait, self.id, &e);
                }
                Err(e)
            }
        }
    }

    fn wait_locked(&self, deadline: Option<u64>) -> PyResult<u32> {
        let (a, off) = (&self.arena, self.off);
        // _enter: wait while the barrier drains or resets.
        while matches!(a.load(off + B_STATE), DRAINING | RESETTING) {
            self.cond_wait(None)?;
        }
        if a.load(off + B_STATE) == BROKEN {
            return Err(PyErr::BrokenBarrierError);
        }
        let index = a.load(off + B_COUNT);
        a.store(off + B_COUNT, index + 1);
        hooks::trace(Kind::Attempt, Op::Wait, self.id, (index + 1) as u64);
        let result = if index + 1 == a.load(off + B_PARTIES) {
            // _release: the action first, under the barrier's lock, as CPython runs it.
            match self.run_action() {
                Ok(()) => {
                    a.store(off + B_STATE, DRAINING);
                    hooks::trace(Kind::Signal, Op::Wait, self.id, (index + 1) as u64);
                    self.notify_all();
                    Ok(index)
                }
                Err(e) => {
                    self.break_it();
                    Err(e)
                }
            }
        } else {
            hooks::trace(Kind::Block, Op::Wait, self.id, 0);
            self.wait_released(deadline).map(|_| index)
        };
        // _exit
        let count = a.load(off + B_COUNT) - 1;
        a.store(off + B_COUNT, count);
        if count == 0 && matches!(a.load(off + B_STATE), DRAINING | RESETTING) {
            a.store(off + B_STATE, FILLING);
            self.notify_all();
        }
        result
    }

    /// Runs the action, if there is one, in this process: found by its name.
    fn run_action(&self) -> PyResult<()> {
        let (a, off) = (&self.arena, self.off);
        let len = a.load(off + B_ACTION_LEN).min(B_ACTION_MAX);
        if len == 0 {
            return Ok(());
        }
        let mut name = vec![0u8; len as usize];
        a.read(off + B_ACTION, &mut name);
        let name = String::from_utf8_lossy(&name);
        let target = crate::runtime::process::find_target(&name)
            .ok_or_else(|| PyErr::runtime(&format!("the barrier's action {name} is not in this program")))?;
        (target.entry)(&crate::runtime::process::encode(&())?).map(drop)
    }

    fn wait_released(&self, deadline: Option<u64>) -> PyResult<()> {
        let a = &self.arena;
        let state = self.off + B_STATE;
        while a.load(state) == FILLING {
            // The seam's word on a timeout counts too: its clock may be a controlled run's.
            let timed_out = passed(deadline) || self.cond_wait(deadline)? == Park::TimedOut;
            if timed_out && a.load(state) == FILLING {
                hooks::trace(Kind::Timeout, Op::Wait, self.id, 0);
                self.break_it();
                return Err(PyErr::BrokenBarrierError);
            }
        }
        if a.load(state) == BROKEN || a.load(state) == RESETTING {
            return Err(PyErr::BrokenBarrierError);
        }
        Ok(())
    }

    fn break_it(&self) {
        self.arena.store(self.off + B_STATE, BROKEN);
        self.notify_all();
    }

    /// `abort()`: puts the barrier into the broken state.
    pub fn abort(&self) -> PyResult<()> {
        hooks::point(Op::Abort, self.id);
        Mx(self.off + B_MX).with(&self.arena, self.id, || {
            hooks::trace(Kind::Signal, Op::Abort, self.id, 0);
            self.break_it();
        })
    }

    /// `reset()`: back to the empty state; threads waiting get `BrokenBarrierError`.
    pub fn reset(&self) -> PyResult<()> {
        hooks::point(Op::Reset, self.id);
        let (a, off) = (&self.arena, self.off);
        Mx(off + B_MX).with(a, self.id, || {
            hooks::trace(Kind::Signal, Op::Reset, self.id, 0);
            if a.load(off + B_COUNT) > 0 {
                if matches!(a.load(off + B_STATE), FILLING | BROKEN) {
                    a.store(off + B_STATE, RESETTING);
                }
            } else {
                a.store(off + B_STATE, FILLING);
            }
            self.notify_all();
        })
    }
}
