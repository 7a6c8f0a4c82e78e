//! `asyncio.Task` and the functions built on tasks: `create_task`, `sleep`, `gather`,
//! `shield`, `wait_for`, `current_task`, `all_tasks`, with CPython 3.11's rules (see each).

use super::events::{self, running, trace_task_end, LoopInner};
use super::futures::{Canceller, Future, YieldNow};
use super::{cancelled_error, is_cancelled_error};
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::trace::{Kind, ObjKind, Op, ThreadEndHow};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::Waker;

/// What the loop knows of a task, whatever its result's type.
pub(crate) struct TaskMeta {
    /// Its number: `Task-N`, and its actor (`Actor::task`).
    pub(crate) id: u32,
    pub(crate) obj: u32,
    name: RefCell<String>,
    /// A cancel to throw in at its next step (`_must_cancel`).
    pub(crate) must_cancel: Cell<bool>,
    pub(crate) cancel_msg: RefCell<Option<String>>,
    num_cancels_requested: Cell<u32>,
    /// What cancels the future it waits for (`_fut_waiter`), while it waits.
    pub(crate) fut_waiter: RefCell<Option<Canceller>>,
    /// A step of it is in the ready queue.
    pub(crate) scheduled: Cell<bool>,
    pub(crate) started: Cell<bool>,
    /// It waits at an `await` (its lane shows it blocked until its next step).
    pub(crate) blocked: Cell<bool>,
    pub(crate) done: Cell<bool>,
    pub(crate) waker: Waker,
    /// Ends the task cancelled, without running its coroutine.
    pub(crate) finish_cancelled: Box<dyn Fn(Option<String>)>,
    /// Adds a callback for when it is done.
    on_done: Box<dyn Fn(Box<dyn FnOnce()>)>,
}

impl TaskMeta {
    /// The pending cancel, as the `CancelledError` to throw in at the current `await`.
    pub(crate) fn take_cancel(&self) -> Option<PyErr> {
        self.must_cancel.replace(false).then(|| cancelled_error(self.cancel_msg.borrow_mut().take().as_deref()))
    }

    /// `Task.cancel(msg)` (3.11): false if done; else counts the request and cancels the
    /// future the task waits for, or, if it waits for none (it is ready, or running),
    /// leaves the cancel to be thrown in at its next step.
    fn cancel(&self, msg: Option<String>) -> bool {
        if self.done.get() {
            return false;
        }
        self.num_cancels_requested.set(self.num_cancels_requested.get() + 1);
        let waiter = self.fut_waiter.borrow().clone();
        if !waiter.is_some_and(|cancel| cancel(msg.clone())) {
            self.must_cancel.set(true);
            *self.cancel_msg.borrow_mut() = msg;
        }
        hooks::trace_task(super::current_task_id(), Kind::Signal, Op::Cancel as u16, self.obj, u64::from(self.id));
        true
    }
}

/// `asyncio.Task`: a coroutine the loop runs step by step; cloning gives another handle.
pub struct Task<T> {
    pub(crate) meta: Rc<TaskMeta>,
    pub(crate) fut: Future<T>,
}

impl<T> Clone for Task<T> {
    fn clone(&self) -> Self {
        Task { meta: self.meta.clone(), fut: self.fut.clone() }
    }
}

/// As CPython's repr, shortened: `<Task pending name='Task-2'>`.
impl<T: Clone + 'static> std::fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match (self.done(), self.cancelled()) {
            (false, _) => "pending",
            (true, true) => "cancelled",
            (true, false) => "finished",
        };
        write!(f, "<Task {state} name='{}'>", self.get_name())
    }
}

/// A task whatever its result's type (`current_task()`, `all_tasks()`).
#[derive(Clone)]
pub struct TaskRef(pub(crate) Rc<TaskMeta>);

impl TaskRef {
    pub fn get_name(&self) -> String {
        self.0.name.borrow().clone()
    }
    pub fn cancel(&self, msg: Option<&str>) -> bool {
        self.0.cancel(msg.map(str::to_owned))
    }
    pub fn done(&self) -> bool {
        self.0.done.get()
    }
    pub fn cancelling(&self) -> u32 {
        self.0.num_cancels_requested.get()
    }
    /// `uncancel()`: one cancel request fewer; how many remain.
    pub fn uncancel(&self) -> u32 {
        let n = self.0.num_cancels_requested.get().saturating_sub(1);
        self.0.num_cancels_requested.set(n);
        n
    }
    pub(crate) fn on_done(&self, f: Box<dyn FnOnce()>) {
        (self.0.on_done)(f)
    }
}

