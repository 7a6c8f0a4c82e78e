//! `threading.Semaphore` and `threading.BoundedSemaphore`: a counter that `acquire`
//! decrements, blocking at 0, and `release` increments.

use crate::error::{PyErr, PyResult};
use crate::hooks::{self, Park};
use crate::sync::{AtomicU32, Ordering};
use crate::trace::{Kind, ObjKind, Op};

/// The counter's ceiling for an unbounded semaphore (the counter is a 32-bit futex word).
const NO_LIMIT: u32 = u32::MAX;

/// `threading.Semaphore(value)`.
///
/// `acquire()` takes one unit, blocking while the counter is 0; `release(n)` gives `n`
/// back and wakes up to `n` waiters. Which waiter gets a unit is not specified (as in
/// Python), and a thread arriving just then may take it first.
///
/// In the trace, every operation carries the counter's value after it.
///
/// # Examples
/// ```
/// use parlab::prims::Semaphore;
/// let sem = Semaphore::new(2).unwrap();
/// assert_eq!(sem.acquire_with(false, None), Ok(true));
/// assert_eq!(sem.acquire_with(false, None), Ok(true));
/// assert_eq!(sem.acquire_with(false, None), Ok(false)); // the counter is 0
/// sem.release(2).unwrap();
/// assert_eq!(sem.value(), 2);
/// assert_eq!(Semaphore::new(-1).err().unwrap().to_string(), "ValueError: semaphore initial value must be >= 0");
/// ```
pub struct Semaphore {
    /// The counter, and the futex word that waiters sleep on while it is 0.
    value: AtomicU32,
    /// Threads about to sleep or sleeping: `release` skips the wake syscall when 0.
    sleepers: AtomicU32,
    /// The initial value for a BoundedSemaphore, `NO_LIMIT` otherwise.
    limit: u32,
    obj: u32,
}

impl Semaphore {
    /// `Semaphore(value)`; a negative value raises `ValueError`.
    pub fn new(value: i64) -> PyResult<Semaphore> {
        Semaphore::named("semaphore", value)
    }

    /// A semaphore shown as `name` in the trace.
    pub fn named(name: &str, value: i64) -> PyResult<Semaphore> {
        Semaphore::build(name, value, false)
    }

    fn build(name: &str, value: i64, bounded: bool) -> PyResult<Semaphore> {
        if value < 0 {
            return Err(PyErr::value("semaphore initial value must be >= 0"));
        }
        // The counter is one futex word; Python's ints have no such bound.
        let value = u32::try_from(value).ok().filter(|v| *v < NO_LIMIT).ok_or_else(too_large)?;
        let kind = if bounded { ObjKind::BoundedSemaphore } else { ObjKind::Semaphore };
        Ok(Semaphore {
            value: AtomicU32::new(value),
            sleepers: AtomicU32::new(0),
            limit: if bounded { value } else { NO_LIMIT },
            obj: hooks::new_object(kind, name),
        })
    }

    /// The trace object id (0 outside a run).
    pub fn obj(&self) -> u32 {
        self.obj
    }

    /// The counter now (Python's `_value`).
    pub fn value(&self) -> u32 {
        self.value.load(Ordering::Relaxed)
    }

    /// `acquire()`: blocks until a unit is taken.
    #[inline]
    pub fn acquire(&self) -> PyResult<()> {
        self.acquire_with(true, None).map(drop)
    }

    /// `acquire(blocking, timeout)`, timeout in lesson seconds. Returns whether a unit was
    /// taken.
    ///
    /// Its argument checks are Python's `Semaphore.acquire`'s, not `Lock.acquire`'s: a
    /// timeout with `blocking=False` raises "can't specify timeout for non-blocking
    /// acquire", and a negative timeout just means "do not wait".
    #[inline]
    pub fn acquire_with(&self, blocking: bool, timeout: Option<f64>) -> PyResult<bool> {
        hooks::point(Op::Acquire, self.obj);
        if !blocking && timeout.is_some() {
            let e = PyErr::value("can't specify timeout for non-blocking acquire");
            hooks::trace_fail(Op::Acquire, self.obj, &e);
            return Err(e);
        }
        hooks::trace(Kind::Attempt, Op::Acquire, self.obj, self.value() as u64);
        if self.try_take() {
            return Ok(true);
        }
        // Python's wait(t <= 0) does not block: only the one try above.
        if !blocking || timeout.is_some_and(|t| !(t > 0.0)) {
            hooks::trace(Kind::Timeout, Op::Acquire, self.obj, self.value() as u64);
            return Ok(false);
        }
        self.acquire_slow(super::deadline(timeout))
    }

    /// Takes a unit if there is one, recording the counter it leaves.
    #[inline]
    fn try_take(&self) -> bool {
        let mut v = self.value.load(Ordering::Relaxed);
        while v > 0 {
            match self.value.compare_exchange_weak(v, v - 1, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => {
                    hooks::trace(Kind::Ok, Op::Acquire, self.obj, (v - 1) as u64);
                    return true;
                }
                Err(now) => v = now,
            }
        }
        false
    }

