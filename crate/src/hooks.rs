//! What the primitives need from the runtime: tracing, parking, object registration and
//! lesson time. Under loom these are plain: no trace, a bare futex wait, real seconds.

#[cfg(not(loom))]
pub(crate) use crate::runtime::{
    new_object, park, real_ns, set_holder, spin_until_changed, tid, trace, trace_fail, Park,
};

#[cfg(loom)]
mod model {
    use crate::error::{Interrupted, PyErr};
    use crate::sync::AtomicU32;
    use crate::trace::{Kind, ObjKind, Op};

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Park {
        Woken,
        TimedOut,
    }
    pub(crate) fn new_object(_: ObjKind, _: &str) -> u32 {
        0
    }
    pub(crate) fn park(
        word: &AtomicU32,
        expected: u32,
        _deadline: Option<u64>,
        _obj: u32,
    ) -> Result<Park, Interrupted> {
        crate::futex::wait(word, expected, None);
        Ok(Park::Woken)
    }
    pub(crate) fn real_ns(secs: f64) -> u64 {
        (secs * 1e9) as u64
    }
    pub(crate) fn set_holder(_: u32, _: u32) {}
    pub(crate) fn tid() -> u32 {
        0
    }
    pub(crate) fn spin_until_changed(_: &AtomicU32, _: u32) -> bool {
        false
    }
    pub(crate) fn trace(_: Kind, _: Op, _: u32, _: u64) {}
    pub(crate) fn trace_fail(_: Op, _: u32, _: &PyErr) {}
}
#[cfg(loom)]
pub(crate) use model::*;
