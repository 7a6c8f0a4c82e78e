//! `multiprocessing.Pool`, built as CPython 3.11 builds it, on the run's real processes.
//!
//! `processes` worker processes (`SpawnPoolWorker-N`, daemonic) each run [`WORKER`]: take
//! a task from the `inqueue`, run its function (a [`Target`], by name) on each item of the
//! task's chunk, put the outcome on the `outqueue`. Both queues are [`SimpleQueue`]s: a pipe
//! and its locks, no feeder thread. In the parent three daemon threads with CPython's
//! names do the rest: `Thread-N (_handle_workers)` waits until the pool is closed and its
//! jobs are done (or it is terminated), then tells the task handler to stop;
//! `Thread-N (_handle_tasks)` moves the tasks of each submitted job from a thread queue to
//! the `inqueue`, and at the end one sentinel per worker; `Thread-N (_handle_results)`
//! reads the `outqueue` and fills in each job's [`AsyncResult`], running its callbacks.
//!
//! In the trace: the pool is a shared object of kind [`ObjKind::Pool`]; a worker records
//! `Signal`/`Task` on it as it starts each call and `Ok`/`Task` as the call returns (the
//! value: the job << 32 | the item's index); the queues' puts and gets are hand-offs
//! between processes (arrows); each job is an [`ObjKind::AsyncResult`] whose waits are
//! `Op::Wait` and whose callbacks are `Signal`/`Callback` by the result handler.

use super::connection::Peer;
use super::queues::SimpleQueue;
use super::Process;
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::prims::{guard, Event, Mutex, Queue};
use crate::runtime::process::{self, find_target, Target};
use crate::sync::AtomicU32;
use crate::threading::Thread;
use crate::trace::{Kind, ObjKind, Op, SHARED_OBJ_BASE};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The pool's targets, for a child's lookup: the worker and the tests' and the bench's
/// task functions.
pub static TARGETS: &[&Target] = &[&WORKER, &SQUARE, &NAP, &FAIL_ON, &NOTHING, &ADD, &WHO];

// The pool's states, as CPython's `RUN`, `CLOSE`, `TERMINATE`.
const RUN: u32 = 0;
const CLOSE: u32 = 1;
const TERMINATE: u32 = 2;

/// How a task calls its function on its items (CPython's wrapper, which the remote
/// traceback shows).
#[derive(Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
enum Call {
    /// `func(*args)` once (`apply`).
    Apply,
    /// `mapstar`: `list(map(func, chunk))`.
    Map,
    /// `starmapstar`: `list(itertools.starmap(func, chunk))`.
    Starmap,
}

/// A task crossing to a worker: a chunk of a job's items, each serialized, [`pack`]ed
/// into one buffer (read in place by the worker: no copy per item).
#[derive(Serialize, Deserialize)]
struct Task<'a> {
    job: u32,
    chunk: u32,
    /// The index of the chunk's first item in its job.
    first: u32,
    func: String,
    call: Call,
    #[serde(borrow)]
    items: Bytes<'a>,
}

/// What a worker sends back for a task: its items' values, serialized and packed, or the
/// exception.
type Outcome = Result<Vec<u8>, Remote>;

#[derive(Serialize, Deserialize)]
struct Done<'a> {
    job: u32,
    chunk: u32,
    #[serde(borrow)]
    outcome: Result<Bytes<'a>, Remote>,
}

/// Bytes that cross as one byte string: copied in one piece when written, borrowed from
/// the frame when read (serde's `Vec<u8>` goes byte by byte).
struct Bytes<'a>(Cow<'a, [u8]>);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Bytes<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Bytes<'a>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Cow<'de, [u8]>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_vec()))
            }
        }
        d.deserialize_bytes(V).map(Bytes)
    }
}

/// Appends `value` serialized to `buf`, after its length (4 bytes).
fn pack<T: Serialize + ?Sized>(buf: &mut Vec<u8>, value: &T) -> PyResult<()> {
    let at = buf.len();
    buf.extend_from_slice(&[0; 4]);
    *buf = postcard::to_extend(value, std::mem::take(buf))
        .map_err(|e| PyErr::Other { class: "pickle.PicklingError".into(), message: e.to_string() })?;
    let n = (buf.len() - at - 4) as u32;
    buf[at..at + 4].copy_from_slice(&n.to_le_bytes());
    Ok(())
}

/// Appends bytes already serialized to `buf`, after their length.
fn pack_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    buf.extend_from_slice(bytes);
}

/// The items of a [`pack`]ed buffer.
fn unpack(mut rest: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        let n = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let item = rest.get(4..4 + n)?;
        rest = &rest[4 + n..];
        Some(item)
    })
}

