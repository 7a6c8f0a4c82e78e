//! Python's `concurrent.futures` for threads: [`ThreadPoolExecutor`] and [`Future`].
//!
//! Built the way CPython builds it, out of this crate's own primitives and lesson threads:
//! a [`Queue`] of work items that worker threads take from, a [`Semaphore`] counting idle
//! workers (a new worker is started only when none is idle, up to `max_workers`), a
//! [`Lock`] around submission and shutdown, and one [`Event`] per future that its waiters
//! sleep on. Workers are named as in Python, `ThreadPoolExecutor-0_0`, `..._1`, ...
//!
//! In the trace:
//! - the executor is an object of kind [`ObjKind::Executor`], and each `submit` records
//!   `Signal`/`Submit` on it with the new future's object id as the value;
//! - each future is an object of kind [`ObjKind::Future`] named `future-K` (K counts the
//!   executor's submissions from 0); a worker records `Signal`/`Start` on it when it starts
//!   running it (the value: how many of the executor's futures run at that moment), and
//!   `Signal`/`Set` when it is done; `result()` waits on it (`Attempt`/`Block`/`Ok` or
//!   `Timeout` with `Op::Wait`) and then records `Ok`/`Result`, or `Fail`/`Result` with the
//!   exception it re-raises, or `Timeout`/`Result`.

use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::prims::{guard, Event, Lock, Mutex, Queue, Semaphore};
use crate::runtime::{self, Run};
use crate::threading::Thread;
use crate::trace::{Kind, ObjKind, Op};
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Weak};

/// A future's life, as Python's `_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Pending,
    Running,
    Cancelled,
    Finished,
}

type Callback<T> = Box<dyn FnOnce(&Future<T>) -> PyResult<()> + Send + 'static>;

struct Slot<T> {
    state: State,
    result: Option<PyResult<T>>,
    callbacks: Vec<Callback<T>>,
}

struct FutureInner<T> {
    slot: Mutex<Slot<T>>,
    /// Set once the future is finished or cancelled; recorded on the future's object.
    done: Event,
    obj: u32,
}

/// `concurrent.futures.Future`: the eventual result of a call submitted to an executor.
///
/// Cloning gives another handle to the same future.
///
/// # Examples
/// ```
/// use parlab::futures::ThreadPoolExecutor;
/// use parlab::runtime::native;
/// let run = native::run(Default::default(), || {
///     let ex = ThreadPoolExecutor::new(2)?;
///     let f = ex.submit(|| Ok(6 * 7))?;
///     assert_eq!(f.result(None)?, 42);
///     assert!(f.done());
///     let failing = ex.submit(|| -> parlab::PyResult<i32> { Err(parlab::PyErr::value("bad input")) })?;
///     assert_eq!(failing.result(None).unwrap_err().to_string(), "ValueError: bad input");
///     ex.shutdown(true)
/// });
/// assert_eq!(run.end_state(), Some(parlab::trace::EndState::Finished));
/// ```
pub struct Future<T>(Arc<FutureInner<T>>);

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future(self.0.clone())
    }
}

fn cancelled_error() -> PyErr {
    PyErr::Other { class: "concurrent.futures._base.CancelledError".into(), message: String::new() }
}

impl<T: Send + 'static> Default for Future<T> {
    fn default() -> Self {
        Future::new()
    }
}

