//! Processes: each with a memory of its own, started by name, sharing only the run's
//! [`arena`].
//!
//! A process is another instance of the same program: natively a real OS process started
//! from the same executable ([`native`]), in the browser a separate wasm instance with a
//! memory of its own in workers of its own (`browser`). Each has its own [`Run`] (threads,
//! trace, watchdog) whose trace carries its logical pid; what they share is the arena of
//! the run's shared segment: the process table, the stop word, the clock origin, and the
//! words and buffers of `multiprocessing`'s objects.
//!
//! A child learns what to run the way CPython's `spawn` start method tells it: a
//! [`Target`] by its name, and its arguments serialized (postcard); the parent's trace
//! records how many bytes crossed (`Kind::ProcStart`).

mod target;
pub use target::{decode, encode, Target};

#[cfg(any(target_arch = "wasm32", unix))]
pub mod arena;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(unix)]
pub mod native;
#[cfg(any(target_arch = "wasm32", unix))]
mod procs;
#[cfg(any(target_arch = "wasm32", unix))]
pub use arena::Arena;
#[cfg(any(target_arch = "wasm32", unix))]
pub use procs::*;