impl<T: Clone + 'static> Task<T> {
    pub fn get_name(&self) -> String {
        self.meta.name.borrow().clone()
    }
    pub fn set_name(&self, name: &str) {
        *self.meta.name.borrow_mut() = name.to_owned();
    }
    /// `cancel(msg)`; see [`TaskRef::cancel`].
    pub fn cancel(&self, msg: Option<&str>) -> bool {
        self.meta.cancel(msg.map(str::to_owned))
    }
    pub fn cancelled(&self) -> bool {
        self.fut.cancelled()
    }
    pub fn done(&self) -> bool {
        self.fut.done()
    }
    pub fn result(&self) -> PyResult<T> {
        self.fut.result()
    }
    pub fn exception(&self) -> PyResult<Option<PyErr>> {
        self.fut.exception()
    }
    /// `cancelling()`: cancel requests not yet withdrawn with `uncancel()`.
    pub fn cancelling(&self) -> u32 {
        self.as_ref().cancelling()
    }
    pub fn uncancel(&self) -> u32 {
        self.as_ref().uncancel()
    }
    pub fn add_done_callback(&self, f: impl FnOnce(&Task<T>) + 'static) {
        let me = self.clone();
        self.fut.add_done_callback(move |_| f(&me));
    }
    pub fn as_ref(&self) -> TaskRef {
        TaskRef(self.meta.clone())
    }
    /// The number in its default name, and its actor's `task`.
    pub fn id(&self) -> u32 {
        self.meta.id
    }
}

/// `await task`: cancelling the awaiting task cancels this one too.
impl<T: Clone + 'static> std::future::IntoFuture for &Task<T> {
    type Output = PyResult<T>;
    type IntoFuture = super::futures::Wait<T>;
    fn into_future(self) -> Self::IntoFuture {
        let meta = self.meta.clone();
        self.fut.wait_cancelling(Op::Await, Rc::new(move |msg| meta.cancel(msg)))
    }
}

impl<T: Clone + 'static> std::future::IntoFuture for Task<T> {
    type Output = PyResult<T>;
    type IntoFuture = super::futures::Wait<T>;
    fn into_future(self) -> Self::IntoFuture {
        (&self).into_future()
    }
}

/// Wraps `coro` in a task on `lp`, scheduled to take its first step.
pub(crate) fn spawn<T: Clone + 'static>(
    lp: &Rc<LoopInner>,
    coro: impl std::future::Future<Output = PyResult<T>> + 'static,
    name: Option<&str>,
) -> Task<T> {
    let id = events::next_task_number();
    let name = name.map_or_else(|| format!("Task-{id}"), str::to_owned);
    let obj = hooks::new_object(ObjKind::Task, &name);
    let fut = Future::<T>::on(lp, false);
    let (cancel_fut, done_fut) = (fut.clone(), fut.clone());
    let meta = Rc::new(TaskMeta {
        id,
        obj,
        name: RefCell::new(name.clone()),
        must_cancel: Cell::new(false),
        cancel_msg: RefCell::new(None),
        num_cancels_requested: Cell::new(0),
        fut_waiter: RefCell::new(None),
        scheduled: Cell::new(false),
        started: Cell::new(false),
        blocked: Cell::new(false),
        done: Cell::new(false),
        waker: lp.waker_for(id),
        finish_cancelled: Box::new(move |msg| {
            hooks::trace_task(id, Kind::TaskEnd, ThreadEndHow::Raised as u16, obj, 0);
            cancel_fut.cancel(msg);
        }),
        on_done: Box::new(move |f| done_fut.add_done_callback(move |_| f())),
    });
    hooks::trace_task_str(id, Kind::TaskNew, 0, obj, &name);
    let (m, f) = (meta.clone(), fut.clone());
    let wrapper = async move {
        let r = coro.await;
        finish(&m, &f, r);
    };
    lp.add_task(Box::pin(wrapper), meta.clone());
    Task { meta, fut }
}

