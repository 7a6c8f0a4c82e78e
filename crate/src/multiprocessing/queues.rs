//! `multiprocessing.Queue` and `JoinableQueue`: a ring of the run's shared arena (a
//! one-way pipe) and, in each process that puts, a buffer and a feeder thread, as CPython
//! builds them.
//!
//! `put` serializes the item, counts it (the bounded semaphore of CPython: `Full` when
//! `maxsize` items are in), appends it to this process's buffer and returns: an unbounded
//! `put` never blocks. The process's `QueueFeederThread` (a daemon lesson thread, started
//! on the first `put`) writes the buffer to the ring, blocking while the ring is full. At
//! the process's exit the feeder's buffer is flushed first (CPython joins the feeder),
//! unless `cancel_join_thread()` was called. `get` reads a frame under the readers' lock,
//! like CPython's `_rlock` around `_recv_bytes`.

use super::connection::{Always, Peer, Ring, RING_HEADER_BYTES};
use super::synchronize::{acquire_word, attach, deadline, new_shared, SEM_VALUE_MAX};
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::runtime::process::{self, Arena};
use crate::threading::Thread;
use crate::trace::{msg_arg, Kind, ObjKind, Op};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

// Queue words: items put and not yet got (CPython's `maxsize - sem value`), putters asleep
// on it, maxsize, unfinished tasks (JoinableQueue), joiners asleep on them; the ring.
const Q_COUNT: u32 = 0;
const Q_PUT_SLEEPERS: u32 = 4;
const Q_MAXSIZE: u32 = 8;
const Q_UNFINISHED: u32 = 12;
const Q_JOIN_SLEEPERS: u32 = 16;
const Q_RING: u32 = 64;
const QUEUE_BYTES: u32 = Q_RING + RING_HEADER_BYTES;

/// `multiprocessing.Queue(maxsize=0)` (`maxsize <= 0`: unbounded). Clones are the same
/// queue object; a copy in a child's arguments is the same queue with a buffer and feeder
/// of that child's own.
#[derive(Clone)]
pub struct Queue(Arc<Inner>);

struct Inner {
    arena: Arena,
    off: u32,
    id: u32,
    name: String,
    joinable: bool,
    local: Mutex<Local>,
    /// `close()` was called in this process (read by every get and put: no lock).
    closed: AtomicBool,
    /// Bumped on each append to the buffer and on close: the feeder sleeps on it.
    notempty: crate::sync::AtomicU32,
    /// Items appended and not yet written to the ring.
    pending: crate::sync::AtomicU32,
}

#[derive(Default)]
struct Local {
    buf: VecDeque<(u32, Vec<u8>)>,
    feeder: Option<Thread>,
    feeder_started: bool,
    join_cancelled: bool,
}

impl Queue {
    pub fn new(maxsize: i64) -> PyResult<Queue> {
        Queue::make("Queue", maxsize, false)
    }

    /// A queue shown as `name` in the trace.
    pub fn named(name: &str, maxsize: i64) -> PyResult<Queue> {
        Queue::make(name, maxsize, false)
    }

    fn make(name: &str, maxsize: i64, joinable: bool) -> PyResult<Queue> {
        let (arena, off, id) = new_shared(QUEUE_BYTES, ObjKind::MpQueue, name)?;
        let max = if maxsize <= 0 { SEM_VALUE_MAX } else { maxsize.min(SEM_VALUE_MAX as i64) as u32 };
        arena.store(off + Q_MAXSIZE, max);
        Ring::init(&arena, off + Q_RING)?;
        Ok(Queue::at(arena, off, id, name.to_owned(), joinable))
    }

    fn at(arena: Arena, off: u32, id: u32, name: String, joinable: bool) -> Queue {
        Queue(Arc::new(Inner {
            arena,
            off,
            id,
            name,
            joinable,
            local: Mutex::new(Local::default()),
            closed: AtomicBool::new(false),
            notempty: Default::default(),
            pending: Default::default(),
        }))
    }