/// An exception raised in a worker, as it crosses back: its class, message and the
/// worker's traceback (what CPython's `ExceptionWithTraceback` carries).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Remote {
    class: String,
    message: String,
    traceback: String,
}

impl Remote {
    fn of(e: &PyErr, call: Call, function: &str) -> Remote {
        const POOL_PY: &str = "/usr/lib/python3.11/multiprocessing/pool.py";
        let mut tb = format!(
            "Traceback (most recent call last):\n  File \"{POOL_PY}\", line 125, in worker\n    result = (True, func(*args, **kwds))\n                    ^^^^^^^^^^^^^^^^^^^\n"
        );
        match call {
            Call::Apply => {}
            Call::Map => tb.push_str(&format!(
                "  File \"{POOL_PY}\", line 48, in mapstar\n    return list(map(*args))\n           ^^^^^^^^^^^^^^^^\n"
            )),
            Call::Starmap => tb.push_str(&format!(
                "  File \"{POOL_PY}\", line 51, in starmapstar\n    return list(itertools.starmap(args[0], args[1]))\n           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
            )),
        }
        tb.push_str(&format!("  File \"lesson.py\", in {function}\n{e}\n"));
        Remote { class: e.class().to_owned(), message: e.message().to_owned(), traceback: tb }
    }

    /// The exception raised again in the parent: the same class and message.
    fn to_err(&self) -> PyErr {
        let m = self.message.clone();
        match self.class.as_str() {
            "ValueError" => PyErr::ValueError(m),
            "RuntimeError" => PyErr::RuntimeError(m),
            "AttributeError" => PyErr::AttributeError(m),
            "TimeoutError" => PyErr::TimeoutError(m),
            _ => PyErr::Other { class: self.class.clone(), message: m },
        }
    }

    /// `str(e.__cause__)`: CPython's `RemoteTraceback`, the worker's traceback in quotes.
    fn text(&self) -> String {
        format!("\n\"\"\"\n{}\"\"\"", self.traceback)
    }
}

/// `multiprocessing.TimeoutError`, as `AsyncResult.get(timeout)` raises it.
pub fn timeout_error() -> PyErr {
    PyErr::Other { class: "multiprocessing.context.TimeoutError".into(), message: String::new() }
}

fn not_running() -> PyErr {
    PyErr::value("Pool not running")
}

// ---------------------------------------------------------------------------------------
// The worker process.

/// What each worker process runs: `(inqueue, outqueue, the pool's object)`.
pub static WORKER: Target = crate::target!(worker);

fn worker((inqueue, outqueue, pool): (SimpleQueue, SimpleQueue, u32)) -> PyResult<()> {
    hooks::shared_object(pool, ObjKind::Pool, "Pool");
    // CPython's worker: `for task in iter(get, None)`, the sentinel None ends it.
    loop {
        let frame = inqueue.get_bytes()?;
        let Some(task) = process::decode::<Option<Task>>(&frame)? else { return Ok(()) };
        let outcome = run_task(&task, pool)?.map(|v| Bytes(Cow::Owned(v)));
        outqueue.put(&Some(Done { job: task.job, chunk: task.chunk, outcome }))?;
    }
}

/// Runs a task's function on each of its items. An exception ends the chunk (CPython's
/// `mapstar` is one call); a stop of the run or `sys.exit` ends the worker.
fn run_task(t: &Task, pool: u32) -> PyResult<Outcome> {
    let Some(target) = find_target(&t.func) else {
        let name = t.func.rsplit("::").next().unwrap_or(&t.func);
        let e = PyErr::AttributeError(format!("Can't get attribute '{name}' on <module '__mp_main__'>"));
        return Ok(Err(Remote::of(&e, t.call, name)));
    };
    let mut values = Vec::with_capacity(t.items.0.len());
    for (k, args) in unpack(&t.items.0).enumerate() {
        let tag = (t.job as u64) << 32 | (t.first as u64 + k as u64);
        hooks::trace(Kind::Signal, Op::Task, pool, tag);
        let r = (target.entry)(args);
        hooks::trace(Kind::Ok, Op::Task, pool, tag);
        match r {
            Ok(v) => pack_bytes(&mut values, &v),
            Err(e @ (PyErr::Interrupted | PyErr::SystemExit(_))) => return Err(e),
            Err(e) => return Ok(Err(Remote::of(&e, t.call, target.function()))),
        }
    }
    Ok(Ok(values))
}

// ---------------------------------------------------------------------------------------
// Jobs: what `AsyncResult` and `IMapIterator` read.

type OnDone = Box<dyn FnOnce(&Slot) -> PyResult<()> + Send>;

