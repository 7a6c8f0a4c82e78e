//! Python's synchronization primitives, one file each, all built on [`crate::futex`].
//!
//! Every wait for another thread's action goes through `hooks::park`, so Stop and the
//! deadlock watchdog see it. The only other place a thread can sleep is contention on
//! the short bookkeeping sections guarded by [`Mutex`] (a waiter list, a queue's items),
//! which hold for a few instructions and never across a wait.

pub mod barrier;
pub mod condition;
pub mod event;
pub mod local;
pub mod lock;
pub mod queue;
pub mod rlock;
pub mod semaphore;
// A Timer is a lesson thread, and lesson threads are not modelled under loom.
#[cfg(not(loom))]
pub mod timer;

pub use barrier::Barrier;
pub use condition::{CondLock, Condition};
pub use event::Event;
pub use local::Local;
pub use lock::Lock;
pub use queue::Queue;
pub use rlock::RLock;
pub use semaphore::{BoundedSemaphore, Semaphore};
#[cfg(not(loom))]
pub use timer::Timer;

use crate::sync::AtomicU32;

#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};
/// The lock that guards a primitive's bookkeeping (waiter lists, queue items): std's
/// natively, loom's under the model checker so that its interleavings are explored too.
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

/// Locks a bookkeeping mutex. A panic while it was held cannot leave the guarded data
/// half-updated (no section panics between two writes), so poisoning is ignored: a
/// panicking lesson thread must not turn every other thread's next call into a panic.
pub(crate) fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Identity of the calling thread for owner checks (RLock) and per-thread storage
/// (local): the lesson thread id inside a run, otherwise an id per OS thread (per loom
/// thread under the model checker). Never 0, which stands for "nobody".
///
/// Lesson ids are small (they count the threads of a run); OS-thread ids have the top bit
/// set, so the two kinds never collide.
pub(crate) fn thread_key() -> u32 {
    // Borrowed, not cloned: cloning the context would bounce the run's refcount between
    // cores on every RLock operation.
    #[cfg(not(loom))]
    if let Some(tid) = crate::runtime::current_tid() {
        return tid;
    }
    os_thread_key()
}

/// Ids of threads that are not lesson threads: the top bit plus a process-wide counter.
/// A std atomic on purpose: it only hands out distinct numbers and needs no modelling.
static NEXT_OS_KEY: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(1);

fn new_os_key() -> u32 {
    0x8000_0000 | (NEXT_OS_KEY.fetch_add(1, core::sync::atomic::Ordering::Relaxed) & 0x7FFF_FFFF)
}

#[cfg(not(loom))]
std::thread_local! {
    static OS_KEY: u32 = new_os_key();
}
// loom runs its threads on one OS thread: only loom's thread_local tells them apart.
#[cfg(loom)]
loom::thread_local! {
    static OS_KEY: u32 = new_os_key();
}

fn os_thread_key() -> u32 {
    OS_KEY.with(|k| *k)
}

/// Wakes up to `n` threads parked on `word` (futex has only "one" and "all").
#[inline]
pub(crate) fn wake_n(word: &AtomicU32, n: u32) {
    match n {
        0 => {}
        1 => crate::hooks::wake_one(word),
        _ => crate::hooks::wake_all(word),
    }
}

/// A lesson-seconds timeout turned into an absolute deadline on the shared clock.
#[inline]
pub(crate) fn deadline(timeout: Option<f64>) -> Option<u64> {
    timeout.map(|t| crate::hooks::deadline_after(t))
}