    /// The shared id of this queue in every process's trace.
    pub fn obj(&self) -> u32 {
        self.0.id
    }

    fn ring(&self) -> Ring {
        Ring { hdr: self.0.off + Q_RING }
    }

    fn fail(&self, op: Op, e: PyErr) -> PyErr {
        hooks::trace_fail(op, self.0.id, &e);
        e
    }

    fn check_open(&self, op: Op) -> PyResult<()> {
        if self.0.closed.load(Ordering::SeqCst) {
            return Err(self.fail(op, PyErr::ValueError(format!("Queue {self} is closed"))));
        }
        Ok(())
    }

    /// `put(obj, block=True, timeout=None)`: hands `obj` (serialized) to this process's
    /// feeder thread. Waits for room only when the queue has a `maxsize`; `queue.Full`
    /// when there is none in time.
    pub fn put<T: Serialize + ?Sized>(&self, obj: &T, block: bool, timeout: Option<f64>) -> PyResult<()> {
        let (a, off, id) = (&self.0.arena, self.0.off, self.0.id);
        hooks::point(Op::Put, id);
        self.check_open(Op::Put)?;
        let bytes = process::encode(obj)?;
        let take = |a: &Arena| {
            let max = a.load(off + Q_MAXSIZE);
            let mut c = a.load(off + Q_COUNT);
            while c < max {
                match a.cas(off + Q_COUNT, c, c + 1) {
                    Ok(_) => return Some(c as u64 + 1),
                    Err(x) => c = x,
                }
            }
            None
        };
        if take(a).is_none() {
            let d = if block { deadline(timeout) } else { None };
            if acquire_word(a, off + Q_COUNT, off + Q_PUT_SLEEPERS, Op::Put, id, block, d, take)?.is_none() {
                hooks::trace(Kind::Timeout, Op::Put, id, self.qsize() as u64);
                return Err(self.fail(Op::Put, PyErr::Full));
            }
        }
        let no = a.next_id();
        hooks::trace(Kind::Signal, Op::Put, id, msg_arg(no, bytes.len() as u32));
        if self.0.joinable {
            a.fetch_add(off + Q_UNFINISHED, 1);
        }
        let (was_empty, start) = {
            let mut l = self.0.local.lock().unwrap();
            let was_empty = l.buf.is_empty();
            l.buf.push_back((no, bytes));
            self.0.pending.fetch_add(1, Ordering::SeqCst);
            (was_empty, !std::mem::replace(&mut l.feeder_started, true))
        };
        // The feeder sleeps only on an empty buffer: appending to a non-empty one needs
        // no wake-up (with the feeder asleep, each wake is a system call natively).
        if was_empty {
            self.0.notempty.fetch_add(1, Ordering::SeqCst);
            hooks::wake_one(&self.0.notempty);
        }
        if start {
            self.start_feeder()?;
        }
        Ok(())
    }

    /// `put_nowait(obj)`.
    pub fn put_nowait<T: Serialize + ?Sized>(&self, obj: &T) -> PyResult<()> {
        self.put(obj, false, None)
    }

    fn start_feeder(&self) -> PyResult<()> {
        let q = self.0.clone();
        let t = Thread::named("QueueFeederThread", "_feed", move || feed(&q)).with_daemon(true);
        t.start()?;
        self.0.local.lock().unwrap().feeder = Some(t);
        let q = self.0.clone();
        crate::runtime::with_current(|c| c.run.procs.on_exit(Box::new(move |run| flush(&q, run))));
        Ok(())
    }

    /// `get(block=True, timeout=None)`: the oldest item; `queue.Empty` when there is none
    /// in time.
    pub fn get<T: DeserializeOwned>(&self, block: bool, timeout: Option<f64>) -> PyResult<T> {
        let bytes = self.get_bytes(block, timeout)?;
        process::decode(&bytes)
    }

    /// `get_nowait()`.
    pub fn get_nowait<T: DeserializeOwned>(&self) -> PyResult<T> {
        self.get(false, None)
    }

