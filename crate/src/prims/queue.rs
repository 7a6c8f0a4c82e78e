//! `queue.Queue`: a FIFO between threads, optionally bounded, with `task_done` and `join`.

use super::{guard, Mutex};
use crate::error::{PyErr, PyResult};
use crate::hooks::{self, Park};
use crate::sync::{AtomicU32, Ordering};
use crate::trace::{Kind, ObjKind, Op};
use std::collections::VecDeque;

struct State<T> {
    items: VecDeque<T>,
    /// Items put and not yet marked `task_done()`.
    unfinished: u64,
    /// Threads sleeping (or about to) on each word: a signal skips the syscall at 0.
    getters: u32,
    putters: u32,
    joiners: u32,
}

/// `queue.Queue(maxsize=0)`: `maxsize <= 0` means unbounded.
///
/// `put` blocks while a bounded queue is full, `get` while the queue is empty; with
/// `block=False`, or when the timeout passes, they raise `queue.Full` / `queue.Empty`.
/// `task_done()` marks a got item as handled, and `join()` waits until every item ever
/// put has been.
///
/// The items sit behind a std `Mutex`, held for a push or a pop and never across a
/// wait (lesson threads are workers, which may block; the page never calls a queue).
/// Each of Python's three conditions (not_empty, not_full, all_tasks_done) is a futex
/// word used as a sequence number: a waiter reads it, checks the queue under the guard,
/// and sleeps only if the word has not moved since, so no signal slips between the
/// check and the sleep.
///
/// In the trace, `put` and `get` record the queue's size after them.
///
/// # Examples
/// ```
/// use parlab::prims::Queue;
/// use parlab::PyErr;
/// let q = Queue::new(1);
/// q.put("a", true, None).unwrap();
/// assert_eq!(q.put_nowait("b"), Err(PyErr::Full)); // maxsize 1
/// assert_eq!(q.get(true, None), Ok("a"));
/// assert_eq!(q.get(true, Some(0.01)), Err(PyErr::Empty)); // times out
/// q.task_done().unwrap();
/// assert_eq!(q.task_done().unwrap_err().to_string(), "ValueError: task_done() called too many times");
/// q.join().unwrap(); // nothing unfinished: returns at once
/// ```
pub struct Queue<T> {
    /// 0: unbounded.
    maxsize: usize,
    state: Mutex<State<T>>,
    not_empty: AtomicU32,
    not_full: AtomicU32,
    all_done: AtomicU32,
    obj: u32,
}

impl<T> Queue<T> {
    /// `queue.Queue(maxsize)`.
    pub fn new(maxsize: i64) -> Queue<T> {
        Queue::named("queue", maxsize)
    }

    /// A queue shown as `name` in the trace.
    pub fn named(name: &str, maxsize: i64) -> Queue<T> {
        Queue {
            maxsize: usize::try_from(maxsize.max(0)).unwrap_or(usize::MAX),
            state: Mutex::new(State { items: VecDeque::new(), unfinished: 0, getters: 0, putters: 0, joiners: 0 }),
            not_empty: AtomicU32::new(0),
            not_full: AtomicU32::new(0),
            all_done: AtomicU32::new(0),
            obj: hooks::new_object(ObjKind::Queue, name),
        }
    }

    /// The trace object id (0 outside a run).
    pub fn obj(&self) -> u32 {
        self.obj
    }

    /// `maxsize` (0 for unbounded).
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// `qsize()`.
    pub fn qsize(&self) -> usize {
        guard(&self.state).items.len()
    }

    /// `empty()`.
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// `full()`: always False for an unbounded queue.
    pub fn full(&self) -> bool {
        self.is_full(&guard(&self.state))
    }

    fn is_full(&self, st: &State<T>) -> bool {
        self.maxsize > 0 && st.items.len() >= self.maxsize
    }

    /// `put(item, block=True, timeout=None)`: appends `item`, waiting for room in a full
    /// bounded queue. Raises `queue.Full` (dropping the item) when `block` is False and
    /// the queue is full, or when `timeout` lesson seconds pass first.
    pub fn put(&self, item: T, block: bool, timeout: Option<f64>) -> PyResult<()> {
        hooks::point(Op::Put, self.obj);
        check_timeout(block, timeout, Op::Put, self.obj)?;
        let mut item = Some(item);
        let done = self.wait_until(Op::Put, &self.not_full, block, timeout, State::putters, |st| {
            if self.is_full(st) {
                return None;
            }
            st.items.push_back(item.take().expect("put once"));
            st.unfinished += 1;
            Some(())
        })?;
        match done {
            Some(((), wake)) => {
                if wake {
                    hooks::wake_one(&self.not_empty);
                }
                Ok(())
            }
            None => Err(self.fail(Op::Put, PyErr::Full)),
        }
    }

    /// `put_nowait(item)`: `put(item, block=False)`.
    pub fn put_nowait(&self, item: T) -> PyResult<()> {
        self.put(item, false, None)
    }

    /// `get(block=True, timeout=None)`: removes and returns the oldest item, waiting
    /// for one. Raises `queue.Empty` when `block` is False and the queue is empty, or
    /// when `timeout` lesson seconds pass first.
    pub fn get(&self, block: bool, timeout: Option<f64>) -> PyResult<T> {
        hooks::point(Op::Get, self.obj);
        check_timeout(block, timeout, Op::Get, self.obj)?;
        let done =
            self.wait_until(Op::Get, &self.not_empty, block, timeout, State::getters, |st| st.items.pop_front())?;
        match done {
            Some((item, wake)) => {
                if wake {
                    hooks::wake_one(&self.not_full);
                }
                Ok(item)
            }
            None => Err(self.fail(Op::Get, PyErr::Empty)),
        }
    }