impl<T: Send + 'static> Future<T> {
    /// `Future()`: a pending future, as executors (and tests) create them.
    pub fn new() -> Future<T> {
        Future::named("future")
    }

    /// A pending future shown as `name` in the trace.
    pub fn named(name: &str) -> Future<T> {
        let obj = hooks::new_object(ObjKind::Future, name);
        Future(Arc::new(FutureInner {
            slot: Mutex::new(Slot { state: State::Pending, result: None, callbacks: Vec::new() }),
            done: Event::with_obj(obj),
            obj,
        }))
    }

    /// The trace object id (0 outside a run).
    pub fn obj(&self) -> u32 {
        self.0.obj
    }

    fn state(&self) -> State {
        guard(&self.0.slot).state
    }

    /// `done()`: finished or cancelled.
    pub fn done(&self) -> bool {
        matches!(self.state(), State::Finished | State::Cancelled)
    }

    /// `running()`: a worker is running it now.
    pub fn running(&self) -> bool {
        self.state() == State::Running
    }

    /// `cancelled()`.
    pub fn cancelled(&self) -> bool {
        self.state() == State::Cancelled
    }

    /// `cancel()`: a future still waiting in the queue is cancelled (its call never runs)
    /// and True is returned; one that is running or finished cannot be, and False is.
    pub fn cancel(&self) -> bool {
        let callbacks = {
            let mut s = guard(&self.0.slot);
            match s.state {
                State::Running | State::Finished => return false,
                State::Cancelled => return true,
                State::Pending => {}
            }
            s.state = State::Cancelled;
            hooks::trace(Kind::Signal, Op::Cancel, self.0.obj, 0);
            core::mem::take(&mut s.callbacks)
        };
        self.0.done.set();
        self.invoke(callbacks);
        true
    }

    /// `set_running_or_notify_cancel()`: what a worker calls before running the call.
    /// False if the future was cancelled (the call must not run).
    pub fn set_running_or_notify_cancel(&self) -> PyResult<bool> {
        let mut s = guard(&self.0.slot);
        match s.state {
            State::Cancelled => Ok(false),
            State::Pending => {
                s.state = State::Running;
                Ok(true)
            }
            _ => Err(PyErr::runtime("Future in unexpected state")),
        }
    }

    /// `set_result(value)`.
    pub fn set_result(&self, value: T) -> PyResult<()> {
        self.finish(Ok(value))
    }

    /// `set_exception(exc)`.
    pub fn set_exception(&self, e: PyErr) -> PyResult<()> {
        self.finish(Err(e))
    }

    fn finish(&self, r: PyResult<T>) -> PyResult<()> {
        let callbacks = {
            let mut s = guard(&self.0.slot);
            if matches!(s.state, State::Cancelled | State::Finished) {
                return Err(PyErr::Other {
                    class: "concurrent.futures._base.InvalidStateError".into(),
                    message: format!("{:?}: {self}", s.state),
                });
            }
            s.state = State::Finished;
            s.result = Some(r);
            core::mem::take(&mut s.callbacks)
        };
        // Records Signal/Set on the future, then wakes every waiter of result().
        self.0.done.set();
        self.invoke(callbacks);
        Ok(())
    }

    /// Runs done-callbacks in the calling thread; like Python, an exception in one is
    /// reported and does not stop the others.
    fn invoke(&self, callbacks: Vec<Callback<T>>) {
        for cb in callbacks {
            if let Err(e) = cb(self) {
                if e != PyErr::Interrupted {
                    let _ = runtime::eprint(&format!("exception calling callback for {self}\nTraceback (most recent call last):\n  File \"lesson.py\", in callback\n{e}"));
                }
            }
        }
    }

    /// `add_done_callback(fn)`: `f` runs with the future once it is done, in the thread
    /// that finishes it, or at once in this thread if it is done already.
    pub fn add_done_callback(&self, f: impl FnOnce(&Future<T>) -> PyResult<()> + Send + 'static) {
        {
            let mut s = guard(&self.0.slot);
            if !matches!(s.state, State::Cancelled | State::Finished) {
                s.callbacks.push(Box::new(f));
                return;
            }
        }
        self.invoke(vec![Box::new(f)]);
    }

    /// Waits until done, for at most `timeout` lesson seconds. False on timeout.
    fn wait_done(&self, timeout: Option<f64>) -> PyResult<bool> {
        let t = match timeout {
            Some(t) if t.is_nan() => return Err(PyErr::value("timeout must be a number")),
            Some(t) => Some(t.max(0.0)),
            None => None,
        };
        self.0.done.wait(t)
    }

    /// `exception(timeout=None)`: the exception the call raised, or None; waits like
    /// [`Future::result`].
    pub fn exception(&self, timeout: Option<f64>) -> PyResult<Option<PyErr>> {
        if !self.wait_done(timeout)? {
            hooks::trace(Kind::Timeout, Op::Result, self.0.obj, 0);
            return Err(PyErr::TimeoutError(String::new()));
        }
        let s = guard(&self.0.slot);
        match (&s.state, &s.result) {
            (State::Cancelled, _) => Err(cancelled_error()),
            (_, Some(Err(e))) => Ok(Some(e.clone())),
            _ => Ok(None),
        }
    }
}

impl<T: Send + Clone + 'static> Future<T> {
    /// `result(timeout=None)`: waits until the call is done, for at most `timeout` lesson
    /// seconds, and returns its value or re-raises its exception. Raises `TimeoutError`
    /// if it is not done in time and `CancelledError` if it was cancelled.
    pub fn result(&self, timeout: Option<f64>) -> PyResult<T> {
        let obj = self.0.obj;
        if !self.wait_done(timeout)? {
            hooks::trace(Kind::Timeout, Op::Result, obj, 0);
            return Err(PyErr::TimeoutError(String::new()));
        }
        let r = {
            let s = guard(&self.0.slot);
            match (&s.state, &s.result) {
                (State::Cancelled, _) => Err(cancelled_error()),
                (_, Some(r)) => r.clone(),
                _ => Err(PyErr::runtime("Future in unexpected state")),
            }
        };
        match &r {
            Ok(_) => hooks::trace(Kind::Ok, Op::Result, obj, 0),
            Err(e) => hooks::trace_fail(Op::Result, obj, e),
        }
        r
    }
}

