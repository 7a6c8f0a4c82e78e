//! `async with asyncio.timeout(delay):` (3.11's `Timeout`), as a function around the
//! block: when the delay passes, the task running the block is cancelled; the block's
//! `CancelledError` then leaves it as `TimeoutError`, unless the task was cancelled by
//! someone else as well (its `cancelling()` count says so), in which case the cancel goes on.

use super::events::{current_meta, running};
use super::tasks::TaskRef;
use super::{is_cancelled_error, TimerHandle};
use crate::error::{PyErr, PyResult};
use std::cell::Cell;
use std::rc::Rc;

/// The state of a timeout, as CPython's `_State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Entered,
    Expiring,
    Expired,
    Exited,
}

/// What the block can ask of its timeout (`cm.expired()`).
#[derive(Clone)]
pub struct Timeout(Rc<Cell<State>>);

impl Timeout {
    /// `expired()`: the delay passed and the block was cancelled for it.
    pub fn expired(&self) -> bool {
        matches!(self.0.get(), State::Expiring | State::Expired)
    }
}

/// `async with asyncio.timeout(delay) as cm: <block>`: runs `block(cm)` in the current
/// task; `None` never expires. Outside a task: `RuntimeError`, as CPython.
pub async fn timeout<T, F>(delay: Option<f64>, block: impl FnOnce(Timeout) -> F) -> PyResult<T>
where
    F: std::future::Future<Output = PyResult<T>>,
{
    let (Some(lp), Some(meta)) = (running(), current_meta()) else {
        return Err(PyErr::runtime("Timeout should be used inside a task"));
    };
    let task = TaskRef(meta);
    let cancelling = task.cancelling();
    let state = Rc::new(Cell::new(State::Entered));
    let handle: Option<TimerHandle> = delay.map(|d| {
        let (state, task) = (state.clone(), task.clone());
        lp.call_later(
            d,
            Box::new(move || {
                if state.get() == State::Entered {
                    task.cancel(None);
                    state.set(State::Expiring);
                }
            }),
        )
    });
    let result = block(Timeout(state.clone())).await;
    if let Some(h) = handle {
        h.cancel();
    }
    if state.get() == State::Expiring {
        state.set(State::Expired);
        if task.uncancel() <= cancelling && result.as_ref().is_err_and(is_cancelled_error) {
            return Err(PyErr::TimeoutError(String::new()));
        }
    } else {
        state.set(State::Exited);
    }
    result
}