struct Job {
    id: u32,
    obj: u32,
    /// CPython's class of it: `ApplyResult`, `MapResult`, `IMapIterator`, ...
    class: &'static str,
    chunksize: usize,
    len: usize,
    /// Set once every chunk is in (after the callbacks ran).
    done: Event,
    /// Bumped as each chunk arrives: an `imap` iterator sleeps on it.
    arrivals: AtomicU32,
    slot: Mutex<Slot>,
    on_done: Mutex<Option<OnDone>>,
}

struct Slot {
    chunks: Vec<Option<Outcome>>,
    /// Chunk indices in the order they arrived.
    order: Vec<u32>,
    left: usize,
    /// The first exception of the job (only it is kept, as CPython keeps it).
    error: Option<Remote>,
}

impl Slot {
    /// Every item's value, in input order (only when there was no exception).
    fn values(&self) -> impl Iterator<Item = &[u8]> {
        self.chunks.iter().flatten().filter_map(|c| c.as_ref().ok()).flat_map(|c| unpack(c))
    }
}

impl Job {
    fn new(id: u32, class: &'static str, len: usize, chunksize: usize, on_done: Option<OnDone>) -> Job {
        let chunks = if len == 0 { 0 } else { len.div_ceil(chunksize) };
        let obj = hooks::new_object(ObjKind::AsyncResult, &format!("{class}-{id}"));
        Job {
            id,
            obj,
            class,
            chunksize,
            len,
            done: Event::with_obj(obj),
            arrivals: AtomicU32::new(0),
            slot: Mutex::new(Slot {
                chunks: (0..chunks).map(|_| None).collect(),
                order: Vec::new(),
                left: chunks,
                error: None,
            }),
            on_done: Mutex::new(on_done),
        }
    }

    /// A chunk's outcome arrived (in the result handler); true once it was the last, after
    /// the callback ran.
    fn set(&self, chunk: u32, outcome: Outcome) -> PyResult<bool> {
        let last = {
            let mut s = guard(&self.slot);
            if s.chunks.get(chunk as usize).is_none_or(Option::is_some) {
                return Ok(false);
            }
            if let Err(r) = &outcome {
                s.error.get_or_insert_with(|| r.clone());
            }
            s.chunks[chunk as usize] = Some(outcome);
            s.order.push(chunk);
            s.left -= 1;
            s.left == 0
        };
        self.arrivals.fetch_add(1, Ordering::SeqCst);
        hooks::wake_all(&self.arrivals);
        if last {
            let on_done = guard(&self.on_done).take();
            if let Some(f) = on_done {
                let s = guard(&self.slot);
                f(&s)?;
            }
        }
        Ok(last)
    }
}

type Decode<T> = fn(&Slot) -> PyResult<T>;

fn decode_one<R: DeserializeOwned>(s: &Slot) -> PyResult<R> {
    let bytes = s.values().next().unwrap_or(&[]);
    process::decode(bytes)
}

fn decode_all<R: DeserializeOwned>(s: &Slot) -> PyResult<Vec<R>> {
    s.values().map(|b| process::decode(b)).collect()
}

/// A callback: runs in the parent's result-handler thread with the job's value.
pub type Callback<T> = Box<dyn FnOnce(T) -> PyResult<()> + Send>;
/// An error callback: runs there with the exception.
pub type ErrorCallback = Box<dyn FnOnce(PyErr) -> PyResult<()> + Send>;

fn on_done<T: 'static>(
    obj_of: Arc<std::sync::OnceLock<u32>>,
    decode: Decode<T>,
    callback: Option<Callback<T>>,
    error_callback: Option<ErrorCallback>,
) -> Option<OnDone> {
    if callback.is_none() && error_callback.is_none() {
        return None;
    }
    Some(Box::new(move |s: &Slot| {
        let obj = obj_of.get().copied().unwrap_or(0);
        match (&s.error, callback, error_callback) {
            (None, Some(cb), _) => {
                let value = decode(s)?;
                hooks::trace(Kind::Signal, Op::Callback, obj, 0);
                cb(value)
            }
            (Some(r), _, Some(ecb)) => {
                hooks::trace(Kind::Signal, Op::Callback, obj, 1);
                ecb(r.to_err())
            }
            _ => Ok(()),
        }
    }))
}

/// `multiprocessing.pool.AsyncResult` (`ApplyResult`, `MapResult`): a job's eventual
/// value.
pub struct AsyncResult<T> {
    job: Arc<Job>,
    decode: Decode<T>,
}

impl<T> Clone for AsyncResult<T> {
    fn clone(&self) -> Self {
        AsyncResult { job: self.job.clone(), decode: self.decode }
    }
}

