//! `threading.Condition`: a waiter queue over a Lock or an RLock.

use super::{guard, Lock, Mutex, RLock};
use crate::error::{PyErr, PyResult};
use crate::hooks::{self, Park};
use crate::sync::{AtomicU32, Ordering};
use crate::trace::{Kind, ObjKind, Op};
use std::collections::VecDeque;
use std::sync::Arc;

// The states of a waiter's own word. Only `notify` moves it from WAITING to NOTIFIED,
// and only while holding the waiter list, from which a waiter that gives up removes
// itself under the same guard: so every waiter in the list is live, and `notify(n)`
// wakes exactly min(n, waiting) threads, each of which returns True.
const WAITING: u32 = 0;
const NOTIFIED: u32 = 1;

/// One blocked `wait()`: the futex word it sleeps on (Python's per-waiter lock).
struct Waiter {
    state: AtomicU32,
}

/// The lock under a [`Condition`]: Python accepts a Lock or an RLock.
#[derive(Clone)]
pub enum CondLock {
    Lock(Arc<Lock>),
    RLock(Arc<RLock>),
}

impl From<Arc<Lock>> for CondLock {
    fn from(l: Arc<Lock>) -> CondLock {
        CondLock::Lock(l)
    }
}

impl From<Arc<RLock>> for CondLock {
    fn from(l: Arc<RLock>) -> CondLock {
        CondLock::RLock(l)
    }
}

impl CondLock {
    /// Python's `_is_owned`: exact for an RLock; for a Lock, which has no owner, "held by
    /// someone" (Python tries a non-blocking acquire).
    fn is_owned(&self) -> bool {
        match self {
            CondLock::Lock(l) => l.locked(),
            CondLock::RLock(l) => l.is_owned(),
        }
    }

    /// `_release_save`: frees the lock entirely, returning what to restore.
    fn release_save(&self) -> PyResult<u32> {
        match self {
            CondLock::Lock(l) => l.release().map(|_| 1),
            CondLock::RLock(l) => l.release_save(),
        }
    }

    /// `_acquire_restore`.
    fn acquire_restore(&self, saved: u32) -> PyResult<()> {
        match self {
            CondLock::Lock(l) => l.acquire(),
            CondLock::RLock(l) => l.acquire_restore(saved),
        }
    }
}

/// `threading.Condition(lock=None)`.
///
/// `wait()` releases the lock, sleeps until a `notify()` picks this thread (or the
/// timeout passes), then takes the lock back. `notify(n)` wakes at most `n` of the
/// threads waiting at that moment, oldest first; with nobody waiting it is lost. Both
/// require the lock to be held.
///
/// In the trace, `notify` records how many threads it woke.
///
/// # Examples
/// ```
/// use parlab::prims::Condition;
/// let cond = Condition::new(); // over a fresh RLock, as in Python
/// assert_eq!(cond.notify(1).unwrap_err().to_string(), "RuntimeError: cannot notify on un-acquired lock");
/// cond.with(|| {
///     assert_eq!(cond.wait(Some(0.01)), Ok(false)); // nobody notifies: times out
///     cond.notify_all()
/// })
/// .unwrap();
/// ```
pub struct Condition {
    lock: CondLock,
    /// Waiters in arrival order. A bookkeeping guard, never held across a wait: Python's
    /// waiter deque is protected by the user's lock, but a Lock has no owner, so a buggy
    /// program could notify without holding it, and that must not be a data race here.
    waiters: Mutex<VecDeque<Arc<Waiter>>>,
    obj: u32,
}

impl Default for Condition {
    fn default() -> Self {
        Condition::new()
    }
}

impl Condition {
    /// `Condition()`: over a new RLock.
    pub fn new() -> Condition {
        Condition::named("condition")
    }

    /// A condition over a new RLock, shown as `name` in the trace.
    pub fn named(name: &str) -> Condition {
        Condition::with_lock(name, Arc::new(RLock::named(&format!("{name}.lock"))))
    }

