//! The program: what runs when the learner presses Run (the listing, in Rust).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::prims::{Event, Lock, RLock};
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

fn take(lock: &AnyLock, owner_done: &Event) -> PyResult<()> {
    lock.acquire()?;
    py_print!("{}: acquired, ending without release()", me())?;
    owner_done.set();
    Ok(())
}

fn give_back(lock: &AnyLock, owner_done: &Event) -> PyResult<()> {
    owner_done.wait(None)?;
    py_print!("{}: release() of a lock that owner took", me())?;
    lock.release()?;
    py_print!("{}: released it", me())
}

fn wait_for_it(lock: &AnyLock, owner_done: &Event) -> PyResult<()> {
    owner_done.wait(None)?;
    py_print!("{}: waiting for the lock", me())?;
    lock.acquire()?;
    py_print!("{}: got it", me())
}

type Step = fn(&AnyLock, &Event) -> PyResult<()>;

pub(super) fn run(p: &Params) -> PyResult<()> {
    let lock = Arc::new(match p.choice("kind") {
        "RLock" => AnyLock::RLock(RLock::named("lock")),
        _ => AnyLock::Lock(Lock::named("lock")),
    });
    let owner_done = Arc::new(Event::named("owner_done"));
    // (thread name, the listing's function, its Rust twin); owner starts last, as in the
    // listing, so that the other thread never takes over an ended owner's ident.
    let steps: &[(&str, &str, Step)] = match p.choice("scenario") {
        "release_other" => &[("other", "give_back", give_back), ("owner", "take", take)],
        "never_release" => &[("waiter", "wait_for_it", wait_for_it), ("owner", "take", take)],
        _ => &[("worker", "reacquire", |lock, _| reacquire(lock))],
    };
    let threads: Vec<Thread> = steps
        .iter()
        .map(|&(name, function, target)| {
            let (lock, owner_done) = (lock.clone(), owner_done.clone());
            Thread::named(name, function, move || target(&lock, &owner_done))
        })
        .collect();
    for t in &threads {
        t.start()?;
    }
    for t in &threads {
        t.join(None)?;
    }
    py_print!("finish")
}