impl<T> AsyncResult<T> {
    /// The trace object of this job.
    pub fn obj(&self) -> u32 {
        self.job.obj
    }

    /// `ready()`: whether the job is complete.
    pub fn ready(&self) -> bool {
        self.job.done.is_set()
    }

    /// `successful()`: whether it completed without an exception; `ValueError` before.
    pub fn successful(&self) -> PyResult<bool> {
        if !self.ready() {
            return Err(PyErr::ValueError(format!("{self} not ready")));
        }
        Ok(guard(&self.job.slot).error.is_none())
    }

    /// `wait(timeout=None)`: until the job is complete or the timeout passes.
    pub fn wait(&self, timeout: Option<f64>) -> PyResult<()> {
        self.job.done.wait(timeout).map(drop)
    }

    /// `get(timeout=None)`: the value; the worker's exception raised again;
    /// `multiprocessing.TimeoutError` when it is not ready in time.
    pub fn get(&self, timeout: Option<f64>) -> PyResult<T> {
        hooks::point(Op::Result, self.job.obj);
        if !self.job.done.wait(timeout)? {
            let e = timeout_error();
            hooks::trace_fail(Op::Result, self.job.obj, &e);
            return Err(e);
        }
        let s = guard(&self.job.slot);
        let r = match &s.error {
            Some(remote) => Err(remote.to_err()),
            None => (self.decode)(&s),
        };
        match &r {
            Ok(_) => hooks::trace(Kind::Ok, Op::Result, self.job.obj, 0),
            Err(e) => hooks::trace_fail(Op::Result, self.job.obj, e),
        }
        r
    }

    /// After a failed job: `str(e.__cause__)`, the `RemoteTraceback` with the worker's
    /// traceback, as CPython attaches it to the exception `get` raises.
    pub fn remote_traceback(&self) -> Option<String> {
        guard(&self.job.slot).error.as_ref().map(Remote::text)
    }
}

/// Python's repr: `<multiprocessing.pool.ApplyResult object at 0x7f...>`.
impl<T> fmt::Display for AsyncResult<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let addr = 0x7f3a_6000_0000u64 + (self.job.obj as u64 & 0xff_ffff) * 0x50;
        write!(f, "<multiprocessing.pool.{} object at {addr:#x}>", self.job.class)
    }
}

/// What `imap` and `imap_unordered` return: the values one by one, in input order or in
/// the order they arrive.
pub struct IMapIterator<R> {
    job: Arc<Job>,
    ordered: bool,
    /// Ordered: the next item's index. Unordered: how many arrived chunks were read...
    at: usize,
    /// ...and the next item's place in the current one.
    offset: usize,
    _t: PhantomData<fn() -> R>,
}

impl<R: DeserializeOwned> IMapIterator<R> {
    /// `next(timeout=None)`: the next value (`None` after the last), the worker's exception
    /// for an item whose chunk failed, `multiprocessing.TimeoutError` when it does not
    /// come in time.
    pub fn next_timeout(&mut self, timeout: Option<f64>) -> PyResult<Option<R>> {
        let job = self.job.clone();
        let deadline = timeout.map(|t| hooks::deadline_after(t.max(0.0)));
        loop {
            let seen = job.arrivals.load(Ordering::SeqCst);
            {
                let s = guard(&job.slot);
                if let Some(r) = self.take(&s) {
                    return r;
                }
            }
            if let Some(d) = deadline {
                if hooks::now_ns() >= d {
                    return Err(timeout_error());
                }
            }
            hooks::park(&job.arrivals, seen, deadline, job.obj)?;
        }
    }

    /// The next value if it is there.
    fn take(&mut self, s: &Slot) -> Option<PyResult<Option<R>>> {
        let cs = self.job.chunksize;
        let (chunk, offset) = if self.ordered {
            if self.at >= self.job.len {
                return Some(Ok(None));
            }
            (self.at / cs, self.at % cs)
        } else {
            if self.at >= s.chunks.len() {
                return Some(Ok(None));
            }
            (*s.order.get(self.at)? as usize, self.offset)
        };
        let got = s.chunks[chunk].as_ref()?;
        let next_chunk = |me: &mut Self| {
            if me.ordered {
                me.at = (chunk + 1) * cs;
            } else {
                (me.at, me.offset) = (me.at + 1, 0);
            }
        };
        match got {
            Err(remote) => {
                next_chunk(self);
                Some(Err(remote.to_err()))
            }
            Ok(values) => {
                let Some(bytes) = unpack(values).nth(offset) else {
                    return Some(Err(PyErr::runtime("a chunk of the pool's results is short")));
                };
                let r = process::decode(bytes);
                if offset + 1 == cs.min(self.job.len - chunk * cs) {
                    next_chunk(self);
                } else if self.ordered {
                    self.at += 1;
                } else {
                    self.offset += 1;
                }
                Some(r.map(Some))
            }
        }
    }
}