/// Python's repr: `<Future at 0x7f3a00a01230 state=finished>`.
impl<T> fmt::Display for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (state, raised) = match self.0.slot.try_lock() {
            Ok(s) => {
                let raised = match &s.result {
                    Some(Err(e)) => Some(e.class().to_owned()),
                    _ => None,
                };
                (s.state, raised)
            }
            Err(_) => (State::Running, None),
        };
        let name = match state {
            State::Pending => "pending",
            State::Running => "running",
            State::Cancelled => "cancelled",
            State::Finished => "finished",
        };
        write!(f, "<Future at {:#x} state={name}", Arc::as_ptr(&self.0) as usize)?;
        if let Some(c) = raised {
            write!(f, " raised {c}")?;
        }
        f.write_str(">")
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A call waiting for a worker (Python's `_WorkItem`); `None` in the queue tells a
/// worker to exit.
trait Work: Send {
    /// `_WorkItem.run`: runs the call unless its future was cancelled, and settles the
    /// future. Fails only when the run is stopping.
    fn run(self: Box<Self>) -> PyResult<()>;
    /// Cancels the future without running the call (`shutdown(cancel_futures=True)`).
    fn cancel(self: Box<Self>);
}

type WorkItem = Box<dyn Work>;

struct Item<T, F> {
    fut: Future<T>,
    f: F,
    /// The executor's count of running futures.
    running: Arc<AtomicU32>,
}

impl<T, F> Work for Item<T, F>
where
    T: Send + 'static,
    F: FnOnce() -> PyResult<T> + Send + 'static,
{
    fn run(self: Box<Self>) -> PyResult<()> {
        let Item { fut, f, running } = *self;
        if !fut.set_running_or_notify_cancel()? {
            return Ok(());
        }
        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
        hooks::trace(Kind::Signal, Op::Start, fut.obj(), now as u64);
        let r = f();
        running.fetch_sub(1, Ordering::SeqCst);
        let stopped = matches!(r, Err(PyErr::Interrupted));
        fut.finish(r)?;
        if stopped {
            Err(PyErr::Interrupted)
        } else {
            Ok(())
        }
    }

    fn cancel(self: Box<Self>) {
        self.fut.cancel();
    }
}

struct ExecInner {
    prefix: String,
    max_workers: usize,
    work_queue: Queue<Option<WorkItem>>,
    idle: Semaphore,
    shutdown_lock: Lock,
    shutdown: AtomicBool,
    threads: Mutex<Vec<Thread>>,
    submitted: AtomicU32,
    /// Futures running now.
    running: Arc<AtomicU32>,
    obj: u32,
}

/// `concurrent.futures.ThreadPoolExecutor(max_workers)`: runs submitted calls on at most
/// `max_workers` lesson threads, started one at a time as the work needs them.
///
/// Dropping the executor without `shutdown` lets its workers finish the queued work and
/// exit, as Python does when the executor is garbage-collected.
///
/// Executors exist inside a run only (their workers are lesson threads).
///
/// # Examples
/// ```
/// use parlab::futures::ThreadPoolExecutor;
/// use parlab::runtime::{native, sleep, RunConfig};
/// use parlab::threading::current_thread;
/// let run = native::run(RunConfig { speed: 100.0, ..Default::default() }, || {
///     // `with ThreadPoolExecutor(max_workers=3) as ex:`
///     ThreadPoolExecutor::new(3)?.with(|ex| {
///         let squares: Vec<i64> = ex.map(|n: i64| { sleep(0.1 * (5 - n) as f64)?; Ok(n * n) }, 0..5)?.collect::<Result<_, _>>()?;
///         assert_eq!(squares, [0, 1, 4, 9, 16]); // input order, whatever the finishing order
///         let who = ex.submit(|| Ok(current_thread().name().to_owned()))?.result(None)?;
///         assert!(who.starts_with("ThreadPoolExecutor-0_"), "{who}");
///         Ok(())
///     })
/// });
/// assert_eq!(run.end_state(), Some(parlab::trace::EndState::Finished));
/// ```
pub struct ThreadPoolExecutor {
    inner: Arc<ExecInner>,
}

/// Per run, the number of executors created so far (Python's class-wide counter, which
/// a fresh interpreter starts at 0).
fn next_executor_number(run: &Arc<Run>) -> u32 {
    static COUNTERS: std::sync::Mutex<Vec<(Weak<Run>, u32)>> = std::sync::Mutex::new(Vec::new());
    let mut c = COUNTERS.lock().unwrap_or_else(|e| e.into_inner());
    c.retain(|(w, _)| w.strong_count() > 0);
    if let Some((_, n)) = c.iter_mut().find(|(w, _)| w.as_ptr() == Arc::as_ptr(run)) {
        *n += 1;
        return *n - 1;
    }
    c.push((Arc::downgrade(run), 1));
    0
}

impl ThreadPoolExecutor {
    /// `ThreadPoolExecutor(max_workers)`; `max_workers <= 0` raises `ValueError`.
    ///
    /// Panics when called outside a run.
    pub fn new(max_workers: i64) -> PyResult<ThreadPoolExecutor> {
        let ctx = runtime::current().expect("executors are created inside a run (see runtime::native::run)");
        let prefix = format!("ThreadPoolExecutor-{}", next_executor_number(&ctx.run));
        ThreadPoolExecutor::with_prefix(max_workers, &prefix)
    }

    /// `ThreadPoolExecutor(max_workers, thread_name_prefix=prefix)`: workers are named
    /// `{prefix}_0`, `{prefix}_1`, ...
    pub fn with_prefix(max_workers: i64, prefix: &str) -> PyResult<ThreadPoolExecutor> {
        if max_workers <= 0 {
            return Err(PyErr::value("max_workers must be greater than 0"));
        }
        let obj = hooks::new_object(ObjKind::Executor, prefix);
        Ok(ThreadPoolExecutor {
            inner: Arc::new(ExecInner {
                prefix: prefix.to_owned(),
                max_workers: max_workers as usize,
                work_queue: Queue::named(&format!("{prefix}._work_queue"), 0),
                idle: Semaphore::named(&format!("{prefix}._idle_semaphore"), 0)?,
                shutdown_lock: Lock::named(&format!("{prefix}._shutdown_lock")),
                shutdown: AtomicBool::new(false),
                threads: Mutex::new(Vec::new()),
                submitted: AtomicU32::new(0),
                running: Arc::new(AtomicU32::new(0)),
                obj,
            }),
        })
    }

    /// The trace object id (0 outside a run).
    pub fn obj(&self) -> u32 {
        self.inner.obj
    }

    /// The workers' name prefix, e.g. `ThreadPoolExecutor-0`.
    pub fn name(&self) -> &str {
        &self.inner.prefix
    }

    /// `_max_workers`.
    pub fn max_workers(&self) -> usize {
        self.inner.max_workers
    }

    /// Worker threads started so far (Python's `len(executor._threads)`).
    pub fn worker_count(&self) -> usize {
        guard(&self.inner.threads).len()
    }

    /// `submit(fn)`: schedules `f` and returns its future at once. Raises `RuntimeError`
    /// after `shutdown`.
    pub fn submit<T, F>(&self, f: F) -> PyResult<Future<T>>
    where
        T: Send + 'static,
        F: FnOnce() -> PyResult<T> + Send + 'static,
    {
        let inner = &self.inner;
        inner.shutdown_lock.with(|| {
            if inner.shutdown.load(Ordering::SeqCst) {
                return Err(PyErr::runtime("cannot schedule new futures after shutdown"));
            }
            let k = inner.submitted.fetch_add(1, Ordering::Relaxed);
            let fut: Future<T> = Future::named(&format!("future-{k}"));
            hooks::trace(Kind::Signal, Op::Submit, inner.obj, fut.obj() as u64);
            let item: WorkItem = Box::new(Item { fut: fut.clone(), f, running: inner.running.clone() });
            inner.work_queue.put(Some(item), true, None)?;
            self.adjust_thread_count()?;
            Ok(fut)
        })
    }

    /// Starts a worker unless one is idle, up to `max_workers` (Python's
    /// `_adjust_thread_count`).
    fn adjust_thread_count(&self) -> PyResult<()> {
        let inner = &self.inner;
        if inner.idle.acquire_with(true, Some(0.0))? {
            return Ok(());
        }
        let mut threads = guard(&inner.threads);
        if threads.len() < inner.max_workers {
            let name = format!("{}_{}", inner.prefix, threads.len());
            let me = inner.clone();
            let t = Thread::named(&name, "_worker", move || worker(me));
            threads.push(t.clone());
            drop(threads);
            t.start()?;
        }
        Ok(())
    }

    /// `map(fn, items)`: submits `f(item)` for every item at once, and returns an iterator
    /// over the results in the order of `items`, each waited for as it is reached.
    pub fn map<A, T, F>(&self, f: F, items: impl IntoIterator<Item = A>) -> PyResult<MapResults<T>>
    where
        A: Send + 'static,
        T: Send + Clone + 'static,
        F: Fn(A) -> PyResult<T> + Send + Sync + 'static,
    {
        self.map_timeout(f, items, None)
    }

    /// `map(fn, items, timeout=t)`: as [`ThreadPoolExecutor::map`]; the iterator raises
    /// `TimeoutError` for a result not ready `t` lesson seconds after this call.
    pub fn map_timeout<A, T, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = A>,
        timeout: Option<f64>,
    ) -> PyResult<MapResults<T>>
    where
        A: Send + 'static,
        T: Send + Clone + 'static,
        F: Fn(A) -> PyResult<T> + Send + Sync + 'static,
    {
        let end = timeout.map(|t| runtime::monotonic() + t);
        let f = Arc::new(f);
        let mut futures = VecDeque::new();
        for a in items {
            let f = f.clone();
            futures.push_back(self.submit(move || f(a))?);
        }
        Ok(MapResults { futures, end })
    }

    /// `shutdown(wait=True)`: no new submissions; the workers finish what is queued and
    /// exit. With `wait`, returns once they all have.
    pub fn shutdown(&self, wait: bool) -> PyResult<()> {
        self.shutdown_with(wait, false)
    }

    /// `shutdown(wait, cancel_futures)`: with `cancel_futures`, calls still waiting in the
    /// queue are cancelled instead of run.
    pub fn shutdown_with(&self, wait: bool, cancel_futures: bool) -> PyResult<()> {
        let inner = &self.inner;
        inner.shutdown_lock.with(|| {
            inner.shutdown.store(true, Ordering::SeqCst);
            if cancel_futures {
                while let Ok(item) = inner.work_queue.get(false, None) {
                    if let Some(item) = item {
                        item.cancel();
                    }
                }
            }
            inner.work_queue.put(None, true, None)
        })?;
        if wait {
            let threads: Vec<Thread> = guard(&inner.threads).clone();
            for t in threads {
                t.join(None)?;
            }
        }
        Ok(())
    }

    /// `with ThreadPoolExecutor(...) as ex:` runs `body`, then `shutdown(wait=True)`
    /// however `body` ends; an error of `body` wins over one of the shutdown.
    pub fn with<R>(self, body: impl FnOnce(&ThreadPoolExecutor) -> PyResult<R>) -> PyResult<R> {
        let r = body(&self);
        let s = self.shutdown(true);
        let v = r?;
        s.map(|_| v)
    }
}