/// The coroutine returned or raised: the task's future gets its outcome.
fn finish<T: Clone + 'static>(meta: &TaskMeta, fut: &Future<T>, r: PyResult<T>) {
    meta.done.set(true);
    match r {
        Err(e) if is_cancelled_error(&e) => {
            trace_task_end(meta, ThreadEndHow::Raised);
            let msg = (!e.message().is_empty()).then(|| e.message().to_owned());
            fut.cancel(msg);
        }
        // Cancelled while it ran its last step, which then returned: cancelled all the same.
        Ok(_) if meta.must_cancel.get() => {
            trace_task_end(meta, ThreadEndHow::Raised);
            fut.cancel(meta.cancel_msg.borrow_mut().take());
        }
        Ok(v) => {
            trace_task_end(meta, ThreadEndHow::Returned);
            let _ = fut.set_result(v);
        }
        Err(PyErr::Interrupted) => {
            trace_task_end(meta, ThreadEndHow::Stopped);
            let _ = fut.set_exception(PyErr::Interrupted);
        }
        Err(e) => {
            trace_task_end(meta, ThreadEndHow::Raised);
            let _ = fut.set_exception(e);
        }
    }
}

fn loop_or_err() -> PyResult<Rc<LoopInner>> {
    running().ok_or_else(|| PyErr::runtime("no running event loop"))
}

/// `asyncio.create_task(coro)` on the running loop, named `Task-N`.
///
/// # Panics
/// Outside a running loop, where CPython raises `RuntimeError: no running event loop`
/// (lesson code creates tasks inside coroutines, which only run on a loop).
pub fn create_task<T: Clone + 'static>(coro: impl std::future::Future<Output = PyResult<T>> + 'static) -> Task<T> {
    let lp = loop_or_err().expect("create_task: no running event loop");
    spawn(&lp, coro, None)
}

/// `asyncio.create_task(coro, name=name)`.
pub fn create_task_named<T: Clone + 'static>(
    coro: impl std::future::Future<Output = PyResult<T>> + 'static,
    name: &str,
) -> Task<T> {
    let lp = loop_or_err().expect("create_task: no running event loop");
    spawn(&lp, coro, Some(name))
}

/// `asyncio.current_task()`.
pub fn current_task() -> Option<TaskRef> {
    events::current_meta().map(TaskRef)
}

/// `asyncio.all_tasks()`: the running loop's tasks not done, in creation order.
pub fn all_tasks() -> Vec<TaskRef> {
    running().map(|lp| lp.pending_tasks()).unwrap_or_default()
}

/// `await asyncio.sleep(secs)`: lesson seconds on the loop's timer heap; `sleep(0)` (or
/// less) gives the loop back for exactly one iteration.
pub async fn sleep(secs: f64) -> PyResult<()> {
    if secs.is_nan() || secs <= 0.0 {
        return YieldNow::new().await;
    }
    let lp = loop_or_err()?;
    let fut = Future::<()>::on(&lp, false);
    let due = fut.clone();
    let handle = lp.call_later(
        secs,
        Box::new(move || {
            if !due.done() {
                let _ = due.set_result(());
            }
        }),
    );
    let r = fut.wait(Op::Sleep).await;
    handle.cancel();
    r
}

struct GatherState<T> {
    outer: Future<Vec<PyResult<T>>>,
    children: Vec<Task<T>>,
    finished: Cell<usize>,
    cancel_requested: Cell<bool>,
    return_exceptions: bool,
}

impl<T: Clone + 'static> GatherState<T> {
    /// `_GatheringFuture.cancel`: cancels every child not done; true if any was.
    fn cancel(&self, msg: Option<String>) -> bool {
        if self.outer.done() {
            return false;
        }
        let mut any = false;
        for c in &self.children {
            any |= c.meta.cancel(msg.clone());
        }
        if any {
            self.cancel_requested.set(true);
        }
        any
    }

    /// A child is done (`gather`'s `_done_callback`).
    fn child_done(&self, child: &Task<T>) {
        self.finished.set(self.finished.get() + 1);
        if self.outer.done() {
            return;
        }
        if !self.return_exceptions {
            if child.cancelled() {
                let _ = self.outer.set_exception(child.result().err().unwrap_or_else(|| cancelled_error(None)));
                return;
            }
            if let Ok(Some(e)) = child.exception() {
                let _ = self.outer.set_exception(e);
                return;
            }
        }
        if self.finished.get() == self.children.len() {
            let results = self.children.iter().map(|c| c.result()).collect();
            if self.cancel_requested.get() {
                let _ = self.outer.set_exception(child.result().err().unwrap_or_else(|| cancelled_error(None)));
            } else {
                let _ = self.outer.set_result(results);
            }
        }
    }
}

