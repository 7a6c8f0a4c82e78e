//! `threading.Event`: a flag that threads wait on until another thread sets it.

use crate::error::PyResult;
use crate::hooks::{self, Park};
use crate::sync::{AtomicU32, Ordering};
use crate::trace::{Kind, ObjKind, Op};

/// Bit 0 of `Event::word`: the flag.
const FLAG: u32 = 1;
/// The rest of the word counts the `set()` calls that raised the flag. A waiter that
/// sees the count move knows a `set()` happened while it slept, even if `clear()` lowered
/// the flag again before it woke: Python's `set()` wakes every waiter, and each of them
/// returns True, whatever `clear()` does next. (The count wraps after 2^31 sets; a
/// waiter would have to sleep through exactly that many to miss one.)
const SET_ONE: u32 = 2;

/// `threading.Event()`.
///
/// `set()` raises the flag and wakes every waiter; `clear()` lowers it; `wait()` returns
/// at once while it is raised, and otherwise blocks until a `set()`.
///
/// # Examples
/// ```
/// use parlab::prims::Event;
/// let ev = Event::new();
/// assert_eq!(ev.wait(Some(0.0)), Ok(false)); // not set: times out
/// ev.set();
/// assert!(ev.is_set());
/// assert_eq!(ev.wait(None), Ok(true)); // set: returns at once
/// ev.clear();
/// assert!(!ev.is_set());
/// ```
pub struct Event {
    word: AtomicU32,
    obj: u32,
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl Event {
    pub fn new() -> Event {
        Event::named("event")
    }

    /// An event shown as `name` in the trace.
    pub fn named(name: &str) -> Event {
        Event::with_obj(hooks::new_object(ObjKind::Event, name))
    }

    /// An event whose operations are recorded on an existing trace object (a `Timer`
    /// shows its internal event as itself).
    pub(crate) fn with_obj(obj: u32) -> Event {
        Event { word: AtomicU32::new(0), obj }
    }

    /// The trace object id (0 outside a run).
    pub fn obj(&self) -> u32 {
        self.obj
    }

    /// `is_set()`.
    pub fn is_set(&self) -> bool {
        self.word.load(Ordering::Acquire) & FLAG != 0
    }

    /// `set()`: raises the flag and wakes every thread waiting for it.
    pub fn set(&self) {
        hooks::point(Op::Set, self.obj);
        self.set_as(Some(Op::Set))
    }

    /// `set()` recorded as `op` (a Timer's cancel), or not at all.
    pub(crate) fn set_as(&self, op: Option<Op>) {
        // Recorded before the flag becomes visible, so that every waiter's Ok comes after it.
        if let Some(op) = op {
            hooks::trace(Kind::Signal, op, self.obj, 1);
        }
        let mut w = self.word.load(Ordering::Relaxed);
        loop {
            if w & FLAG != 0 {
                // Already set: nobody can be waiting.
                return;
            }
            // Release: what the setter did before set() is visible to whoever sees it.
            match self.word.compare_exchange_weak(
                w,
                w.wrapping_add(SET_ONE) | FLAG,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => w = now,
            }
        }
        hooks::wake_all(&self.word);
    }

    /// `clear()`: lowers the flag; later `wait()`s block until the next `set()`.
    pub fn clear(&self) {
        hooks::point(Op::Clear, self.obj);
        self.word.fetch_and(!FLAG, Ordering::Relaxed);
        hooks::trace(Kind::Signal, Op::Clear, self.obj, 0);
    }

    /// `wait(timeout=None)`, timeout in lesson seconds: returns True once the flag is set
    /// (at once if it already is), False when the timeout passes first.
    pub fn wait(&self, timeout: Option<f64>) -> PyResult<bool> {
        hooks::point(Op::Wait, self.obj);
        let w = self.word.load(Ordering::Acquire);
        hooks::trace(Kind::Attempt, Op::Wait, self.obj, (w & FLAG) as u64);
        if w & FLAG != 0 {
            hooks::trace(Kind::Ok, Op::Wait, self.obj, 1);
            return Ok(true);
        }
        // Python's wait(0) (or a negative or NaN timeout) only looks at the flag.
        if timeout.is_some_and(|t| !(t > 0.0)) {
            hooks::trace(Kind::Timeout, Op::Wait, self.obj, 0);
            return Ok(false);
        }
        self.wait_slow(w, super::deadline(timeout))
    }

    #[cold]
    fn wait_slow(&self, seen: u32, deadline: Option<u64>) -> PyResult<bool> {
        hooks::trace(Kind::Block, Op::Wait, self.obj, 0);
        loop {
            let parked = hooks::park(&self.word, seen, deadline, self.obj)?;
            // Any change of the word while the flag was down is a set(): clear() alone
            // cannot change a word whose flag is already down.
            if self.word.load(Ordering::Acquire) != seen {
                hooks::trace(Kind::Ok, Op::Wait, self.obj, 1);
                return Ok(true);
            }
            if parked == Park::TimedOut {
                hooks::trace(Kind::Timeout, Op::Wait, self.obj, 0);
                return Ok(false);
            }
        }
    }
}
