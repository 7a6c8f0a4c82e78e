//! Wait on, and wake, a 32-bit word: the only thing the primitives need from a platform.
//!
//! This is the crate's one platform switch. Every primitive above it is the same code on
//! wasm32 (shared memory + `memory.atomic.wait32`), on Linux (the futex syscall) and
//! under loom (a yield, which models a wait that may return spuriously at any time).
//!
//! Like a kernel futex, [`wait`] may return spuriously: callers always re-check their
//! condition in a loop.

use crate::sync::AtomicU32;

#[cfg(loom)]
#[path = "loom.rs"]
mod imp;

#[cfg(all(not(loom), target_arch = "wasm32"))]
#[path = "wasm.rs"]
mod imp;

#[cfg(all(not(loom), not(target_arch = "wasm32"), target_os = "linux"))]
#[path = "linux.rs"]
mod imp;

#[cfg(all(not(loom), not(target_arch = "wasm32"), not(target_os = "linux")))]
compile_error!("parlab's futex layer supports wasm32 (with atomics) and Linux");

/// Blocks while `*word == expected`, for at most `timeout_ns` nanoseconds (`None`: no limit).
///
/// Returns `false` only when the timeout expired; `true` for a wake-up, a value that had
/// already changed, or a spurious return.
#[inline]
pub fn wait(word: &AtomicU32, expected: u32, timeout_ns: Option<u64>) -> bool {
    imp::wait(word, expected, timeout_ns)
}

/// Wakes at most one thread blocked in [`wait`] on `word`.
#[inline]
pub fn wake_one(word: &AtomicU32) {
    imp::wake(word, 1)
}

/// Wakes every thread blocked in [`wait`] on `word`.
#[inline]
pub fn wake_all(word: &AtomicU32) {
    imp::wake(word, u32::MAX)
}
