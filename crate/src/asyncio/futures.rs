//! `asyncio.Future`: a result that is not there yet, on one loop. Its done callbacks are
//! scheduled with `call_soon` when it completes, in the order they were added; a task
//! waiting in `await fut` is one of them (its step goes straight to the ready queue, as
//! CPython's `Task.__wakeup` does), so a task resumes one iteration after `set_result`.

use super::events::LoopInner;
use super::{cancelled_error, invalid_state};
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::trace::{Kind, ObjKind, Op};
use std::cell::RefCell;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

enum Callback<T> {
    /// A task awaiting the future: (its number, its waker).
    Wake(u32, Waker),
    Call(Box<dyn FnOnce(&Future<T>)>),
}

enum Outcome<T> {
    Pending,
    Result(T),
    Exception(PyErr),
    Cancelled(Option<String>),
}

struct Inner<T> {
    outcome: RefCell<Outcome<T>>,
    callbacks: RefCell<Vec<Callback<T>>>,
    lp: Weak<LoopInner>,
    /// The traced object (0: a future of the library's own, such as `sleep`'s).
    obj: u32,
}

/// `asyncio.Future`; cloning gives another handle to the same future.
pub struct Future<T>(Rc<Inner<T>>);

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future(self.0.clone())
    }
}

impl<T: Clone + 'static> Future<T> {
    /// `asyncio.Future()` on the running loop (`loop.create_future()`).
    pub fn new() -> PyResult<Future<T>> {
        let lp = super::events::running().ok_or_else(|| PyErr::runtime("no running event loop"))?;
        Ok(Future::on(&lp, true))
    }

    pub(crate) fn on(lp: &Rc<LoopInner>, traced: bool) -> Future<T> {
        let obj = if traced { hooks::new_object(ObjKind::AsyncFuture, "Future") } else { 0 };
        Future(Rc::new(Inner {
            outcome: RefCell::new(Outcome::Pending),
            callbacks: RefCell::new(Vec::new()),
            lp: lp.weak(),
            obj,
        }))
    }

    /// A future of no loop (gather of nothing outside one): done at once, nobody waits.
    pub(crate) fn detached() -> Future<T> {
        Future(Rc::new(Inner {
            outcome: RefCell::new(Outcome::Pending),
            callbacks: RefCell::new(Vec::new()),
            lp: Weak::new(),
            obj: 0,
        }))
    }

    pub(crate) fn obj(&self) -> u32 {
        self.0.obj
    }

    pub fn done(&self) -> bool {
        !matches!(*self.0.outcome.borrow(), Outcome::Pending)
    }

    pub fn cancelled(&self) -> bool {
        matches!(*self.0.outcome.borrow(), Outcome::Cancelled(_))
    }

    /// `result()`: the value, or the exception raised again; `CancelledError` if
    /// cancelled; `InvalidStateError` while pending.
    pub fn result(&self) -> PyResult<T> {
        match &*self.0.outcome.borrow() {
            Outcome::Pending => Err(invalid_state("Result is not set.")),
            Outcome::Result(v) => Ok(v.clone()),
            Outcome::Exception(e) => Err(e.clone()),
            Outcome::Cancelled(msg) => Err(cancelled_error(msg.as_deref())),
        }
    }

    /// `exception()`: the exception it holds, if any.
    pub fn exception(&self) -> PyResult<Option<PyErr>> {
        match &*self.0.outcome.borrow() {
            Outcome::Pending => Err(invalid_state("Exception is not set.")),
            Outcome::Result(_) => Ok(None),
            Outcome::Exception(e) => Ok(Some(e.clone())),
            Outcome::Cancelled(msg) => Err(cancelled_error(msg.as_deref())),
        }
    }

    /// `set_result(value)`; `InvalidStateError` once done.
    pub fn set_result(&self, value: T) -> PyResult<()> {
        self.complete(Outcome::Result(value), Op::SetResult)
    }

    /// `set_exception(exc)`; `InvalidStateError` once done.
    pub fn set_exception(&self, exc: PyErr) -> PyResult<()> {
        self.complete(Outcome::Exception(exc), Op::SetException)
    }

    /// `cancel(msg)`: false if already done.
    pub fn cancel(&self, msg: Option<String>) -> bool {
        self.complete(Outcome::Cancelled(msg), Op::Cancel).is_ok()
    }

    fn complete(&self, outcome: Outcome<T>, op: Op) -> PyResult<()> {
        {
            let mut o = self.0.outcome.borrow_mut();
            if !matches!(*o, Outcome::Pending) {
                return Err(invalid_state("invalid state"));
            }
            *o = outcome;
        }
        if self.0.obj != 0 {
            hooks::trace_task(super::current_task_id(), Kind::Signal, op as u16, self.0.obj, 0);
        }
        self.schedule_callbacks();
        Ok(())
    }

    /// Each done callback to the end of the ready queue, in the order they were added.
    fn schedule_callbacks(&self) {
        let callbacks = std::mem::take(&mut *self.0.callbacks.borrow_mut());
        let Some(lp) = self.0.lp.upgrade() else { return };
        for cb in callbacks {
            match cb {
                Callback::Wake(_, waker) => waker.wake(),
                Callback::Call(f) => {
                    let me = self.clone();
                    lp.call_soon(Box::new(move || f(&me)));
                }
            }
        }
    }

    /// `add_done_callback(fn)`: scheduled at once if the future is done already.
    pub fn add_done_callback(&self, f: impl FnOnce(&Future<T>) + 'static) {
        if self.done() {
            if let Some(lp) = self.0.lp.upgrade() {
                let me = self.clone();
                lp.call_soon(Box::new(move || f(&me)));
            }
        } else {
            self.0.callbacks.borrow_mut().push(Callback::Call(Box::new(f)));
        }
    }

    fn add_waker(&self, task: u32, waker: Waker) {
        self.0.callbacks.borrow_mut().push(Callback::Wake(task, waker));
    }

    fn remove_waker(&self, task: u32) {
        self.0.callbacks.borrow_mut().retain(|c| !matches!(c, Callback::Wake(t, _) if *t == task));
    }

    /// `await fut`, where cancelling the awaiting task cancels `fut`.
    pub(crate) fn wait(&self, op: Op) -> Wait<T> {
        let me = self.clone();
        self.wait_cancelling(op, Rc::new(move |msg| me.cancel(msg)))
    }

    /// `await fut`, where cancelling the awaiting task calls `cancel` (a task cancels
    /// its own coroutine, a gather its children, a shield only its outer future).
    pub(crate) fn wait_cancelling(&self, op: Op, cancel: Canceller) -> Wait<T> {
        Wait { fut: self.clone(), cancel, op, waiting: 0 }
    }
}