    fn get_bytes(&self, block: bool, timeout: Option<f64>) -> PyResult<Vec<u8>> {
        let (a, off, id) = (&self.0.arena, self.0.off, self.0.id);
        hooks::point(Op::Get, id);
        self.check_open(Op::Get)?;
        let ring = self.ring();
        let rlock = ring.rlock();
        let frame = if block && timeout.is_none() {
            rlock.lock(a, None, id)?;
            let f = ring.read_locked(a, id, Op::Get, &Always);
            rlock.unlock(a);
            f?
        } else {
            let d = if block { deadline(timeout) } else { Some(hooks::now_ns()) };
            if !rlock.lock(a, d, id)? {
                hooks::trace(Kind::Timeout, Op::Get, id, self.qsize() as u64);
                return Err(self.fail(Op::Get, PyErr::Empty));
            }
            let f = match ring.wait_readable(a, id, Op::Get, block, d, &Always) {
                Ok(Some(true)) => ring.read_locked(a, id, Op::Get, &Always),
                Ok(_) => Ok(None),
                Err(e) => Err(e),
            };
            rlock.unlock(a);
            f?
        };
        let Some((no, bytes)) = frame else {
            hooks::trace(Kind::Timeout, Op::Get, id, self.qsize() as u64);
            return Err(self.fail(Op::Get, PyErr::Empty));
        };
        a.fetch_sub(off + Q_COUNT, 1);
        if a.load(off + Q_PUT_SLEEPERS) != 0 {
            a.wake(off + Q_COUNT, 1);
        }
        hooks::trace(Kind::Ok, Op::Get, id, msg_arg(no, bytes.len() as u32));
        Ok(bytes)
    }

    /// `qsize()`: items put and not yet got, in every process (a hint: some may still be
    /// in a feeder's buffer).
    pub fn qsize(&self) -> usize {
        self.0.arena.load(self.0.off + Q_COUNT) as usize
    }

    /// `empty()`: whether nothing is ready to read now (a hint).
    pub fn empty(&self) -> bool {
        self.ring().avail(&self.0.arena) == 0
    }

    /// `full()`: whether `maxsize` items are in (a hint).
    pub fn full(&self) -> bool {
        let a = &self.0.arena;
        a.load(self.0.off + Q_COUNT) >= a.load(self.0.off + Q_MAXSIZE)
    }

    /// `close()`: no more puts or gets from this process; its feeder writes what it holds,
    /// then ends.
    pub fn close(&self) {
        self.0.closed.store(true, Ordering::SeqCst);
        self.0.notempty.fetch_add(1, Ordering::SeqCst);
        hooks::wake_all(&self.0.notempty);
    }

    /// `join_thread()`: waits for this process's feeder to write everything and end; only
    /// after `close()`.
    pub fn join_thread(&self) -> PyResult<()> {
        let feeder = {
            let l = self.0.local.lock().unwrap();
            if !self.0.closed.load(Ordering::SeqCst) {
                return Err(PyErr::Other {
                    class: "AssertionError".into(),
                    message: format!("Queue {self} not closed"),
                });
            }
            l.feeder.clone()
        };
        match feeder {
            Some(t) => t.join(None),
            None => Ok(()),
        }
    }

    /// `cancel_join_thread()`: this process will not wait for its feeder at exit (what is
    /// still in its buffer may be lost).
    pub fn cancel_join_thread(&self) {
        self.0.local.lock().unwrap().join_cancelled = true;
    }
}

