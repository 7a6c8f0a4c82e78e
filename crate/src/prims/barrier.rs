//! `threading.Barrier`: `parties` threads wait for each other, then all go on together.

use super::{guard, Mutex};
use crate::error::{PyErr, PyResult};
use crate::hooks::{self, Park};
use crate::sync::{AtomicU32, Ordering};
use crate::trace::{Kind, ObjKind, Op};
use std::sync::Arc;

// The states of one generation's word: how that round ended, for those waiting in it.
const FILLING: u32 = 0;
const RELEASED: u32 = 1;
const BROKEN: u32 = 2;

/// One round of the barrier. Its waiters sleep on its own word, so a round that ended
/// stays ended for them even if the next round has already filled, broken or been reset
/// by the time they wake (Python gets the same by not letting anyone in until the last
/// round has drained; here newcomers start the next round at once).
struct Generation {
    state: AtomicU32,
}

impl Generation {
    fn new() -> Arc<Generation> {
        Arc::new(Generation { state: AtomicU32::new(FILLING) })
    }

    /// Ends the round; its waiters are woken by the caller once the guard is dropped.
    fn end(&self, how: u32) {
        self.state.store(how, Ordering::Release);
    }
}

struct State {
    /// Threads arrived in the current round: the next arrival's index.
    count: u32,
    /// Broken by abort() or a timeout: every wait() raises until reset().
    broken: bool,
    current: Arc<Generation>,
}

/// `threading.Barrier(parties, timeout=None)`.
///
/// Each `wait()` blocks until `parties` threads have called it; then all of them return,
/// each with a distinct index from 0 to `parties - 1` (the order of arrival), and the
/// barrier is ready for the next round. A wait that times out breaks the barrier for
/// everyone: the threads waiting and every later `wait()` raise `BrokenBarrierError`
/// until `reset()`. `abort()` breaks it on purpose.
///
/// In the trace, a successful `wait` records its index.
///
/// # Examples
/// ```
/// use parlab::prims::Barrier;
/// let b = Barrier::new(1, None).unwrap();
/// assert_eq!(b.wait(None), Ok(0)); // one party: never waits
/// b.abort();
/// assert!(b.broken());
/// assert_eq!(b.wait(None).unwrap_err().to_string(), "threading.BrokenBarrierError");
/// b.reset();
/// assert_eq!(b.wait(None), Ok(0));
/// assert_eq!(Barrier::new(0, None).err().unwrap().to_string(), "ValueError: parties must be >= 1");
/// ```
pub struct Barrier {
    parties: u32,
    timeout: Option<f64>,
    /// Bookkeeping guard, held for a few instructions and never across a wait.
    state: Mutex<State>,
    obj: u32,
}

impl Barrier {
    /// `Barrier(parties, timeout=None)`: `timeout` (lesson seconds) is the default for
    /// `wait()`. Fewer than one party raises `ValueError`.
    pub fn new(parties: u32, timeout: Option<f64>) -> PyResult<Barrier> {
        Barrier::named("barrier", parties, timeout)
    }

    /// A barrier shown as `name` in the trace.
    pub fn named(name: &str, parties: u32, timeout: Option<f64>) -> PyResult<Barrier> {
        if parties < 1 {
            return Err(PyErr::value("parties must be >= 1"));
        }
        Ok(Barrier {
            parties,
            timeout,
            state: Mutex::new(State { count: 0, broken: false, current: Generation::new() }),
            obj: hooks::new_object(ObjKind::Barrier, name),
        })
    }

    /// The trace object id (0 outside a run).
    pub fn obj(&self) -> u32 {
        self.obj
    }

    /// `parties`.
    pub fn parties(&self) -> u32 {
        self.parties
    }

    /// `n_waiting`: threads waiting in the current round (0 while broken).
    pub fn n_waiting(&self) -> u32 {
        let st = guard(&self.state);
        if st.broken {
            0
        } else {
            st.count
        }
    }

    /// `broken`.
    pub fn broken(&self) -> bool {
        guard(&self.state).broken
    }