/// What cancelling a task does to the future it waits for; true if that was cancelled.
pub(crate) type Canceller = Rc<dyn Fn(Option<String>) -> bool>;

/// The future of `await fut`.
pub struct Wait<T> {
    fut: Future<T>,
    cancel: Canceller,
    op: Op,
    /// The task waiting (0: not yet).
    waiting: u32,
}

impl<T: Clone + 'static> std::future::Future for Wait<T> {
    type Output = PyResult<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PyResult<T>> {
        if self.waiting != 0 {
            // Resumed: a cancel that came while it was ready is thrown in here.
            if let Some(meta) = super::events::current_meta() {
                if let Some(err) = meta.take_cancel() {
                    self.fut.remove_waker(self.waiting);
                    self.waiting = 0;
                    return Poll::Ready(Err(err));
                }
            }
        }
        if self.fut.done() {
            self.waiting = 0;
            return Poll::Ready(self.fut.result());
        }
        let Some(meta) = super::events::current_meta() else {
            return Poll::Ready(Err(PyErr::runtime("await outside of a task")));
        };
        if self.waiting == 0 {
            self.waiting = meta.id;
            self.fut.add_waker(meta.id, cx.waker().clone());
            hooks::trace_task(meta.id, Kind::Block, self.op as u16, meta.obj, u64::from(self.fut.obj()));
            meta.blocked.set(true);
        }
        *meta.fut_waiter.borrow_mut() = Some(self.cancel.clone());
        Poll::Pending
    }
}

impl<T> Drop for Wait<T> {
    fn drop(&mut self) {
        if self.waiting != 0 {
            let task = self.waiting;
            self.fut.0.callbacks.borrow_mut().retain(|c| !matches!(c, Callback::Wake(t, _) if *t == task));
        }
    }
}

impl<T: Clone + 'static> std::future::IntoFuture for &Future<T> {
    type Output = PyResult<T>;
    type IntoFuture = Wait<T>;
    fn into_future(self) -> Wait<T> {
        self.wait(Op::Await)
    }
}

impl<T: Clone + 'static> std::future::IntoFuture for Future<T> {
    type Output = PyResult<T>;
    type IntoFuture = Wait<T>;
    fn into_future(self) -> Wait<T> {
        self.wait(Op::Await)
    }
}

/// `await asyncio.sleep(0)`: gives the loop back for exactly one iteration.
pub(crate) struct YieldNow(bool);

impl YieldNow {
    pub(crate) fn new() -> YieldNow {
        YieldNow(false)
    }
}

impl std::future::Future for YieldNow {
    type Output = PyResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PyResult<()>> {
        let Some(meta) = super::events::current_meta() else {
            return Poll::Ready(Err(PyErr::runtime("await outside of a task")));
        };
        if self.0 {
            return Poll::Ready(meta.take_cancel().map_or(Ok(()), Err));
        }
        self.0 = true;
        hooks::trace_task(meta.id, Kind::Block, Op::Sleep as u16, meta.obj, 0);
        meta.blocked.set(true);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
