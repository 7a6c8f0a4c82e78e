//! Python's exceptions, as lesson code sees them.
//!
//! Each primitive has its own error type per operation (what that call can raise); all of
//! them convert into [`PyErr`], so lesson code propagates them with `?` the way a Python
//! exception propagates up the stack.

use core::fmt;

/// An exception raised in a lesson thread, or the run being stopped under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PyErr {
    RuntimeError(String),
    ValueError(String),
    AttributeError(String),
    TimeoutError(String),
    BrokenBarrierError,
    /// `queue.Empty`
    Empty,
    /// `queue.Full`
    Full,
    /// Any other Python exception, by class name and message.
    Other {
        class: String,
        message: String,
    },
    /// `SystemExit(code)`, from `sys.exit`: ends a thread silently; ends a process with
    /// `code` as its exit code.
    SystemExit(i32),
    /// Not a Python exception: the run was stopped (Stop, deadlock, a failure elsewhere,
    /// or a daemon thread cut off at exit). It unwinds the thread silently.
    Interrupted,
}

impl PyErr {
    /// The exception's class as Python prints it, e.g. `threading.BrokenBarrierError`.
    pub fn class(&self) -> &str {
        match self {
            PyErr::RuntimeError(_) => "RuntimeError",
            PyErr::ValueError(_) => "ValueError",
            PyErr::AttributeError(_) => "AttributeError",
            PyErr::TimeoutError(_) => "TimeoutError",
            PyErr::BrokenBarrierError => "threading.BrokenBarrierError",
            PyErr::Empty => "_queue.Empty",
            PyErr::Full => "queue.Full",
            PyErr::Other { class, .. } => class,
            PyErr::SystemExit(_) => "SystemExit",
            PyErr::Interrupted => "Interrupted",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            PyErr::RuntimeError(m) | PyErr::ValueError(m) | PyErr::AttributeError(m) | PyErr::TimeoutError(m) => m,
            PyErr::Other { message, .. } => message,
            _ => "",
        }
    }

    pub fn runtime(msg: &str) -> PyErr {
        PyErr::RuntimeError(msg.to_owned())
    }

    pub fn value(msg: &str) -> PyErr {
        PyErr::ValueError(msg.to_owned())
    }
}

/// Python's last traceback line: `ValueError: Semaphore released too many times`.
impl fmt::Display for PyErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message().is_empty() {
            f.write_str(self.class())
        } else {
            write!(f, "{}: {}", self.class(), self.message())
        }
    }
}

impl std::error::Error for PyErr {}

pub type PyResult<T = ()> = Result<T, PyErr>;

/// The run was stopped while this thread waited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted;

impl From<Interrupted> for PyErr {
    fn from(_: Interrupted) -> PyErr {
        PyErr::Interrupted
    }
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the run was stopped")
    }
}

/// Arguments that Python's `acquire(blocking, timeout)` family refuses.
pub(crate) fn check_timeout_args(blocking: bool, timeout: Option<f64>) -> PyResult<()> {
    match timeout {
        Some(_) if !blocking => Err(PyErr::value("can't specify a timeout for a non-blocking call")),
        Some(t) if t < 0.0 || t.is_nan() => Err(PyErr::value("timeout value must be a non-negative number")),
        _ => Ok(()),
    }
}