impl<R: DeserializeOwned> Iterator for IMapIterator<R> {
    type Item = PyResult<R>;
    fn next(&mut self) -> Option<PyResult<R>> {
        self.next_timeout(None).transpose()
    }
}

// ---------------------------------------------------------------------------------------
// The pool.

/// `multiprocessing.Pool(processes=None)`. Clones are the same pool.
#[derive(Clone)]
pub struct Pool(Arc<Shared>);

struct Shared {
    obj: u32,
    workers: Vec<Process>,
    inqueue: SimpleQueue,
    outqueue: SimpleQueue,
    /// The parent's queue of submitted jobs' tasks (each already serialized); `None` tells
    /// the task handler to stop.
    taskqueue: Queue<Option<Vec<Vec<u8>>>>,
    state: std::sync::atomic::AtomicU32,
    /// Bumped on a change the worker handler waits for (close, terminate, the last job
    /// done): CPython's `change_notifier`.
    changed: AtomicU32,
    /// What the worker handler is shown blocked on while it waits for a change.
    notifier: u32,
    cache: Mutex<HashMap<u32, Arc<Job>>>,
    next_job: std::sync::atomic::AtomicU32,
    handlers: Mutex<Vec<Thread>>,
    /// `terminate`'s work ran (it runs once).
    terminated: AtomicBool,
}

/// A write on the pool's queues gives up once the pool is being terminated: its readers
/// may be gone for good.
struct Terminating<'a>(&'a Shared);
impl Peer for Terminating<'_> {
    fn gone(&self) -> bool {
        self.0.state.load(Ordering::SeqCst) == TERMINATE
    }
}

impl Shared {
    fn state(&self) -> u32 {
        self.state.load(Ordering::SeqCst)
    }

    fn notify(&self) {
        self.changed.fetch_add(1, Ordering::SeqCst);
        hooks::wake_all(&self.changed);
    }

    fn cache_empty(&self) -> bool {
        guard(&self.cache).is_empty()
    }

    /// A worker's outcome for a chunk: into its job; a job complete leaves the cache (the
    /// last one wakes the worker handler), then its waiters wake.
    fn deliver(&self, d: Done) -> PyResult<()> {
        let Some(job) = guard(&self.cache).get(&d.job).cloned() else { return Ok(()) };
        if job.set(d.chunk, d.outcome.map(|b| b.0.into_owned()))? {
            let empty = {
                let mut c = guard(&self.cache);
                c.remove(&job.id);
                c.is_empty()
            };
            if empty {
                self.notify();
            }
            job.done.set();
        }
        Ok(())
    }
}

/// `Pool._handle_workers`: keeps the pool until it is closed and its jobs are done, or
/// terminated; then stops the task handler.
fn handle_workers(p: &Shared) -> PyResult<()> {
    loop {
        let seen = p.changed.load(Ordering::SeqCst);
        let state = p.state();
        if !(state == RUN || (state != TERMINATE && !p.cache_empty())) {
            break;
        }
        hooks::park(&p.changed, seen, None, p.notifier)?;
    }
    p.taskqueue.put(None, true, None)
}

/// `Pool._handle_tasks`: each job's tasks onto the `inqueue`; at the end a sentinel for
/// the result handler and one per worker.
fn handle_tasks(p: &Shared) -> PyResult<()> {
    let gone = Terminating(p);
    'jobs: while let Some(tasks) = p.taskqueue.get(true, None)? {
        for task in tasks {
            if p.state() == TERMINATE {
                break 'jobs;
            }
            match p.inqueue.put_bytes(&task, &gone) {
                Ok(()) => {}
                Err(PyErr::Interrupted) => return Err(PyErr::Interrupted),
                Err(_) => break 'jobs,
            }
        }
    }
    let none = process::encode(&None::<Task>)?;
    // Errors here mean the pool is being terminated: nobody reads any more.
    let _ = p.outqueue.put_bytes(&none, &gone);
    for _ in &p.workers {
        if p.inqueue.put_bytes(&none, &gone).is_err() {
            break;
        }
    }
    Ok(())
}

