use crate::sync::{AtomicU32, Ordering};

// loom has no futex. A yield models a wait that returns spuriously, which every caller
// must tolerate anyway; loom then explores all interleavings around it.
pub fn wait(word: &AtomicU32, expected: u32, _timeout_ns: Option<u64>) -> bool {
    if word.load(Ordering::Relaxed) == expected {
        loom::thread::yield_now();
    }
    true
}

pub fn wake(_word: *const AtomicU32, _count: u32) {}
