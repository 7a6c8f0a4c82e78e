//! `threading.Lock`: a mutual-exclusion lock that any thread may release.

use crate::error::{check_timeout_args, PyErr, PyResult};
use crate::hooks::{self, Park};
use crate::sync::{AtomicU32, Ordering};
use crate::trace::{Kind, ObjKind, Op};

// `Lock::state`: 0 when free. A held lock has LOCKED set, CONTENDED too once someone may
// sleep on it (the std futex mutex's scheme), and its holder's thread id above those two
// bits (0 outside a run). Keeping the holder in the word that acquiring writes anyway
// costs nothing; the watchdog learns it from the waiters, who copy it out before they
// sleep (a separate holder table written on every acquire and release was two more
// stores per pair, each a full barrier in wasm).
const UNLOCKED: u32 = 0;
const LOCKED: u32 = 1;
/// Someone may sleep on it: release must wake one.
const CONTENDED: u32 = 2;
const HOLDER_SHIFT: u32 = 2;

/// Looks at a held lock before queueing for it. About a microsecond either way: a pause
/// instruction takes tens of cycles, but wasm has none (`spin_loop` compiles to nothing
/// there), so a worker needs twenty times the iterations. With 100 it gave up after some
/// 50 ns: two workers sharing a lock queued 2-34 times per 1000 acquires (the median of a
/// bench run's samples) where native threads queue 0-2; with 2000, 0-2 as well.
const SPINS: u32 = if cfg!(target_arch = "wasm32") { 2_000 } else { 100 };

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
        hooks::point(Op::Acquire, self.obj);
        check_timeout_args(blocking, timeout)?;
        let me = hooks::tid() << HOLDER_SHIFT;
        // The uncontended path records only its success: an `Attempt` that succeeds at
        // once says nothing the `Ok` does not, and would double the trace's cost here.
        if self.state.compare_exchange(UNLOCKED, me | LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok() {
            self.taken();
            return Ok(true);
        }
        hooks::trace(Kind::Attempt, Op::Acquire, self.obj, 0);
        if !blocking {
            hooks::trace(Kind::Timeout, Op::Acquire, self.obj, 0);
            return Ok(false);
        }
        self.acquire_contended(me, timeout.map(|t| hooks::deadline_after(t)))
    }

    #[cold]
    fn acquire_contended(&self, me: u32, deadline: Option<u64>) -> PyResult<bool> {
        // Spin briefly first, as std's futex mutex does: a holder that releases within a
        // microsecond or so saves both threads a trip through the futex (and a worker a
        // sleep and wake-up, which costs far more in a browser). Not under loom, where a
        // spin multiplies the interleavings without modelling anything new.
        #[cfg(not(loom))]
        {
            let mut spins = SPINS;
            while spins > 0 && {
                let s = self.state.load(Ordering::Relaxed);
                s != UNLOCKED && s & CONTENDED == 0
            } {
                core::hint::spin_loop();
                spins -= 1;
            }
            if self.state.compare_exchange(UNLOCKED, me | LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                self.taken();
                return Ok(true);
            }
        }
        hooks::trace(Kind::Block, Op::Acquire, self.obj, 0);
        loop {
            let s = self.state.load(Ordering::Relaxed);
            if s == UNLOCKED {
                // Taken as contended: others may still sleep on it.
                if self
                    .state
                    .compare_exchange(UNLOCKED, me | LOCKED | CONTENDED, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    // Those sleepers copied out the previous holder: correct it for them.
                    hooks::set_holder(self.obj, me >> HOLDER_SHIFT);
                    self.taken();
                    return Ok(true);
                }
                continue;
            }
            // Mark it contended before sleeping, so that the holder's release wakes us.
            if s & CONTENDED == 0
                && self.state.compare_exchange(s, s | CONTENDED, Ordering::Relaxed, Ordering::Relaxed).is_err()
            {
                continue;
            }
            hooks::set_holder(self.obj, s >> HOLDER_SHIFT);
            if hooks::park(&self.state, s | CONTENDED, deadline, self.obj)? == Park::TimedOut {
                // A wake-up meant for us may have come with the timeout: pass it on, or a
                // sleeper behind us could miss a release.
                hooks::wake_one(&self.state);
                hooks::trace(Kind::Timeout, Op::Acquire, self.obj, 0);
                return Ok(false);
            }
        }
    }

    #[inline]
    fn taken(&self) {
        hooks::trace(Kind::Ok, Op::Acquire, self.obj, 1);
    }

    /// `release()`: from any thread. Releasing an unlocked lock raises `RuntimeError`.
    pub fn release(&self) -> PyResult<()> {
        hooks::point(Op::Release, self.obj);
        if self.state.load(Ordering::Relaxed) != UNLOCKED {
            // Recorded before the hand-over so that the trace shows release before acquire.
            hooks::trace(Kind::Signal, Op::Release, self.obj, 0);
        }
        match self.state.swap(UNLOCKED, Ordering::Release) {
            UNLOCKED => {
                let e = PyErr::runtime("release unlocked lock");
                hooks::trace_fail(Op::Release, self.obj, &e);
                Err(e)
            }
            s if s & CONTENDED != 0 => {
                hooks::wake_one(&self.state);
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