impl Drop for ThreadPoolExecutor {
    fn drop(&mut self) {
        // Python's weakref callback: wake the workers so that they exit once the queue is
        // empty. After a shutdown the sentinel is there already.
        if !self.inner.shutdown.swap(true, Ordering::SeqCst) {
            let _ = self.inner.work_queue.put(None, true, None);
        }
    }
}

/// `_worker`: takes work items until it meets the sentinel, which it puts back for the
/// next worker.
fn worker(inner: Arc<ExecInner>) -> PyResult<()> {
    loop {
        match inner.work_queue.get(true, None)? {
            Some(item) => {
                item.run()?;
                // One more idle worker: the next submit need not start a thread.
                inner.idle.release(1)?;
            }
            None => {
                inner.work_queue.put(None, true, None)?;
                return Ok(());
            }
        }
    }
}

/// The iterator [`ThreadPoolExecutor::map`] returns: results in input order. Dropping it
/// early cancels the calls that have not started, like closing Python's generator.
pub struct MapResults<T: Send + 'static> {
    futures: VecDeque<Future<T>>,
    end: Option<f64>,
}

impl<T: Send + Clone + 'static> Iterator for MapResults<T> {
    type Item = PyResult<T>;

    fn next(&mut self) -> Option<PyResult<T>> {
        let f = self.futures.pop_front()?;
        let r = f.result(self.end.map(|e| (e - runtime::monotonic()).max(0.0)));
        if r.is_err() {
            // Python's generator is finished once it raised: cancel the rest.
            for f in self.futures.drain(..) {
                f.cancel();
            }
        }
        Some(r)
    }
}

impl<T: Send + 'static> Drop for MapResults<T> {
    fn drop(&mut self) {
        for f in self.futures.drain(..) {
            f.cancel();
        }
    }
}