    /// `wait(timeout=None)`: `None` uses the barrier's default timeout. Returns this
    /// thread's index in its round; raises `BrokenBarrierError` if the barrier is or
    /// becomes broken (aborted, reset, or a timeout, which breaks it for everyone).
    pub fn wait(&self, timeout: Option<f64>) -> PyResult<u32> {
        hooks::point(Op::Wait, self.obj);
        let timeout = timeout.or(self.timeout);
        let (index, round) = {
            let mut st = guard(&self.state);
            hooks::trace(Kind::Attempt, Op::Wait, self.obj, st.count as u64);
            if st.broken {
                drop(st);
                return Err(self.broken_error());
            }
            let index = st.count;
            if index + 1 == self.parties {
                // The last one in: end the round for everyone and open the next.
                // Recorded under the guard, before any waiter can see the release.
                hooks::trace(Kind::Ok, Op::Wait, self.obj, index as u64);
                let round = core::mem::replace(&mut st.current, Generation::new());
                st.count = 0;
                round.end(RELEASED);
                drop(st);
                hooks::wake_all(&round.state);
                return Ok(index);
            }
            st.count += 1;
            (index, st.current.clone())
        };
        self.wait_slow(index, &round, timeout)
    }

    #[cold]
    fn wait_slow(&self, index: u32, round: &Arc<Generation>, timeout: Option<f64>) -> PyResult<u32> {
        // Python's wait_for(pred, t <= 0) does not sleep: it times out at once.
        let deadline = if timeout.is_some_and(|t| !(t > 0.0)) { Some(0) } else { super::deadline(timeout) };
        hooks::trace(Kind::Block, Op::Wait, self.obj, 0);
        loop {
            match round.state.load(Ordering::Acquire) {
                RELEASED => {
                    hooks::trace(Kind::Ok, Op::Wait, self.obj, index as u64);
                    return Ok(index);
                }
                BROKEN => return Err(self.broken_error()),
                _ => {}
            }
            let parked = if deadline == Some(0) {
                Ok(Park::TimedOut)
            } else {
                hooks::park(&round.state, FILLING, deadline, self.obj)
            };
            match parked {
                Ok(Park::Woken) => {}
                Ok(Park::TimedOut) => {
                    // Break the round unless it ended just now (then its outcome stands).
                    if self.break_round(round) {
                        hooks::trace(Kind::Timeout, Op::Wait, self.obj, 0);
                        return Err(self.broken_error());
                    }
                }
                // Stopped: Python breaks the barrier when a wait is interrupted, so that
                // nobody else waits for a party that will never come.
                Err(stop) => {
                    self.break_round(round);
                    return Err(stop.into());
                }
            }
        }
    }

    /// Breaks the barrier if `round` is still the one filling. Returns whether it did.
    fn break_round(&self, round: &Arc<Generation>) -> bool {
        let mut st = guard(&self.state);
        if !Arc::ptr_eq(&st.current, round) || round.state.load(Ordering::Relaxed) != FILLING {
            return false;
        }
        self.break_locked(&mut st);
        true
    }

    /// Puts the barrier in the broken state and wakes the current round's waiters.
    fn break_locked(&self, st: &mut State) {
        st.broken = true;
        st.count = 0;
        let round = core::mem::replace(&mut st.current, Generation::new());
        round.end(BROKEN);
        hooks::wake_all(&round.state);
    }

    /// `abort()`: breaks the barrier; waiting threads and later `wait()`s raise
    /// `BrokenBarrierError` until `reset()`.
    pub fn abort(&self) {
        hooks::point(Op::Abort, self.obj);
        let mut st = guard(&self.state);
        hooks::trace(Kind::Signal, Op::Abort, self.obj, 0);
        self.break_locked(&mut st);
    }

    /// `reset()`: back to the empty, unbroken state; threads waiting now raise
    /// `BrokenBarrierError`.
    pub fn reset(&self) {
        hooks::point(Op::Reset, self.obj);
        let mut st = guard(&self.state);
        hooks::trace(Kind::Signal, Op::Reset, self.obj, 0);
        if st.count > 0 {
            self.break_locked(&mut st);
        }
        st.broken = false;
    }

    #[cold]
    fn broken_error(&self) -> PyErr {
        let e = PyErr::BrokenBarrierError;
        hooks::trace_fail(Op::Wait, self.obj, &e);
        e
    }
}
