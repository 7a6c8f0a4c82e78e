//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::prims::{Lock, RLock};
use crate::py_print;
use crate::threading::{self, Thread};
use std::sync::Arc;

/// `threading.Lock()` or `threading.RLock()`, as the listing's `lock`.
enum AnyLock {
    Lock(Lock),
    RLock(RLock),
}

impl AnyLock {
    fn acquire(&self) -> PyResult<()> {
        match self {
            AnyLock::Lock(l) => l.acquire(),
            AnyLock::RLock(l) => l.acquire(),
        }
    }
    fn release(&self) -> PyResult<()> {
        match self {
            AnyLock::Lock(l) => l.release(),
            AnyLock::RLock(l) => l.release(),
        }
    }
}

fn me() -> String {
    threading::current_thread().name().to_owned()
}

fn reacquire(lock: &AnyLock) -> PyResult<()> {
    let name = me();
    lock.acquire()?;
    py_print!("{name}: acquired once")?;
    lock.acquire()?;
    py_print!("{name}: acquired twice")?;
    lock.release()?;
    py_print!("{name}: released once")?;
    lock.release()?;
    py_print!("{name}: released twice")
}

fn take(lock: &AnyLock) -> PyResult<()> {
    lock.acquire()?;
    py_print!("{}: acquired, ending without release()", me())
}

fn give_back(lock: &AnyLock) -> PyResult<()> {
    py_print!("{}: release() of a lock that owner took", me())?;
    lock.release()?;
    py_print!("{}: released it", me())
}

fn wait_for_it(lock: &AnyLock) -> PyResult<()> {
    py_print!("{}: waiting for the lock", me())?;
    lock.acquire()?;
    py_print!("{}: got it", me())
}

type Step = fn(&AnyLock) -> PyResult<()>;

pub(super) fn run(p: &Params) -> PyResult<()> {
    let lock = Arc::new(match p.choice("kind") {
        "RLock" => AnyLock::RLock(RLock::named("lock")),
        _ => AnyLock::Lock(Lock::named("lock")),
    });
    // (thread name, the listing's function, its Rust twin)
    let steps: &[(&str, &str, Step)] = match p.choice("scenario") {
        "release_other" => &[("owner", "take", take), ("other", "give_back", give_back)],
        "never_release" => &[("owner", "take", take), ("waiter", "wait_for_it", wait_for_it)],
        _ => &[("worker", "reacquire", reacquire)],
    };
    for &(name, function, target) in steps {
        let lock = lock.clone();
        let t = Thread::named(name, function, move || target(&lock));
        t.start()?;
        t.join(None)?;
    }
    py_print!("finish")
}
