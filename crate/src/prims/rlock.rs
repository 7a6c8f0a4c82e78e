//! `threading.RLock`: a lock that its owner may acquire again, released as many times.

use crate::error::{check_timeout_args, PyErr, PyResult};
use crate::hooks::{self, Park};
use crate::sync::{AtomicU32, Ordering};
use crate::trace::{Kind, ObjKind, Op};

// The states of `RLock::state`: the same scheme as `Lock`'s.
const UNLOCKED: u32 = 0;
/// Owned, and nobody sleeps on it: the last release need not wake anyone.
const LOCKED: u32 = 1;
/// Owned, and someone may sleep on it: the last release must wake one.
const CONTENDED: u32 = 2;

/// No thread owns the lock (thread keys are never 0).
const NOBODY: u32 = 0;

/// `threading.RLock()`: a reentrant lock with an owner and a recursion count.
///
/// The thread that owns it may acquire it again without blocking; it becomes free once
/// that thread has released it as many times. Only the owner may release it.
///
/// # Examples
/// ```
/// use parlab::prims::RLock;
/// let lock = RLock::new();
/// lock.acquire().unwrap();
/// lock.acquire().unwrap(); // the owner again: no self-deadlock
/// assert_eq!(lock.count(), 2);
/// lock.release().unwrap();
/// lock.release().unwrap();
/// assert_eq!(lock.release().unwrap_err().to_string(), "RuntimeError: cannot release un-acquired lock");
/// ```
pub struct RLock {
    state: AtomicU32,
    /// The owner's thread key, or `NOBODY`.
    owner: AtomicU32,
    /// Recursion level; read and written only by the owner (so Relaxed suffices: a new
    /// owner reads it after acquiring `state`, which orders it after the old owner's write).
    count: AtomicU32,
    obj: u32,
}

impl Default for RLock {
    fn default() -> Self {
        RLock::new()
    }
}

impl RLock {
    pub fn new() -> RLock {
        RLock::named("rlock")
    }

    /// An RLock shown as `name` in the trace.
    pub fn named(name: &str) -> RLock {
        RLock {
            state: AtomicU32::new(UNLOCKED),
            owner: AtomicU32::new(NOBODY),
            count: AtomicU32::new(0),
            obj: hooks::new_object(ObjKind::RLock, name),
        }
    }

    /// The trace object id (0 outside a run).
    pub fn obj(&self) -> u32 {
        self.obj
    }

    /// `acquire()`: blocks until the lock is taken (at once when this thread owns it).
    #[inline]
    pub fn acquire(&self) -> PyResult<()> {
        self.acquire_with(true, None).map(drop)
    }

    /// `acquire(blocking, timeout)`, timeout in lesson seconds (`None` is Python's -1).
    /// Returns whether the lock was taken.
    #[inline]
    pub fn acquire_with(&self, blocking: bool, timeout: Option<f64>) -> PyResult<bool> {
        hooks::point(Op::Acquire, self.obj);
        check_timeout_args(blocking, timeout)?;
        let me = super::thread_key();
        hooks::trace(Kind::Attempt, Op::Acquire, self.obj, self.count_for(me) as u64);
        // Relaxed is enough: only this thread ever stores `me` into `owner`, so reading
        // `me` means this thread stored it and has not cleared it since (std's
        // ReentrantLock relies on the same argument).
        if self.owner.load(Ordering::Relaxed) == me {
            let Some(c) = self.count.load(Ordering::Relaxed).checked_add(1) else {
                let e =
                    PyErr::Other { class: "OverflowError".into(), message: "Internal lock count overflowed".into() };
                hooks::trace_fail(Op::Acquire, self.obj, &e);
                return Err(e);
            };
            self.count.store(c, Ordering::Relaxed);
            hooks::trace(Kind::Ok, Op::Acquire, self.obj, c as u64);
            return Ok(true);
        }
        if self.state.compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok() {
            self.taken(me, 1);
            return Ok(true);
        }
        if !blocking {
            hooks::trace(Kind::Timeout, Op::Acquire, self.obj, 0);
            return Ok(false);
        }
        self.acquire_contended(me, 1, super::deadline(timeout))
    }