/// The feeder thread's body: writes the buffer to the ring, item by item, until the queue
/// is closed and the buffer empty.
fn feed(q: &Inner) -> PyResult<()> {
    let ring = Ring { hdr: q.off + Q_RING };
    loop {
        let seq = q.notempty.load(Ordering::SeqCst);
        // Everything buffered so far goes in one write: one pass of the writers' mutex and
        // one wake-up of the reader for many small items.
        let batch: Vec<(u32, Vec<u8>)> = {
            let mut l = q.local.lock().unwrap();
            if l.buf.is_empty() && q.closed.load(Ordering::SeqCst) {
                return Ok(());
            }
            l.buf.drain(..).collect()
        };
        if batch.is_empty() {
            hooks::park(&q.notempty, seq, None, q.id)?;
            continue;
        }
        let frames = batch.iter().map(|(no, bytes)| (*no, bytes.as_slice()));
        ring.write_frames(&q.arena, frames, q.id, Op::Put, &Always, || ())?;
        let n = batch.len() as u32;
        if q.pending.fetch_sub(n, Ordering::SeqCst) == n {
            hooks::wake_all(&q.pending);
        }
    }
}

/// At the process's exit: waits until the feeder has written its buffer (CPython's
/// `Queue._finalize_join`), unless the join was cancelled or the run is stopping.
fn flush(q: &Inner, run: &crate::runtime::Run) {
    if q.local.lock().unwrap().join_cancelled {
        return;
    }
    loop {
        let p = q.pending.load(Ordering::SeqCst);
        if p == 0 || run.interrupted(0) || run.stop_requested_elsewhere() {
            return;
        }
        crate::futex::wait(&q.pending, p, Some(20_000_000));
    }
}

/// Python's repr, which CPython's `closed` errors quote.
impl fmt::Display for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = if self.0.joinable { "JoinableQueue" } else { "Queue" };
        let addr = 0x7f3a_5000_0000u64 + (self.0.id as u64 & 0xff_ffff) * 0x40;
        write!(f, "<multiprocessing.queues.{class} object at {addr:#x}>")
    }
}

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[derive(Serialize, Deserialize)]
struct QueueWire {
    off: u32,
    id: u32,
    name: String,
    joinable: bool,
}

impl Serialize for Queue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        QueueWire { off: self.0.off, id: self.0.id, name: self.0.name.clone(), joinable: self.0.joinable }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Queue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Queue, D::Error> {
        let w = QueueWire::deserialize(d)?;
        let arena = attach::<D::Error>(w.id, ObjKind::MpQueue, &w.name)?;
        Ok(Queue::at(arena, w.off, w.id, w.name, w.joinable))
    }
}

/// `multiprocessing.JoinableQueue(maxsize=0)`: a [`Queue`] that counts unfinished tasks:
/// `task_done()` marks one got item as handled, `join()` waits until every item put has
/// been.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JoinableQueue(Queue);

impl JoinableQueue {
    pub fn new(maxsize: i64) -> PyResult<JoinableQueue> {
        Queue::make("JoinableQueue", maxsize, true).map(JoinableQueue)
    }

    pub fn named(name: &str, maxsize: i64) -> PyResult<JoinableQueue> {
        Queue::make(name, maxsize, true).map(JoinableQueue)
    }

    /// `task_done()`: `ValueError: task_done() called too many times` when there is no
    /// unfinished task.
    pub fn task_done(&self) -> PyResult<()> {
        let q = &self.0 .0;
        let (a, off) = (&q.arena, q.off);
        hooks::point(Op::TaskDone, q.id);
        let mut u = a.load(off + Q_UNFINISHED);
        loop {
            if u == 0 {
                return Err(self.0.fail(Op::TaskDone, PyErr::value("task_done() called too many times")));
            }
            match a.cas(off + Q_UNFINISHED, u, u - 1) {
                Ok(_) => break,
                Err(x) => u = x,
            }
        }
        hooks::trace(Kind::Signal, Op::TaskDone, q.id, (u - 1) as u64);
        if u == 1 && a.load(off + Q_JOIN_SLEEPERS) != 0 {
            a.wake(off + Q_UNFINISHED, u32::MAX);
        }
        Ok(())
    }