    /// `Condition(lock)`: over an existing Lock or RLock.
    pub fn with_lock(name: &str, lock: impl Into<CondLock>) -> Condition {
        Condition {
            lock: lock.into(),
            waiters: Mutex::new(VecDeque::new()),
            obj: hooks::new_object(ObjKind::Condition, name),
        }
    }

    /// The trace object id (0 outside a run).
    pub fn obj(&self) -> u32 {
        self.obj
    }

    /// The lock underneath.
    pub fn lock(&self) -> &CondLock {
        &self.lock
    }

    /// Threads waiting now (Python's `len(cond._waiters)`).
    pub fn n_waiting(&self) -> usize {
        guard(&self.waiters).len()
    }

    /// `acquire()` of the underlying lock.
    pub fn acquire(&self) -> PyResult<()> {
        self.acquire_with(true, None).map(drop)
    }

    /// `acquire(blocking, timeout)` of the underlying lock.
    pub fn acquire_with(&self, blocking: bool, timeout: Option<f64>) -> PyResult<bool> {
        match &self.lock {
            CondLock::Lock(l) => l.acquire_with(blocking, timeout),
            CondLock::RLock(l) => l.acquire_with(blocking, timeout),
        }
    }

    /// `release()` of the underlying lock.
    pub fn release(&self) -> PyResult<()> {
        match &self.lock {
            CondLock::Lock(l) => l.release(),
            CondLock::RLock(l) => l.release(),
        }
    }