    #[cold]
    fn acquire_contended(&self, me: u32, count: u32, deadline: Option<u64>) -> PyResult<bool> {
        hooks::trace(Kind::Block, Op::Acquire, self.obj, 0);
        loop {
            // Mark it contended before sleeping, so that the owner's last release wakes us.
            if self.state.swap(CONTENDED, Ordering::Acquire) == UNLOCKED {
                self.taken(me, count);
                return Ok(true);
            }
            if hooks::park(&self.state, CONTENDED, deadline, self.obj)? == Park::TimedOut {
                hooks::trace(Kind::Timeout, Op::Acquire, self.obj, 0);
                return Ok(false);
            }
        }
    }

    #[inline]
    fn taken(&self, me: u32, count: u32) {
        self.count.store(count, Ordering::Relaxed);
        self.owner.store(me, Ordering::Relaxed);
        hooks::set_holder(self.obj, me);
        hooks::trace(Kind::Ok, Op::Acquire, self.obj, count as u64);
    }

    /// `release()`: by the owner only; frees the lock when the count drops to 0.
    pub fn release(&self) -> PyResult<()> {
        hooks::point(Op::Release, self.obj);
        let me = super::thread_key();
        if self.owner.load(Ordering::Relaxed) != me {
            return Err(self.not_owned(Op::Release));
        }
        let c = self.count.load(Ordering::Relaxed) - 1;
        self.count.store(c, Ordering::Relaxed);
        if c > 0 {
            hooks::trace(Kind::Signal, Op::Release, self.obj, c as u64);
            return Ok(());
        }
        self.unlock();
        Ok(())
    }

    /// Gives the lock up entirely (the owner is already checked).
    fn unlock(&self) {
        self.count.store(0, Ordering::Relaxed);
        self.owner.store(NOBODY, Ordering::Relaxed);
        // Recorded before the hand-over so that the trace shows release before acquire.
        hooks::set_holder(self.obj, 0);
        hooks::trace(Kind::Signal, Op::Release, self.obj, 0);
        if self.state.swap(UNLOCKED, Ordering::Release) == CONTENDED {
            hooks::wake_one(&self.state);
        }
    }

    #[cold]
    fn not_owned(&self, op: Op) -> PyErr {
        let e = PyErr::runtime("cannot release un-acquired lock");
        hooks::trace_fail(op, self.obj, &e);
        e
    }

    /// `locked()`: whether any thread owns it.
    pub fn locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) != UNLOCKED
    }

    /// Whether the calling thread owns it (Python's `_is_owned`).
    pub fn is_owned(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == super::thread_key()
    }

    /// The calling thread's recursion level: 0 when it does not own the lock (Python's
    /// `_recursion_count`).
    pub fn count(&self) -> u32 {
        self.count_for(super::thread_key())
    }

    fn count_for(&self, me: u32) -> u32 {
        if self.owner.load(Ordering::Relaxed) == me {
            self.count.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    /// `with lock:` runs `f` holding the lock and releases it however `f` ends.
    pub fn with<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        self.acquire()?;
        let r = f();
        // `f`'s own error wins: it is what Python would propagate out of the `with`.
        let released = self.release();
        let v = r?;
        released.map(|_| v)
    }

    /// `_release_save()`: releases every level at once for `Condition.wait`; returns the
    /// count to restore.
    pub(crate) fn release_save(&self) -> PyResult<u32> {
        if self.owner.load(Ordering::Relaxed) != super::thread_key() {
            return Err(self.not_owned(Op::Release));
        }
        let c = self.count.load(Ordering::Relaxed);
        self.unlock();
        Ok(c)
    }

    /// `_acquire_restore(count)`: takes the lock back after `Condition.wait`, with the
    /// recursion level it had.
    pub(crate) fn acquire_restore(&self, count: u32) -> PyResult<()> {
        let me = super::thread_key();
        hooks::trace(Kind::Attempt, Op::Acquire, self.obj, 0);
        if self.state.compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok() {
            self.taken(me, count);
            return Ok(());
        }
        self.acquire_contended(me, count, None).map(drop)
    }
}
