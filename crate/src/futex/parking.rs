//! Native targets without Linux's futex (macOS, Windows, the BSDs): parking_lot_core's
//! parking lot, a process-wide table of wait queues keyed by address.
//!
//! It is the futex contract in a library: `park` re-checks the word under its queue's lock
//! before the thread sleeps (so a wake that follows a change of the word cannot be lost),
//! takes a deadline, and `unpark_*` only hash the key, so a word that has been freed since
//! it was recorded can still be woken. std's `thread::park` wakes a thread, not an
//! address: wake-by-address over it would be this same table, written again by us.

use core::sync::atomic::{AtomicU32, Ordering};
use parking_lot_core::{FilterOp, ParkResult, DEFAULT_PARK_TOKEN, DEFAULT_UNPARK_TOKEN};
use std::time::{Duration, Instant};

pub fn wait(word: &AtomicU32, expected: u32, timeout_ns: Option<u64>) -> bool {
    // A deadline past what `Instant` holds is as good as none.
    let deadline = timeout_ns.and_then(|ns| Instant::now().checked_add(Duration::from_nanos(ns)));
    // SAFETY: the key is the address of a word of ours, and every thread that parks on it
    // parks through this function. `validate` (an atomic load) and `timed_out` (nothing)
    // neither panic nor call into the parking lot, as `park` requires.
    let result = unsafe {
        parking_lot_core::park(
            word as *const AtomicU32 as usize,
            // SeqCst, like the kernel's read of a futex word: ordered after the caller's
            // count of sleepers, against the waker's fence (see `futex::wait`).
            || word.load(Ordering::SeqCst) == expected,
            || {},
            |_, _| {},
            DEFAULT_PARK_TOKEN,
            deadline,
        )
    };
    !matches!(result, ParkResult::TimedOut)
}

/// Wakes up to `count` waiters on the word at `word`, which need not be live.
pub fn wake(word: *const AtomicU32, count: u32) {
    let mut left = count;
    // SAFETY: the parking lot only hashes the key and never reads the word, so a freed
    // word's address is fine: its queue is empty, or holds waiters of whatever now lives
    // there, who get a spurious wake-up, as a kernel futex would give them. The filter
    // and the callback neither panic nor call into the parking lot.
    unsafe {
        parking_lot_core::unpark_filter(
            word as usize,
            |_| {
                if left == 0 {
                    return FilterOp::Stop;
                }
                left -= 1;
                FilterOp::Unpark
            },
            |_| DEFAULT_UNPARK_TOKEN,
        );
    }
}
