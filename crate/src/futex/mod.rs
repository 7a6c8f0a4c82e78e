//! Wait on, and wake, a 32-bit word: the only thing the primitives need from a platform.
//!
//! This is the crate's one platform switch. Every primitive above it is the same code on
//! wasm32 (shared memory + `memory.atomic.wait32`), on Linux (the futex syscall), on
//! other native targets such as macOS (parking_lot_core's address-keyed parking lot) and
//! under loom (a yield, which models a wait that may return spuriously at any time). The
//! `futex-parking` feature puts Linux on the parking lot too, so that the native tests can
//! run the primitives over it.
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

#[cfg(all(not(loom), not(target_arch = "wasm32"), target_os = "linux", not(feature = "futex-parking")))]
#[path = "linux.rs"]
mod imp;

#[cfg(all(not(loom), not(target_arch = "wasm32"), any(not(target_os = "linux"), feature = "futex-parking")))]
#[path = "parking.rs"]
mod imp;

// The unit tests hold both native backends to one contract, wherever they run.
#[cfg(all(test, not(loom), not(target_arch = "wasm32"), target_os = "linux", not(feature = "futex-parking")))]
mod parking;

#[cfg(all(test, not(loom), not(target_arch = "wasm32")))]
mod tests;

/// Blocks while `*word == expected`, for at most `timeout_ns` nanoseconds (`None`: no limit).
///
/// Returns `false` only when the timeout expired; `true` for a wake-up, a value that had
/// already changed, or a spurious return.
#[inline]
pub fn wait(word: &AtomicU32, expected: u32, timeout_ns: Option<u64>) -> bool {
    #[cfg(not(loom))]
    {
        let sleepers = sleepers(word);
        // SeqCst, against the waker's fence: either it sees this count, or this wait
        // sees its change of `word` and returns at once.
        sleepers.fetch_add(1, core::sync::atomic::Ordering::SeqCst);
        let woke = imp::wait(word, expected, timeout_ns);
        sleepers.fetch_sub(1, core::sync::atomic::Ordering::Relaxed);
        woke
    }
    #[cfg(loom)]
    imp::wait(word, expected, timeout_ns)
}

/// Wakes at most one thread blocked in [`wait`] on `word`.
#[inline]
pub fn wake_one(word: &AtomicU32) {
    if may_sleep(word) {
        imp::wake(word, 1)
    }
}

/// Wakes every thread blocked in [`wait`] on the word at `addr`, which may have been freed
/// since it was recorded (Stop wakes whatever a thread said it sleeps on): the address is
/// only a key, never dereferenced, on every platform, so no reference to it is made.
#[inline]
pub fn wake_all_at(addr: *const AtomicU32) {
    imp::wake(addr, u32::MAX)
}

/// Wakes every thread blocked in [`wait`] on `word`.
#[inline]
pub fn wake_all(word: &AtomicU32) {
    if may_sleep(word) {
        imp::wake(word, u32::MAX)
    }
}

/// Wakes every waiter on `word`, including those [`wait`] does not count: the page's
/// `Atomics.waitAsync` on the pool's growth signal.
#[inline]
pub fn wake_all_including_async(word: &AtomicU32) {
    imp::wake(word, u32::MAX)
}

// Threads asleep in `wait`, per bucket of addresses. A wake with nobody asleep is a system
// call natively (an `Atomics.notify` in wasm) for nothing, and it is the common case: the
// waiters of `hooks::park` spin for a moment first, and most hand-offs land within it
// (an Event ping-pong paid two such calls per round trip). A bucket shared by two words
// only costs a needless wake now and then.
#[cfg(not(loom))]
const BUCKETS: usize = 64;
#[cfg(not(loom))]
static SLEEPERS: [core::sync::atomic::AtomicU32; BUCKETS] = [const { core::sync::atomic::AtomicU32::new(0) }; BUCKETS];

#[cfg(not(loom))]
#[inline]
fn sleepers(word: &AtomicU32) -> &'static core::sync::atomic::AtomicU32 {
    // Fibonacci hashing of the word's address (4-byte aligned).
    let h = ((word as *const AtomicU32 as usize as u32) >> 2).wrapping_mul(0x9E37_79B9);
    &SLEEPERS[(h >> (32 - BUCKETS.trailing_zeros())) as usize]
}

/// Whether a thread may be asleep on `word`. The caller has already changed `word`; the
/// fence orders that change before this look, so that a waiter counted after the look
/// finds the change and does not sleep.
#[inline]
fn may_sleep(word: &AtomicU32) -> bool {
    #[cfg(not(loom))]
    {
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
        sleepers(word).load(core::sync::atomic::Ordering::Relaxed) != 0
    }
    #[cfg(loom)]
    {
        let _ = word;
        true
    }
}