    /// `get_nowait()`: `get(block=False)`.
    pub fn get_nowait(&self) -> PyResult<T> {
        self.get(false, None)
    }

    /// `task_done()`: marks one got item as handled; raises `ValueError` when called more
    /// times than items were put. The last one wakes every `join()`.
    pub fn task_done(&self) -> PyResult<()> {
        hooks::point(Op::TaskDone, self.obj);
        let wake = {
            let mut st = guard(&self.state);
            if st.unfinished == 0 {
                drop(st);
                return Err(self.fail(Op::TaskDone, PyErr::value("task_done() called too many times")));
            }
            st.unfinished -= 1;
            hooks::trace(Kind::Signal, Op::TaskDone, self.obj, st.unfinished);
            if st.unfinished == 0 && st.joiners > 0 {
                self.all_done.fetch_add(1, Ordering::Release);
                true
            } else {
                false
            }
        };
        if wake {
            hooks::wake_all(&self.all_done);
        }
        Ok(())
    }

    /// `join()`: blocks until every item ever put has been marked `task_done()`.
    pub fn join(&self) -> PyResult<()> {
        hooks::point(Op::Join, self.obj);
        self.wait_until(Op::Join, &self.all_done, true, None, State::joiners, |st| (st.unfinished == 0).then_some(()))?;
        Ok(())
    }

    /// The shared wait loop of put, get and join: runs `attempt` under the guard until it
    /// succeeds, sleeping on `word` in between. Returns `None` when it gave up (not
    /// blocking, or the timeout passed), and otherwise the result and whether a
    /// sleeper on the other side must be woken (the word to wake is the caller's).
    fn wait_until<R>(
        &self,
        op: Op,
        word: &AtomicU32,
        block: bool,
        timeout: Option<f64>,
        sleepers: fn(&mut State<T>) -> &mut u32,
        mut attempt: impl FnMut(&mut State<T>) -> Option<R>,
    ) -> PyResult<Option<(R, bool)>> {
        let deadline = super::deadline(timeout);
        let mut spun = false;
        let mut blocked = false;
        loop {
            // Read the sequence word before looking at the queue: a signal after this
            // read changes it, and then the spin or the park below returns at once.
            let seq = word.load(Ordering::Acquire);
            let mut st = guard(&self.state);
            if let Some(r) = attempt(&mut st) {
                let wake = self.signal(op, &mut st);
                return Ok(Some((r, wake)));
            }
            if block && !spun && op != Op::Join && deadline.is_none_or(|d| d > hooks::now_ns()) {
                // Watch the word for a moment before counting as a sleeper: the other
                // side bumps it on every put or get (join's word only moves for counted
                // sleepers, so join goes straight on), and wakes (a system call natively)
                // only counted sleepers. A consumer a hair ahead of its producer thus
                // costs the producer nothing; counted at once, it made every put wake
                // it, the producer slowed, and the consumer fell asleep ever more often.
                spun = true;
                drop(st);
                hooks::spin_until_changed(word, seq);
                continue;
            }
            // Like Lock, an op that succeeds at once (or after that moment) records only
            // its Ok; the attempt is worth an event only when it has to wait.
            if !blocked {
                hooks::trace(Kind::Attempt, op, self.obj, self.value(op, &st));
            }
            if !block || deadline.is_some_and(|d| d <= hooks::now_ns()) {
                hooks::trace(Kind::Timeout, op, self.obj, self.value(op, &st));
                return Ok(None);
            }
            *sleepers(&mut st) += 1;
            drop(st);
            if !blocked {
                blocked = true;
                hooks::trace(Kind::Block, op, self.obj, 0);
            }
            let parked = hooks::park(word, seq, deadline, self.obj);
            *sleepers(&mut guard(&self.state)) -= 1;
            // A timeout loops once more: the check above then gives up, unless what we
            // waited for arrived just now.
            let _: Park = parked?;
        }
    }

    /// Records a successful op (under the guard, so sizes are exact and in order) and
    /// bumps the word that the other side waits on. Returns whether a counted sleeper
    /// must be woken.
    fn signal(&self, op: Op, st: &mut State<T>) -> bool {
        hooks::trace(Kind::Ok, op, self.obj, self.value(op, st));
        let (word, waiting) = match op {
            Op::Put => (&self.not_empty, st.getters),
            // Nobody waits for room in an unbounded queue.
            Op::Get if self.maxsize > 0 => (&self.not_full, st.putters),
            _ => return false,
        };
        word.fetch_add(1, Ordering::Release);
        waiting > 0
    }

    /// The value an event of `op` records: the size, or for `join` the unfinished count.
    fn value(&self, op: Op, st: &State<T>) -> u64 {
        match op {
            Op::Join => st.unfinished,
            _ => st.items.len() as u64,
        }
    }

    #[cold]
    fn fail(&self, op: Op, e: PyErr) -> PyErr {
        hooks::trace_fail(op, self.obj, &e);
        e
    }
}

impl<T> State<T> {
    fn getters(&mut self) -> &mut u32 {
        &mut self.getters
    }
    fn putters(&mut self) -> &mut u32 {
        &mut self.putters
    }
    fn joiners(&mut self) -> &mut u32 {
        &mut self.joiners
    }
}

/// `queue`'s own argument check: a negative timeout is an error (unlike a semaphore's).
fn check_timeout(block: bool, timeout: Option<f64>, op: Op, obj: u32) -> PyResult<()> {
    match timeout {
        Some(t) if block && (t < 0.0 || t.is_nan()) => {
            let e = PyErr::value("'timeout' must be a non-negative number");
            hooks::trace_fail(op, obj, &e);
            Err(e)
        }
        _ => Ok(()),
    }
}