/// `asyncio.gather(*tasks)`: their results in the order given, whatever order they finish
/// in. The first exception (a cancelled child's `CancelledError` too) is the gather's at
/// once, and the other children go on; cancelling the gather cancels every child.
pub struct Gather<T>(Rc<GatherState<T>>);

/// `asyncio.gather(*tasks, return_exceptions=True)`: every child's outcome, in order.
pub struct GatherAll<T>(Rc<GatherState<T>>);

fn gather_state<T: Clone + 'static>(children: Vec<Task<T>>, return_exceptions: bool) -> Rc<GatherState<T>> {
    let lp = running();
    let outer = match &lp {
        Some(lp) => Future::on(lp, false),
        None => Future::detached(),
    };
    let state = Rc::new(GatherState {
        outer,
        children,
        finished: Cell::new(0),
        cancel_requested: Cell::new(false),
        return_exceptions,
    });
    if state.children.is_empty() {
        let _ = state.outer.set_result(Vec::new());
    }
    for c in &state.children {
        let weak = Rc::downgrade(&state);
        c.add_done_callback(move |c| {
            if let Some(s) = weak.upgrade() {
                s.child_done(c)
            }
        });
    }
    state
}

pub fn gather<T: Clone + 'static>(tasks: impl IntoIterator<Item = Task<T>>) -> Gather<T> {
    Gather(gather_state(tasks.into_iter().collect(), false))
}

pub fn gather_return_exceptions<T: Clone + 'static>(tasks: impl IntoIterator<Item = Task<T>>) -> GatherAll<T> {
    GatherAll(gather_state(tasks.into_iter().collect(), true))
}

macro_rules! gather_api {
    ($ty:ident) => {
        impl<T: Clone + 'static> $ty<T> {
            /// `cancel(msg)`: cancels every child not done; true if any was.
            pub fn cancel(&self, msg: Option<&str>) -> bool {
                self.0.cancel(msg.map(str::to_owned))
            }
            pub fn done(&self) -> bool {
                self.0.outer.done()
            }
            fn wait(&self) -> super::futures::Wait<Vec<PyResult<T>>> {
                // The gather is held by its awaiter: children's callbacks reach it weakly.
                let state = self.0.clone();
                self.0.outer.wait_cancelling(Op::Await, Rc::new(move |msg| state.cancel(msg)))
            }
        }
    };
}
gather_api!(Gather);
gather_api!(GatherAll);

impl<T: Clone + 'static> std::future::IntoFuture for Gather<T> {
    type Output = PyResult<Vec<T>>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = PyResult<Vec<T>>>>>;
    fn into_future(self) -> Self::IntoFuture {
        let wait = self.wait();
        Box::pin(async move { wait.await?.into_iter().collect() })
    }
}

impl<T: Clone + 'static> std::future::IntoFuture for GatherAll<T> {
    type Output = PyResult<Vec<PyResult<T>>>;
    type IntoFuture = super::futures::Wait<Vec<PyResult<T>>>;
    fn into_future(self) -> Self::IntoFuture {
        self.wait()
    }
}

/// `asyncio.shield(task)`: a future that takes `task`'s outcome; cancelling it (or the
/// task awaiting it) leaves `task` running.
pub fn shield<T: Clone + 'static>(inner: &Task<T>) -> Future<T> {
    let outer = match running() {
        Some(lp) => Future::on(&lp, false),
        None => Future::detached(),
    };
    let o = outer.clone();
    inner.add_done_callback(move |inner| {
        if o.cancelled() {
            return;
        }
        if inner.cancelled() {
            o.cancel(None);
            return;
        }
        let _ = match inner.fut.result() {
            Ok(v) => o.set_result(v),
            Err(e) => o.set_exception(e),
        };
    });
    outer
}