/// `Pool._handle_results`: each outcome into its job, until the task handler's sentinel
/// and then until no job is left (or the pool is terminated).
fn handle_results(p: &Shared) -> PyResult<()> {
    loop {
        let frame = p.outqueue.get_bytes()?;
        if p.state() == TERMINATE {
            return Ok(());
        }
        match process::decode::<Option<Done>>(&frame)? {
            Some(d) => p.deliver(d)?,
            None => break,
        }
    }
    while !p.cache_empty() && p.state() != TERMINATE {
        let frame = p.outqueue.get_bytes()?;
        if let Some(d) = process::decode::<Option<Done>>(&frame)? {
            p.deliver(d)?;
        }
    }
    Ok(())
}

impl Pool {
    /// `Pool(processes)`: `None` for `os.cpu_count()` workers; fewer than 1 is CPython's
    /// `ValueError`.
    pub fn new(processes: Option<i64>) -> PyResult<Pool> {
        let n = processes.unwrap_or(super::cpu_count() as i64);
        if n < 1 {
            return Err(PyErr::value("Number of processes must be at least 1"));
        }
        let ctx = super::ctx()?;
        let arena = ctx.run.arena()?;
        let obj = SHARED_OBJ_BASE + arena.next_id();
        hooks::shared_object(obj, ObjKind::Pool, "Pool");
        let (inqueue, outqueue) = (SimpleQueue::named("inqueue")?, SimpleQueue::named("outqueue")?);
        let (_, me, _) = process::identity(&ctx.run);
        let mut workers = Vec::with_capacity(n as usize);
        for _ in 0..n {
            // The spawn context's `SpawnProcess-N`, renamed as `Pool` renames its workers.
            let k = ctx.run.procs.next_child_number();
            let name = if ctx.run.is_process_child() { format!("{me}:{k}") } else { format!("SpawnPoolWorker-{k}") };
            let w = Process::named(&name, &WORKER, &(inqueue.clone(), outqueue.clone(), obj))?.with_daemon(true);
            w.start()?;
            workers.push(w);
        }
        let shared = Arc::new(Shared {
            obj,
            workers,
            inqueue,
            outqueue,
            taskqueue: Queue::named("taskqueue", 0),
            state: RUN.into(),
            changed: AtomicU32::new(0),
            notifier: hooks::new_object(ObjKind::Event, "change_notifier"),
            cache: Mutex::new(HashMap::new()),
            next_job: 0.into(),
            handlers: Mutex::new(Vec::new()),
            terminated: AtomicBool::new(false),
        });
        let bodies: [(&str, fn(&Shared) -> PyResult<()>); 3] =
            [("_handle_workers", handle_workers), ("_handle_tasks", handle_tasks), ("_handle_results", handle_results)];
        for (name, body) in bodies {
            let s = shared.clone();
            let t = Thread::new(name, move || body(&s)).with_daemon(true);
            t.start()?;
            guard(&shared.handlers).push(t);
        }
        Ok(Pool(shared))
    }

    /// The pool's object in the trace (shared: its workers record their tasks on it).
    pub fn obj(&self) -> u32 {
        self.0.obj
    }

    /// How many worker processes it has.
    pub fn processes(&self) -> usize {
        self.0.workers.len()
    }

    /// Its worker processes (`pool._pool`).
    pub fn workers(&self) -> &[Process] {
        &self.0.workers
    }

    /// Its handler threads: worker, task and result handler.
    pub fn handlers(&self) -> Vec<Thread> {
        guard(&self.0.handlers).clone()
    }

    fn check_running(&self) -> PyResult<()> {
        if self.0.state() != RUN {
            return Err(not_running());
        }
        Ok(())
    }

    /// Queues a job of `items` (serialized) in chunks of `chunksize`.
    #[allow(clippy::too_many_arguments)]
    fn submit<I: Serialize>(
        &self,
        func: &'static Target,
        call: Call,
        class: &'static str,
        items: &[I],
        chunksize: usize,
        on_done: impl FnOnce(Arc<std::sync::OnceLock<u32>>) -> Option<OnDone>,
    ) -> PyResult<Arc<Job>> {
        self.check_running()?;
        let p = &self.0;
        let id = p.next_job.fetch_add(1, Ordering::Relaxed);
        let obj_of = Arc::new(std::sync::OnceLock::new());
        let job = Arc::new(Job::new(id, class, items.len(), chunksize, on_done(obj_of.clone())));
        let _ = obj_of.set(job.obj);
        hooks::trace(Kind::Signal, Op::Submit, p.obj, job.obj as u64);
        if items.is_empty() {
            // CPython's `MapResult` of nothing: ready at once, without its callback.
            job.done.set();
            return Ok(job);
        }
        let mut buf = Vec::new();
        let tasks = items
            .chunks(chunksize)
            .enumerate()
            .map(|(c, chunk)| {
                buf.clear();
                for item in chunk {
                    pack(&mut buf, item)?;
                }
                process::encode(&Some(Task {
                    job: id,
                    chunk: c as u32,
                    first: (c * chunksize) as u32,
                    func: func.name.to_owned(),
                    call,
                    items: Bytes(Cow::Borrowed(&buf)),
                }))
            })
            .collect::<PyResult<Vec<_>>>()?;
        guard(&p.cache).insert(id, job.clone());
        p.taskqueue.put(Some(tasks), true, None)?;
        Ok(job)
    }

