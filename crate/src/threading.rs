//! Python's `threading` module: `Thread` and the module functions around it. A thread's
//! life is the runtime's (`runtime/thread.rs`); this is the face a lesson program sees.

use crate::runtime::{current, Ctx};

pub use crate::runtime::thread::Thread;

fn ctx() -> Ctx {
    current().expect("called from a lesson thread")
}

/// `threading.current_thread()`.
pub fn current_thread() -> Thread {
    ctx().thread
}

/// `threading.main_thread()`.
pub fn main_thread() -> Thread {
    ctx().run.main_thread()
}

/// `threading.enumerate()`: the threads alive now.
pub fn enumerate() -> Vec<Thread> {
    ctx().run.alive_threads()
}

/// `threading.active_count()`.
pub fn active_count() -> usize {
    enumerate().len()
}

/// `threading.get_ident()`.
pub fn get_ident() -> u64 {
    current_thread().ident().unwrap_or(0)
}