/// A waiter's release (`_release_waiter`).
fn release(waiter: &Future<()>) {
    if !waiter.done() {
        let _ = waiter.set_result(());
    }
}

/// `_cancel_and_wait(fut)`: cancels the task and waits until it is done.
async fn cancel_and_wait<T: Clone + 'static>(lp: &Rc<LoopInner>, task: &impl Awaitable<T>) -> PyResult<()> {
    let waiter = Future::<()>::on(lp, false);
    let w = waiter.clone();
    task.future().add_done_callback(move |_| release(&w));
    task.cancel_it();
    waiter.wait(Op::Await).await
}

/// What `wait_for` accepts: a task (cancelling it cancels its coroutine) or a future
/// (`shield`'s, whose cancel leaves the task inside running).
pub trait Awaitable<T: Clone + 'static> {
    /// The future that holds the outcome.
    fn future(&self) -> &Future<T>;
    /// Cancels it; true if it was not done.
    fn cancel_it(&self) -> bool;
}

impl<T: Clone + 'static> Awaitable<T> for Task<T> {
    fn future(&self) -> &Future<T> {
        &self.fut
    }
    fn cancel_it(&self) -> bool {
        self.cancel(None)
    }
}

impl<T: Clone + 'static> Awaitable<T> for Future<T> {
    fn future(&self) -> &Future<T> {
        self
    }
    fn cancel_it(&self) -> bool {
        self.cancel(None)
    }
}

/// `await asyncio.wait_for(task, timeout)` (3.11): the task's result if it is done within
/// `timeout` lesson seconds; else it is cancelled, waited for, and `TimeoutError` raised
/// (its cause, in CPython, the task's `CancelledError`). Cancelling the waiting task
/// cancels `task` too.
pub async fn wait_for<T: Clone + 'static>(task: impl Awaitable<T> + 'static, timeout: Option<f64>) -> PyResult<T> {
    let lp = loop_or_err()?;
    let Some(timeout) = timeout else {
        // Cancelling the waiting task cancels this one (or only shield's outer future).
        let task = Rc::new(task);
        let t = task.clone();
        return task.future().wait_cancelling(Op::Await, Rc::new(move |_| t.cancel_it())).await;
    };
    if timeout <= 0.0 {
        if task.future().done() {
            return task.future().result();
        }
        cancel_and_wait(&lp, &task).await?;
        return task.future().result().map_err(|e| {
            if is_cancelled_error(&e) {
                PyErr::TimeoutError(String::new())
            } else {
                e
            }
        });
    }
    let waiter = Future::<()>::on(&lp, false);
    let w = waiter.clone();
    let handle = lp.call_later(timeout, Box::new(move || release(&w)));
    let w = waiter.clone();
    task.future().add_done_callback(move |_| release(&w));
    let waited = waiter.wait(Op::Await).await;
    let out = match waited {
        Err(e) if is_cancelled_error(&e) => {
            if task.future().done() {
                task.future().result()
            } else {
                let _ = cancel_and_wait(&lp, &task).await;
                Err(e)
            }
        }
        Err(e) => Err(e),
        Ok(()) if task.future().done() => task.future().result(),
        Ok(()) => {
            cancel_and_wait(&lp, &task).await?;
            task.future()
                .result()
                .map_err(|e| if is_cancelled_error(&e) { PyErr::TimeoutError(String::new()) } else { e })
        }
    };
    handle.cancel();
    out
}

/// When `asyncio.wait` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnWhen {
    FirstCompleted,
    FirstException,
    AllCompleted,
}

