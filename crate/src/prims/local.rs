//! `threading.local()`: attributes whose values are separate for each thread.

use super::{guard, thread_key, Mutex};
use crate::error::{PyErr, PyResult};
use crate::hooks;
use crate::trace::{Kind, ObjKind, Op};
use std::collections::HashMap;

/// `threading.local()`: each thread sees only the attributes it set itself.
///
/// Attributes are named by strings and hold values of one type `T`. Reading an
/// attribute that this thread never set raises Python's `AttributeError`, even if
/// another thread set it.
///
/// Values are kept per lesson thread inside a run (per OS thread outside one), and
/// live as long as the `Local` does: Python drops a thread's values when the thread
/// ends, which no lesson can observe.
///
/// In the trace, a write records how many threads hold values.
///
/// # Examples
/// ```
/// use parlab::prims::Local;
/// let data: Local<i64> = Local::new();
/// data.set("x", 1);
/// assert_eq!(data.get("x"), Ok(1));
/// let other = std::thread::scope(|s| s.spawn(|| data.get("x")).join().unwrap());
/// assert_eq!(other.unwrap_err().to_string(), "AttributeError: '_thread._local' object has no attribute 'x'");
/// ```
pub struct Local<T> {
    /// Thread key -> that thread's attributes. A bookkeeping guard: held for one lookup.
    values: Mutex<HashMap<u32, HashMap<String, T>>>,
    obj: u32,
}

impl<T> Default for Local<T> {
    fn default() -> Self {
        Local::new()
    }
}

impl<T> Local<T> {
    pub fn new() -> Local<T> {
        Local::named("local")
    }

    /// A local shown as `name` in the trace.
    pub fn named(name: &str) -> Local<T> {
        Local { values: Mutex::new(HashMap::new()), obj: hooks::new_object(ObjKind::Local, name) }
    }

    /// The trace object id (0 outside a run).
    pub fn obj(&self) -> u32 {
        self.obj
    }

    /// `local.name = value`, for the calling thread only.
    pub fn set(&self, name: &str, value: T) {
        let mut all = guard(&self.values);
        all.entry(thread_key()).or_default().insert(name.to_owned(), value);
        hooks::trace(Kind::Signal, Op::Write, self.obj, all.len() as u64);
    }

    /// `local.name`: the calling thread's value; `AttributeError` if it never set one.
    pub fn get(&self, name: &str) -> PyResult<T>
    where
        T: Clone,
    {
        let found = guard(&self.values).get(&thread_key()).and_then(|mine| mine.get(name)).cloned();
        match found {
            Some(v) => {
                hooks::trace(Kind::Ok, Op::Read, self.obj, 1);
                Ok(v)
            }
            None => Err(self.missing(Op::Read, name)),
        }
    }

    /// `hasattr(local, name)` for the calling thread.
    pub fn has(&self, name: &str) -> bool {
        guard(&self.values).get(&thread_key()).is_some_and(|mine| mine.contains_key(name))
    }

    /// `del local.name` for the calling thread; `AttributeError` if it has no such value.
    pub fn delete(&self, name: &str) -> PyResult<()> {
        let mut all = guard(&self.values);
        let key = thread_key();
        let removed = all.get_mut(&key).and_then(|mine| mine.remove(name)).is_some();
        if !removed {
            drop(all);
            return Err(self.missing(Op::Write, name));
        }
        if all.get(&key).is_some_and(|mine| mine.is_empty()) {
            all.remove(&key);
        }
        hooks::trace(Kind::Signal, Op::Write, self.obj, all.len() as u64);
        Ok(())
    }

    #[cold]
    fn missing(&self, op: Op, name: &str) -> PyErr {
        let e = PyErr::AttributeError(format!("'_thread._local' object has no attribute '{name}'"));
        hooks::trace_fail(op, self.obj, &e);
        e
    }
}
