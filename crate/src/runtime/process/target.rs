//! What a child runs: a [`Target`] by name, its arguments serialized, its value returned
//! serialized. Needs no shared memory, so it exists on every platform (lessons list their
//! targets everywhere).

use crate::error::{PyErr, PyResult};
use serde::{Deserialize, Serialize};

/// A function another process can be asked to run, by name: the module-level function
/// CPython pickles by reference, as `Process`'s target, a `Pool` task or a manager's
/// registered callable. Declared with [`target!`](crate::target) and listed by its lesson
/// (`Lesson::targets`), so that a fresh instance of the program finds it.
pub struct Target {
    /// Unique in the program: the module path and the function's name.
    pub name: &'static str,
    /// Decodes the arguments, runs the function and encodes what it returned (a `()`
    /// encodes to no bytes: Python's `None`).
    pub entry: fn(&[u8]) -> PyResult<Vec<u8>>,
}

impl Target {
    /// The function's own name, as a traceback shows it.
    pub fn function(&self) -> &'static str {
        self.name.rsplit("::").next().unwrap_or(self.name)
    }
}

/// Declares a [`Target`] for a function of one argument (a tuple for several), which must
/// be `serde::Deserialize`, returning `PyResult<R>` with `R: Serialize`:
/// `pub static WORKER: Target = target!(worker);`.
#[macro_export]
macro_rules! target {
    ($f:ident) => {
        $crate::runtime::process::Target {
            name: concat!(module_path!(), "::", stringify!($f)),
            entry: |bytes| $crate::runtime::process::encode(&$f($crate::runtime::process::decode(bytes)?)?),
        }
    };
}

/// Serializes a child's arguments (or any value crossing processes).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> PyResult<Vec<u8>> {
    postcard::to_allocvec(value)
        .map_err(|e| PyErr::Other { class: "pickle.PicklingError".into(), message: e.to_string() })
}

/// Decodes what [`encode`] wrote.
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> PyResult<T> {
    postcard::from_bytes(bytes)
        .map_err(|e| PyErr::Other { class: "pickle.UnpicklingError".into(), message: e.to_string() })
}