    /// `apply_async(func, args, callback=None, error_callback=None)`.
    pub fn apply_async<A: Serialize + ?Sized, R: DeserializeOwned + 'static>(
        &self,
        func: &'static Target,
        args: &A,
        callback: Option<Callback<R>>,
        error_callback: Option<ErrorCallback>,
    ) -> PyResult<AsyncResult<R>> {
        let decode: Decode<R> = decode_one::<R>;
        let job = self
            .submit(func, Call::Apply, "ApplyResult", &[args], 1, |o| on_done(o, decode, callback, error_callback))?;
        Ok(AsyncResult { job, decode })
    }

    /// `apply(func, args)`: `apply_async(...).get()`.
    pub fn apply<A: Serialize + ?Sized, R: DeserializeOwned + 'static>(
        &self,
        func: &'static Target,
        args: &A,
    ) -> PyResult<R> {
        self.apply_async(func, args, None, None)?.get(None)
    }

    fn map_job<A: Serialize, R: DeserializeOwned + 'static>(
        &self,
        func: &'static Target,
        call: Call,
        iterable: &[A],
        chunksize: Option<usize>,
        callback: Option<Callback<Vec<R>>>,
        error_callback: Option<ErrorCallback>,
    ) -> PyResult<AsyncResult<Vec<R>>> {
        self.check_running()?;
        let chunksize = match chunksize {
            // CPython's rule: about four chunks per worker.
            None => iterable.len().div_ceil(self.processes() * 4).max(1),
            Some(0) => return Err(PyErr::value("Chunksize must be 1+, not 0")),
            Some(c) => c,
        };
        let decode: Decode<Vec<R>> = decode_all::<R>;
        let job = self
            .submit(func, call, "MapResult", iterable, chunksize, |o| on_done(o, decode, callback, error_callback))?;
        Ok(AsyncResult { job, decode })
    }

    /// `map_async(func, iterable, chunksize=None, callback=None, error_callback=None)`.
    pub fn map_async<A: Serialize, R: DeserializeOwned + 'static>(
        &self,
        func: &'static Target,
        iterable: &[A],
        chunksize: Option<usize>,
        callback: Option<Callback<Vec<R>>>,
        error_callback: Option<ErrorCallback>,
    ) -> PyResult<AsyncResult<Vec<R>>> {
        self.map_job(func, Call::Map, iterable, chunksize, callback, error_callback)
    }

    /// `map(func, iterable, chunksize=None)`: the values in input order.
    pub fn map<A: Serialize, R: DeserializeOwned + 'static>(
        &self,
        func: &'static Target,
        iterable: &[A],
        chunksize: Option<usize>,
    ) -> PyResult<Vec<R>> {
        self.map_async(func, iterable, chunksize, None, None)?.get(None)
    }

    /// `starmap_async(func, iterable, ...)`: each item is the argument tuple (a Target
    /// takes its arguments as one tuple).
    pub fn starmap_async<A: Serialize, R: DeserializeOwned + 'static>(
        &self,
        func: &'static Target,
        iterable: &[A],
        chunksize: Option<usize>,
        callback: Option<Callback<Vec<R>>>,
        error_callback: Option<ErrorCallback>,
    ) -> PyResult<AsyncResult<Vec<R>>> {
        self.map_job(func, Call::Starmap, iterable, chunksize, callback, error_callback)
    }

    /// `starmap(func, iterable, chunksize=None)`.
    pub fn starmap<A: Serialize, R: DeserializeOwned + 'static>(
        &self,
        func: &'static Target,
        iterable: &[A],
        chunksize: Option<usize>,
    ) -> PyResult<Vec<R>> {
        self.starmap_async(func, iterable, chunksize, None, None)?.get(None)
    }

    fn imap_job<A: Serialize, R: DeserializeOwned>(
        &self,
        func: &'static Target,
        iterable: &[A],
        chunksize: i64,
        ordered: bool,
    ) -> PyResult<IMapIterator<R>> {
        self.check_running()?;
        if chunksize < 1 {
            return Err(PyErr::ValueError(format!("Chunksize must be 1+, not {chunksize}")));
        }
        let class = if ordered { "IMapIterator" } else { "IMapUnorderedIterator" };
        let job = self.submit(func, Call::Map, class, iterable, chunksize as usize, |_| None)?;
        Ok(IMapIterator { job, ordered, at: 0, offset: 0, _t: PhantomData })
    }

    /// `imap(func, iterable, chunksize=1)`: the values one by one, in input order.
    pub fn imap<A: Serialize, R: DeserializeOwned>(
        &self,
        func: &'static Target,
        iterable: &[A],
        chunksize: i64,
    ) -> PyResult<IMapIterator<R>> {
        self.imap_job(func, iterable, chunksize, true)
    }

    /// `imap_unordered(func, iterable, chunksize=1)`: the values as they arrive.
    pub fn imap_unordered<A: Serialize, R: DeserializeOwned>(
        &self,
        func: &'static Target,
        iterable: &[A],
        chunksize: i64,
    ) -> PyResult<IMapIterator<R>> {
        self.imap_job(func, iterable, chunksize, false)
    }

    /// `close()`: no more jobs; the workers end once the queued ones are done.
    pub fn close(&self) {
        if self.0.state.compare_exchange(RUN, CLOSE, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            self.0.notify();
        }
    }

    /// `terminate()`: the workers are stopped at once (SIGTERM), jobs left unfinished.
    pub fn terminate(&self) -> PyResult<()> {
        let p = &self.0;
        p.state.store(TERMINATE, Ordering::SeqCst);
        if p.terminated.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        p.notify();
        // The result handler's wake-up: it sees TERMINATE and ends.
        let _ = p.outqueue.put_bytes(&process::encode(&None::<Done>)?, &Terminating(p));
        let handlers = self.handlers();
        // The worker handler first: it must not outlive the workers (CPython's order).
        if let Some(wh) = handlers.first() {
            wh.join(None)?;
        }
        for w in &p.workers {
            if w.exitcode().is_none() {
                w.terminate()?;
            }
        }
        for t in handlers.iter().skip(1) {
            t.join(None)?;
        }
        for w in &p.workers {
            w.join(None)?;
        }
        Ok(())
    }

    /// `join()`: waits for the handlers and the workers; only after `close` or
    /// `terminate`.
    pub fn join(&self) -> PyResult<()> {
        if self.0.state() == RUN {
            return Err(PyErr::value("Pool is still running"));
        }
        for t in self.handlers() {
            t.join(None)?;
        }
        for w in &self.0.workers {
            w.join(None)?;
        }
        Ok(())
    }

    /// The `with Pool(...) as pool:` form: `f` runs with the pool, which is terminated as
    /// the block is left, however it is left.
    pub fn with<R>(self, f: impl FnOnce(&Pool) -> PyResult<R>) -> PyResult<R> {
        self.check_running()?;
        let r = f(&self);
        let t = self.terminate();
        let r = r?;
        t.map(|_| r)
    }
}

