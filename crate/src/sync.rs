//! The one switch for model checking: under `--cfg loom` every atomic the primitives use
//! comes from loom, so the same primitive code is explored by the model checker.
//! (The pattern of tokio's `src/loom/mod.rs`.)

// Not every model needs every atomic.
#[cfg(loom)]
#[allow(unused_imports)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