/// `await asyncio.wait(tasks, timeout=..., return_when=...)` (3.11's `_wait`): waits until
/// `return_when` holds or `timeout` lesson seconds pass, and returns the tasks done and
/// those pending, each in the order given (Python's are sets). Raises nothing on a
/// timeout; `ValueError` for no tasks.
pub async fn wait<T: Clone + 'static>(
    tasks: Vec<Task<T>>,
    timeout: Option<f64>,
    return_when: ReturnWhen,
) -> PyResult<(Vec<Task<T>>, Vec<Task<T>>)> {
    if tasks.is_empty() {
        return Err(PyErr::value("Set of Tasks/Futures is empty."));
    }
    let lp = loop_or_err()?;
    let waiter = Future::<()>::on(&lp, false);
    let timer = timeout.map(|t| {
        let w = waiter.clone();
        lp.call_later(t, Box::new(move || release(&w)))
    });
    let counter = Rc::new(Cell::new(tasks.len()));
    for t in &tasks {
        let (w, counter, timer) = (waiter.clone(), counter.clone(), timer.clone());
        t.add_done_callback(move |f| {
            counter.set(counter.get().saturating_sub(1));
            let failed = !f.cancelled() && matches!(f.exception(), Ok(Some(_)));
            if counter.get() == 0
                || return_when == ReturnWhen::FirstCompleted
                || (return_when == ReturnWhen::FirstException && failed)
            {
                if let Some(h) = &timer {
                    h.cancel();
                }
                release(&w);
            }
        });
    }
    let waited = waiter.wait(Op::Await).await;
    if let Some(h) = &timer {
        h.cancel();
    }
    waited?;
    Ok(tasks.into_iter().partition(|t| t.done()))
}

struct Completed<T> {
    /// Tasks done, in the order they finished; `None` marks the timeout.
    queue: RefCell<std::collections::VecDeque<Option<Task<T>>>>,
    /// A `get` waiting for the queue (asyncio.Queue's getter).
    getter: RefCell<Option<Future<()>>>,
    todo: Cell<usize>,
    timer: RefCell<Option<super::TimerHandle>>,
}

impl<T: Clone + 'static> Completed<T> {
    fn put(&self, item: Option<Task<T>>) {
        self.queue.borrow_mut().push_back(item);
        if let Some(g) = self.getter.borrow_mut().take() {
            release(&g);
        }
    }
}

/// `asyncio.as_completed(tasks, timeout=...)`: [`AsCompleted::next`] gives the results in
/// the order the tasks finish; past `timeout` lesson seconds, each remaining `next`
/// raises `TimeoutError`.
pub struct AsCompleted<T> {
    state: Rc<Completed<T>>,
    left: usize,
    lp: Rc<LoopInner>,
}

/// `asyncio.as_completed(tasks, timeout)`.
pub fn as_completed<T: Clone + 'static>(tasks: Vec<Task<T>>, timeout: Option<f64>) -> PyResult<AsCompleted<T>> {
    let lp = loop_or_err()?;
    let state = Rc::new(Completed {
        queue: RefCell::new(std::collections::VecDeque::new()),
        getter: RefCell::new(None),
        todo: Cell::new(tasks.len()),
        timer: RefCell::new(None),
    });
    for t in &tasks {
        let s = Rc::downgrade(&state);
        t.add_done_callback(move |t| {
            let Some(s) = s.upgrade() else { return };
            if s.todo.get() == 0 {
                return;
            }
            s.todo.set(s.todo.get() - 1);
            s.put(Some(t.clone()));
            if s.todo.get() == 0 {
                if let Some(h) = s.timer.borrow_mut().take() {
                    h.cancel();
                }
            }
        });
    }
    if let (Some(t), false) = (timeout, tasks.is_empty()) {
        let s = Rc::downgrade(&state);
        let h = lp.call_later(
            t,
            Box::new(move || {
                let Some(s) = s.upgrade() else { return };
                for _ in 0..s.todo.get() {
                    s.put(None);
                }
                s.todo.set(0);
            }),
        );
        *state.timer.borrow_mut() = Some(h);
    }
    Ok(AsCompleted { state, left: tasks.len(), lp })
}

impl<T: Clone + 'static> AsCompleted<T> {
    /// How many results are still to come.
    pub fn remaining(&self) -> usize {
        self.left
    }

    /// The next task to finish's result (`await next(it)`); `None` once all were given.
    pub async fn next(&mut self) -> Option<PyResult<T>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        loop {
            let item = self.state.queue.borrow_mut().pop_front();
            match item {
                Some(Some(task)) => return Some(task.result()),
                Some(None) => return Some(Err(PyErr::TimeoutError(String::new()))),
                None => {
                    let getter = Future::<()>::on(&self.lp, false);
                    *self.state.getter.borrow_mut() = Some(getter.clone());
                    if let Err(e) = getter.wait(Op::Await).await {
                        return Some(Err(e));
                    }
                }
            }
        }
    }
}