/// Python's repr: `<multiprocessing.pool.Pool state=RUN pool_size=4>`.
impl fmt::Display for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = ["RUN", "CLOSE", "TERMINATE"][self.0.state() as usize];
        write!(f, "<multiprocessing.pool.Pool state={state} pool_size={}>", self.processes())
    }
}

// ---------------------------------------------------------------------------------------
// Task functions of the tests and the bench (they must be part of the program).

/// `x * x`.
pub static SQUARE: Target = crate::target!(square);
fn square(x: i64) -> PyResult<i64> {
    Ok(x * x)
}

/// Sleeps `secs` lesson seconds, then returns `x`: tasks that overlap in time.
pub static NAP: Target = crate::target!(nap);
fn nap((x, secs): (i64, f64)) -> PyResult<i64> {
    crate::runtime::sleep(secs)?;
    Ok(x)
}

/// Returns `x`, or raises `ValueError(f'bad {x}')` when `x == bad`.
pub static FAIL_ON: Target = crate::target!(fail_on);
fn fail_on((x, bad): (i64, i64)) -> PyResult<i64> {
    if x == bad {
        return Err(PyErr::ValueError(format!("bad {x}")));
    }
    Ok(x)
}

/// Returns nothing: Python's `None`.
pub static NOTHING: Target = crate::target!(nothing);
fn nothing(_: i64) -> PyResult<()> {
    Ok(())
}

/// `a + b` (for `starmap`).
pub static ADD: Target = crate::target!(add);
fn add((a, b): (i64, i64)) -> PyResult<i64> {
    Ok(a + b)
}

/// The worker's process name and the item.
pub static WHO: Target = crate::target!(who);
fn who(x: i64) -> PyResult<(String, i64)> {
    Ok((super::current_process()?.name, x))
}
