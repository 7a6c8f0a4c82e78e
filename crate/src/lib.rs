//! Parlab's core: Python's threading primitives with Python's semantics, on real threads
//! (OS threads natively, Web Workers sharing one wasm memory in the browser), every
//! operation recorded in a trace that the page draws and the lessons read their insights
//! from.
//!
//! Layers, bottom up: [`futex`] (the one platform switch) -> [`prims`] (one file per
//! primitive) -> [`runtime`] (runs, threads, clock, Stop, watchdog) and [`trace`] ->
//! [`lessons`].

// Atomic wait/notify intrinsics are nightly-only; the toolchain is pinned to a nightly.
#![cfg_attr(target_arch = "wasm32", feature(stdarch_wasm_atomic_wait))]

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
compile_error!(
    "parlab needs wasm threads: build for wasm32 with `-C target-feature=+atomics,+bulk-memory,+mutable-globals` \
     and `-Z build-std=panic_abort,std` (the repository's .cargo/config.toml and scripts/ do this; \
     run `scripts/serve.sh` or `scripts/test.sh` rather than plain cargo)"
);

pub mod analysis;
pub mod clock;
pub mod error;
pub mod futex;
pub(crate) mod hooks;
pub mod prims;
#[cfg(all(not(loom), any(target_arch = "wasm32", unix)))]
pub mod shm;
pub(crate) mod sync;
pub mod text;
pub mod trace;

#[cfg(not(loom))]
pub mod asyncio;
#[cfg(not(loom))]
pub mod futures;
#[cfg(not(loom))]
pub mod lessons;
#[cfg(all(not(loom), any(target_arch = "wasm32", unix)))]
pub mod multiprocessing;
#[cfg(not(loom))]
pub mod reference;
#[cfg(not(loom))]
pub mod runtime;
#[cfg(not(loom))]
pub mod threading;

pub use error::{PyErr, PyResult};
