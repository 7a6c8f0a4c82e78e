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

pub fn wake(word: &AtomicU32, count: u32) {
    // SAFETY: the pointer comes from a live, aligned AtomicU32; notify only uses it as a key.
    unsafe {
        wasm32::memory_atomic_notify(word.as_ptr() as *mut i32, count);
    }
}
