use core::arch::wasm32;
use core::sync::atomic::AtomicU32;

pub fn wait(word: &AtomicU32, expected: u32, timeout_ns: Option<u64>) -> bool {
    let timeout = timeout_ns.map_or(-1, |ns| ns.min(i64::MAX as u64) as i64);
    // SAFETY: the pointer comes from a live, aligned AtomicU32 in the shared memory.
    // `memory.atomic.wait32` traps on the page's main thread; the runtime never calls it
    // there (every wait happens in a worker).
    let r = unsafe { wasm32::memory_atomic_wait32(word.as_ptr() as *mut i32, expected as i32, timeout) };
    r != 2 // 0: woken, 1: value differed, 2: timed out
}

/// Wakes up to `count` waiters on the word at `word`, which need not be live.
pub fn wake(word: *const AtomicU32, count: u32) {
    // SAFETY: `memory.atomic.notify` only uses the address as a key into the memory's
    // waiter list and never reads the word; a wasm memory is never unmapped, so even a
    // freed word's address is in bounds (an address nobody waits on wakes nobody).
    unsafe {
        wasm32::memory_atomic_notify(word as *mut i32, count);
    }
}