    /// `with cond:` runs `f` holding the lock and releases it however `f` ends. An error
    /// of `f` wins over one of the release (a `wait` stopped by Stop returns without the
    /// lock, and its Interrupted must reach the thread, not "release unlocked lock").
    pub fn with<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        self.acquire()?;
        let r = f();
        let released = self.release();
        let v = r?;
        released.map(|_| v)
    }

    /// `wait(timeout=None)`, timeout in lesson seconds: releases the lock, waits to be
    /// notified, takes the lock back. Returns False if the timeout passed first.
    /// Raises `RuntimeError` when the lock is not held. When the run stops it returns
    /// Interrupted without taking the lock back.
    pub fn wait(&self, timeout: Option<f64>) -> PyResult<bool> {
        hooks::point(Op::Wait, self.obj);
        if !self.lock.is_owned() {
            let e = PyErr::runtime("cannot wait on un-acquired lock");
            hooks::trace_fail(Op::Wait, self.obj, &e);
            return Err(e);
        }
        let me = Arc::new(Waiter { state: AtomicU32::new(WAITING) });
        let before = {
            let mut q = guard(&self.waiters);
            q.push_back(me.clone());
            q.len() - 1
        };
        hooks::trace(Kind::Attempt, Op::Wait, self.obj, before as u64);
        let saved = match self.lock.release_save() {
            Ok(s) => s,
            Err(e) => {
                self.give_up(&me);
                return Err(e);
            }
        };
        let woken = self.sleep(&me, timeout);
        match woken {
            Ok(w) => {
                self.lock.acquire_restore(saved)?;
                Ok(w)
            }
            // Stopped: the run is unwinding, so the lock is not taken back (that could
            // block again); `with` lets this error through.
            Err(e) => Err(e),
        }
    }

    /// The wait proper, between releasing and re-taking the lock.
    fn sleep(&self, me: &Waiter, timeout: Option<f64>) -> PyResult<bool> {
        // Python's wait(t <= 0) only tries once: no Block event, no sleep.
        let deadline = if timeout.is_some_and(|t| !(t > 0.0)) { Some(0) } else { super::deadline(timeout) };
        let mut blocked = false;
        loop {
            if me.state.load(Ordering::Acquire) == NOTIFIED {
                hooks::trace(Kind::Ok, Op::Wait, self.obj, 1);
                return Ok(true);
            }
            let parked = if deadline == Some(0) {
                Ok(Park::TimedOut)
            } else {
                if !blocked {
                    blocked = true;
                    hooks::trace(Kind::Block, Op::Wait, self.obj, 0);
                }
                hooks::park(&me.state, WAITING, deadline, self.obj)
            };
            match parked {
                Ok(Park::Woken) => continue,
                Ok(Park::TimedOut) => {
                    if self.give_up(me) {
                        // notify() picked it just as the timeout passed: it counts.
                        hooks::trace(Kind::Ok, Op::Wait, self.obj, 1);
                        return Ok(true);
                    }
                    hooks::trace(Kind::Timeout, Op::Wait, self.obj, 0);
                    return Ok(false);
                }
                Err(stop) => {
                    self.give_up(me);
                    return Err(stop.into());
                }
            }
        }
    }

    /// Leaves the waiter list, unless `notify` already took this waiter out: returns
    /// whether it was notified. Under the list's guard, so it cannot race a notify.
    fn give_up(&self, me: &Waiter) -> bool {
        let mut q = guard(&self.waiters);
        if me.state.load(Ordering::Acquire) == NOTIFIED {
            return true;
        }
        q.retain(|w| !core::ptr::eq(&**w, me));
        false
    }

    /// `wait_for(predicate, timeout=None)`: waits until `predicate()` is true, re-checking
    /// it after each wake-up, for at most `timeout` lesson seconds in all. Returns the
    /// predicate's last value. Call it holding the lock, like `wait`.
    pub fn wait_for(&self, mut predicate: impl FnMut() -> bool, timeout: Option<f64>) -> PyResult<bool> {
        // Python's loop, step for step: the first round waits the whole timeout, later
        // rounds what is left of it, and an expired deadline ends the loop.
        let mut deadline: Option<u64> = None;
        let mut wait_time = timeout;
        let mut result = predicate();
        while !result {
            if let Some(t) = timeout {
                match deadline {
                    None => deadline = super::deadline(Some(t)),
                    Some(d) => {
                        let left_ns = d.saturating_sub(hooks::now_ns());
                        if left_ns == 0 {
                            break;
                        }
                        // Back to lesson seconds: real_ns(1.0) is the real length of one.
                        wait_time = Some(left_ns as f64 / hooks::real_ns(1.0).max(1) as f64);
                    }
                }
            }
            self.wait(wait_time)?;
            result = predicate();
        }
        Ok(result)
    }

    /// `notify(n=1)`: wakes at most `n` of the threads waiting now, oldest first. Raises
    /// `RuntimeError` when the lock is not held.
    pub fn notify(&self, n: usize) -> PyResult<()> {
        self.notify_op(n, Op::Notify)
    }

    /// `notify_all()`: wakes every thread waiting now.
    pub fn notify_all(&self) -> PyResult<()> {
        self.notify_op(usize::MAX, Op::NotifyAll)
    }

    fn notify_op(&self, n: usize, op: Op) -> PyResult<()> {
        hooks::point(Op::Notify, self.obj);
        if !self.lock.is_owned() {
            let e = PyErr::runtime("cannot notify on un-acquired lock");
            hooks::trace_fail(op, self.obj, &e);
            return Err(e);
        }
        let picked: Vec<Arc<Waiter>> = {
            let mut q = guard(&self.waiters);
            let k = n.min(q.len());
            // Recorded before any waiter can see its notification, so that the trace
            // shows the notify before the wake-ups it causes.
            hooks::trace(Kind::Signal, op, self.obj, k as u64);
            q.drain(..k).inspect(|w| w.state.store(NOTIFIED, Ordering::Release)).collect()
        };
        // Woken after the guard is dropped: the syscalls need not hold up other waiters.
        // Each waiter is kept alive by its Arc here even if it has already returned.
        for w in &picked {
            hooks::wake_one(&w.state);
        }
        Ok(())
    }
}
