//! Python's `asyncio`, on a real event loop of the project's own: one lesson thread runs
//! the loop ([`events`]), whose FIFO ready queue and timer heap decide which task goes on;
//! lesson coroutines are Rust `async` code (std futures, woken by the loop's own waker; no
//! runtime crate), written as the listing's `async def`s are.
//!
//! One file per concern, as CPython's package: [`events`] (the loop, handles, `run`),
//! [`futures`] (`Future`), [`tasks`] (`Task`, `create_task`, `sleep`, `gather`, `shield`,
//! `wait_for`, `wait`, `as_completed`), [`timeouts`] (`timeout()`).
//!
//! In the trace, every task is an actor of its own (`Actor::task`, its number in
//! `Task-N`): `TaskNew` gives it a lane, `Block`/`Ok` with `Op::Await` (or `Op::Sleep`)
//! on its object are its waits at an `await`, `Signal`/`Op::Wake` on it by whoever woke it
//! (another task, or the loop when a timer fired) is the hand-off's arrow, `Signal`/
//! `Op::Cancel` a cancellation, `TaskEnd` how it ended. The thread (task 0) is the loop:
//! `LoopIter` per iteration (with the ready queue's and the timer heap's sizes), `TaskStep`
//! for each step it runs, `Block`/`Ok` with `Op::Select` while it waits for a timer.

pub mod events;
pub mod futures;
pub mod tasks;
pub mod timeouts;

pub use events::{get_running_loop, new_event_loop, run, EventLoop, TimerHandle};
pub use futures::Future;
pub use tasks::{
    all_tasks, as_completed, create_task, create_task_named, current_task, gather, gather_return_exceptions, shield,
    sleep, wait, wait_for, AsCompleted, Awaitable, Gather, GatherAll, ReturnWhen, Task, TaskRef,
};
pub use timeouts::{timeout, Timeout};

use crate::error::PyErr;

/// The class asyncio's `CancelledError` prints as in a traceback.
pub const CANCELLED_ERROR: &str = "asyncio.exceptions.CancelledError";
/// The class of `InvalidStateError`.
pub const INVALID_STATE_ERROR: &str = "asyncio.exceptions.InvalidStateError";

/// `asyncio.CancelledError(msg)`.
pub fn cancelled_error(msg: Option<&str>) -> PyErr {
    PyErr::Other { class: CANCELLED_ERROR.to_owned(), message: msg.unwrap_or("").to_owned() }
}

/// Whether `e` is a `CancelledError`.
pub fn is_cancelled_error(e: &PyErr) -> bool {
    matches!(e, PyErr::Other { class, .. } if class == CANCELLED_ERROR)
}

pub(crate) fn invalid_state(msg: &str) -> PyErr {
    PyErr::Other { class: INVALID_STATE_ERROR.to_owned(), message: msg.to_owned() }
}

/// The asyncio task running on this thread right now (0: none, the thread itself): its
/// prints and events are the task's.
#[inline]
pub(crate) fn current_task_id() -> u32 {
    events::CURRENT_TASK.with(|c| c.get())
}