    /// `join()`: blocks until every item ever put has been marked `task_done()`.
    pub fn join(&self) -> PyResult<()> {
        let q = &self.0 .0;
        let (a, off) = (&q.arena, q.off);
        hooks::point(Op::Join, q.id);
        let done = |a: &Arena| (a.load(off + Q_UNFINISHED) == 0).then_some(0);
        if done(a).is_none() {
            acquire_word(a, off + Q_UNFINISHED, off + Q_JOIN_SLEEPERS, Op::Join, q.id, true, None, done)?;
        }
        hooks::trace(Kind::Ok, Op::Join, q.id, 0);
        Ok(())
    }
}

impl std::ops::Deref for JoinableQueue {
    type Target = Queue;
    fn deref(&self) -> &Queue {
        &self.0
    }
}

/// `multiprocessing.SimpleQueue()`: a pipe and its locks, as CPython builds it (no buffer,
/// no feeder thread): `put` writes the item to the ring under the writers' lock, `get`
/// reads one under the readers' lock. `Pool` talks to its workers through two of them.
#[derive(Clone)]
pub struct SimpleQueue {
    arena: Arena,
    off: u32,
    id: u32,
    name: Arc<str>,
}

impl SimpleQueue {
    pub fn new() -> PyResult<SimpleQueue> {
        SimpleQueue::named("SimpleQueue")
    }

    /// A queue shown as `name` in the trace.
    pub fn named(name: &str) -> PyResult<SimpleQueue> {
        let (arena, off, id) = new_shared(RING_HEADER_BYTES, ObjKind::SimpleQueue, name)?;
        Ring::init(&arena, off)?;
        Ok(SimpleQueue { arena, off, id, name: name.into() })
    }

    /// The shared id of this queue in every process's trace.
    pub fn obj(&self) -> u32 {
        self.id
    }

    /// `put(obj)`: blocks only while the pipe is full.
    pub fn put<T: Serialize + ?Sized>(&self, obj: &T) -> PyResult<()> {
        self.put_bytes(&process::encode(obj)?, &Always)
    }

    /// [`SimpleQueue::put`] of bytes already serialized; `BrokenPipeError` once `readers`
    /// says nobody will read (a pool being terminated).
    pub(crate) fn put_bytes(&self, bytes: &[u8], readers: &dyn Peer) -> PyResult<()> {
        let (a, id) = (&self.arena, self.id);
        hooks::point(Op::Put, id);
        let no = a.next_id();
        let announce = || hooks::trace(Kind::Signal, Op::Put, id, msg_arg(no, bytes.len() as u32));
        Ring { hdr: self.off }.write_frames(a, [(no, bytes)], id, Op::Put, readers, announce)
    }

    /// `get()`: the oldest item, waiting for one.
    pub fn get<T: DeserializeOwned>(&self) -> PyResult<T> {
        process::decode(&self.get_bytes()?)
    }

    pub(crate) fn get_bytes(&self) -> PyResult<Vec<u8>> {
        let (a, id) = (&self.arena, self.id);
        hooks::point(Op::Get, id);
        match (Ring { hdr: self.off }).read_frame(a, id, Op::Get, &Always)? {
            Some((no, bytes)) => {
                hooks::trace(Kind::Ok, Op::Get, id, msg_arg(no, bytes.len() as u32));
                Ok(bytes)
            }
            // Every process may write to it: the ring never reaches an end of file.
            None => Err(PyErr::Other { class: "EOFError".into(), message: String::new() }),
        }
    }

    /// `empty()`: whether nothing is ready to read now.
    pub fn empty(&self) -> bool {
        Ring { hdr: self.off }.avail(&self.arena) == 0
    }
}

impl Serialize for SimpleQueue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.off, self.id, &*self.name).serialize(s)
    }
}

impl<'de> Deserialize<'de> for SimpleQueue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SimpleQueue, D::Error> {
        let (off, id, name) = <(u32, u32, String)>::deserialize(d)?;
        let arena = attach::<D::Error>(id, ObjKind::SimpleQueue, &name)?;
        Ok(SimpleQueue { arena, off, id, name: name.into() })
    }
}