    #[cold]
    fn acquire_slow(&self, deadline: Option<u64>) -> PyResult<bool> {
        hooks::trace(Kind::Block, Op::Acquire, self.obj, 0);
        loop {
            // Announce the sleep, then re-check the counter (both SeqCst): either this
            // load sees a concurrent release's unit, or that release sees `sleepers > 0`
            // and wakes us. The futex itself re-checks `value == 0` atomically.
            self.sleepers.fetch_add(1, Ordering::SeqCst);
            let parked = if self.value.load(Ordering::SeqCst) == 0 {
                hooks::park(&self.value, 0, deadline, self.obj)
            } else {
                Ok(Park::Woken)
            };
            self.sleepers.fetch_sub(1, Ordering::Relaxed);
            let parked = parked?;
            // Re-check even after a timeout: a unit released just then is still ours to take.
            if self.try_take() {
                return Ok(true);
            }
            if parked == Park::TimedOut {
                hooks::trace(Kind::Timeout, Op::Acquire, self.obj, self.value() as u64);
                return Ok(false);
            }
        }
    }

    /// `release(n=1)`: gives `n` units back and wakes up to `n` waiters. `n < 1` raises
    /// `ValueError`, and so does a BoundedSemaphore released past its initial value.
    pub fn release(&self, n: u32) -> PyResult<()> {
        hooks::point(Op::Release, self.obj);
        if n < 1 {
            return Err(self.fail(PyErr::value("n must be one or more")));
        }
        let mut v = self.value.load(Ordering::Relaxed);
        let mut recorded = false;
        loop {
            let new = match v.checked_add(n).filter(|x| *x < NO_LIMIT) {
                None => return Err(self.fail(too_large())),
                Some(x) if x > self.limit => return Err(self.fail(PyErr::value("Semaphore released too many times"))),
                Some(x) => x,
            };
            // Recorded before the units become visible, so that a thread taking one is
            // always recorded after this release (the "never more than N inside" insights
            // count on that order). The value is exact unless another release or acquire
            // raced this one, and it is recorded once even if the exchange is retried.
            if !recorded {
                hooks::trace(Kind::Signal, Op::Release, self.obj, new as u64);
                recorded = true;
            }
            match self.value.compare_exchange_weak(v, new, Ordering::SeqCst, Ordering::Relaxed) {
                Ok(_) => break,
                Err(now) => v = now,
            }
        }
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            super::wake_n(&self.value, n);
        }
        Ok(())
    }

    /// `with sem:` runs `f` holding one unit and gives it back however `f` ends.
    pub fn with<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        self.acquire()?;
        let r = f();
        let released = self.release(1);
        let v = r?;
        released.map(|_| v)
    }

    #[cold]
    fn fail(&self, e: PyErr) -> PyErr {
        hooks::trace_fail(Op::Release, self.obj, &e);
        e
    }
}

fn too_large() -> PyErr {
    PyErr::Other { class: "OverflowError".into(), message: "semaphore value too large".into() }
}

/// `threading.BoundedSemaphore(value)`: a [`Semaphore`] whose counter may never exceed
/// its initial value; releasing past it raises `ValueError`.
///
/// # Examples
/// ```
/// use parlab::prims::BoundedSemaphore;
/// let sem = BoundedSemaphore::new(1).unwrap();
/// sem.acquire().unwrap();
/// sem.release(1).unwrap();
/// assert_eq!(sem.release(1).unwrap_err().to_string(), "ValueError: Semaphore released too many times");
/// ```
pub struct BoundedSemaphore(Semaphore);

impl BoundedSemaphore {
    /// `BoundedSemaphore(value)`; a negative value raises `ValueError`.
    pub fn new(value: i64) -> PyResult<BoundedSemaphore> {
        BoundedSemaphore::named("bounded_semaphore", value)
    }

    /// A bounded semaphore shown as `name` in the trace.
    pub fn named(name: &str, value: i64) -> PyResult<BoundedSemaphore> {
        Semaphore::build(name, value, true).map(BoundedSemaphore)
    }

    pub fn obj(&self) -> u32 {
        self.0.obj()
    }

    /// The counter now.
    pub fn value(&self) -> u32 {
        self.0.value()
    }

    /// The initial value, which the counter may not exceed.
    pub fn initial_value(&self) -> u32 {
        self.0.limit
    }

    /// See [`Semaphore::acquire`].
    pub fn acquire(&self) -> PyResult<()> {
        self.0.acquire()
    }

    /// See [`Semaphore::acquire_with`].
    pub fn acquire_with(&self, blocking: bool, timeout: Option<f64>) -> PyResult<bool> {
        self.0.acquire_with(blocking, timeout)
    }

    /// `release(n=1)`; raises `ValueError("Semaphore released too many times")` past the
    /// initial value, leaving the counter unchanged.
    pub fn release(&self, n: u32) -> PyResult<()> {
        self.0.release(n)
    }

    /// See [`Semaphore::with`].
    pub fn with<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        self.0.with(f)
    }
}
