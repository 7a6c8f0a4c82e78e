//! `threading.Lock`: a mutual-exclusion lock that any thread may release.

use crate::error::{check_timeout_args, PyErr, PyResult};
use crate::futex;
use crate::hooks::{self, Park};
use crate::sync::{AtomicU32, Ordering};
use crate::trace::{Kind, ObjKind, Op};

// The states of `Lock::state` (the std futex mutex's scheme).
const UNLOCKED: u32 = 0;
/// Locked, and nobody sleeps on it: release need not wake anyone.
const LOCKED: u32 = 1;
/// Locked, and someone may sleep on it: release must wake one.
const CONTENDED: u32 = 2;

/// `threading.Lock()`.
///
/// Unlike a Rust `Mutex`, a Python lock has no owner: any thread may release it, and
/// re-acquiring it in the thread that holds it blocks forever (a self-deadlock that the
/// watchdog reports).
///
/// # Examples
/// ```
/// use parlab::prims::Lock;
/// let lock = Lock::new();
/// assert_eq!(lock.acquire_with(false, None), Ok(true));
/// assert_eq!(lock.acquire_with(false, None), Ok(false)); // held: a non-blocking try fails
/// lock.release().unwrap();
/// assert_eq!(lock.release().unwrap_err().to_string(), "RuntimeError: release unlocked lock");
/// ```
pub struct Lock {
    state: AtomicU32,
    obj: u32,
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

impl Lock {
    pub fn new() -> Lock {
        Lock::named("lock")
    }

    /// A lock shown as `name` in the trace.
    pub fn named(name: &str) -> Lock {
        Lock { state: AtomicU32::new(UNLOCKED), obj: hooks::new_object(ObjKind::Lock, name) }
    }

    /// The trace object id (0 outside a run).
    pub fn obj(&self) -> u32 {
        self.obj
    }

    /// `acquire()`: blocks until the lock is taken.
    #[inline]
    pub fn acquire(&self) -> PyResult<()> {
        self.acquire_with(true, None).map(drop)
    }

    /// `acquire(blocking, timeout)`, timeout in lesson seconds (`None` is Python's -1).
    /// Returns whether the lock was taken.
    #[inline]
    pub fn acquire_with(&self, blocking: bool, timeout: Option<f64>) -> PyResult<bool> {
        check_timeout_args(blocking, timeout)?;
        // The uncontended path records only its success: an `Attempt` that succeeds at
        // once says nothing the `Ok` does not, and would double the trace's cost here.
        if self.state.compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok() {
            self.taken();
            return Ok(true);
        }
        hooks::trace(Kind::Attempt, Op::Acquire, self.obj, 0);
        if !blocking {
            hooks::trace(Kind::Timeout, Op::Acquire, self.obj, 0);
            return Ok(false);
        }
        self.acquire_contended(timeout.map(|t| crate::clock::now_ns() + hooks::real_ns(t)))
    }

    #[cold]
    fn acquire_contended(&self, deadline: Option<u64>) -> PyResult<bool> {
        // Spin briefly first, as std's futex mutex does: a holder that releases within a
        // microsecond or so saves both threads a trip through the futex (and a worker a
        // sleep and wake-up, which costs far more in a browser). Not under loom, where a
        // spin multiplies the interleavings without modelling anything new.
        #[cfg(not(loom))]
        {
            let mut spins = 100;
            while spins > 0 && self.state.load(Ordering::Relaxed) == LOCKED {
                core::hint::spin_loop();
                spins -= 1;
            }
            if self.state.compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                self.taken();
                return Ok(true);
            }
        }
        hooks::trace(Kind::Block, Op::Acquire, self.obj, 0);
        loop {
            // Mark it contended before sleeping, so that the holder's release wakes us.
            if self.state.swap(CONTENDED, Ordering::Acquire) == UNLOCKED {
                self.taken();
                return Ok(true);
            }
            if hooks::park(&self.state, CONTENDED, deadline, self.obj)? == Park::TimedOut {
                hooks::trace(Kind::Timeout, Op::Acquire, self.obj, 0);
                return Ok(false);
            }
        }
    }

    #[inline]
    fn taken(&self) {
        hooks::set_holder(self.obj, true);
        hooks::trace(Kind::Ok, Op::Acquire, self.obj, 1);
    }

    /// `release()`: from any thread. Releasing an unlocked lock raises `RuntimeError`.
    pub fn release(&self) -> PyResult<()> {
        if self.state.load(Ordering::Relaxed) != UNLOCKED {
            // Recorded before the hand-over so that the trace shows release before acquire.
            hooks::set_holder(self.obj, false);
            hooks::trace(Kind::Signal, Op::Release, self.obj, 0);
        }
        match self.state.swap(UNLOCKED, Ordering::Release) {
            UNLOCKED => {
                let e = PyErr::runtime("release unlocked lock");
                hooks::trace_fail(Op::Release, self.obj, &e);
                Err(e)
            }
            CONTENDED => {
                futex::wake_one(&self.state);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// `locked()`.
    pub fn locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) != UNLOCKED
    }

    /// `with lock:` runs `f` holding the lock and releases it however `f` ends.
    pub fn with<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        self.acquire()?;
        let r = f();
        self.release()?;
        r
    }
}
