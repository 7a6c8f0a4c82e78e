//! The program: what runs when the learner presses Run (the listing, in Rust), on threads
//! or on processes ([`Model`]): each worker gets the lock and `owner_done` as arguments.

use crate::error::PyResult;
use crate::lessons::model::{my_name, Event, Lock, Model, RLock, Worker};
use crate::lessons::Params;
use crate::multiprocessing::Target;
use crate::py_print;
use serde::{Deserialize, Serialize};

/// `Lock()` or `RLock()`, as the listing's `lock`.
#[derive(Clone, Serialize, Deserialize)]
pub(super) enum AnyLock {
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

/// What every worker gets: `args=(lock, owner_done)`.
type Args = (AnyLock, Event);

pub(super) static REACQUIRE: Target = crate::target!(reacquire);
pub(super) static TAKE: Target = crate::target!(take);
pub(super) static GIVE_BACK: Target = crate::target!(give_back);
pub(super) static WAIT_FOR_IT: Target = crate::target!(wait_for_it);

fn reacquire((lock, _): Args) -> PyResult<()> {
    let name = my_name();
    lock.acquire()?;
    py_print!("{name}: acquired once")?;
    lock.acquire()?;
    py_print!("{name}: acquired twice")?;
    lock.release()?;
    py_print!("{name}: released once")?;
    lock.release()?;
    py_print!("{name}: released twice")
}

fn take((lock, owner_done): Args) -> PyResult<()> {
    lock.acquire()?;
    py_print!("{}: acquired, ending without release()", my_name())?;
    owner_done.set();
    Ok(())
}

fn give_back((lock, owner_done): Args) -> PyResult<()> {
    owner_done.wait(None)?;
    py_print!("{}: release() of a lock that owner took", my_name())?;
    lock.release()?;
    py_print!("{}: released it", my_name())
}

fn wait_for_it((lock, owner_done): Args) -> PyResult<()> {
    owner_done.wait(None)?;
    py_print!("{}: waiting for the lock", my_name())?;
    lock.acquire()?;
    py_print!("{}: got it", my_name())
}

type Step = (&'static str, &'static Target, fn(Args) -> PyResult<()>);

pub(super) fn run(p: &Params) -> PyResult<()> {
    let model = Model::of(p);
    let lock = match p.choice("kind") {
        "RLock" => AnyLock::RLock(RLock::named(model, "lock")?),
        _ => AnyLock::Lock(Lock::named(model, "lock")?),
    };
    let owner_done = Event::named(model, "owner_done")?;
    // (worker name, its target); owner starts last, as in the listing, so that the other
    // worker never takes over an ended owner's ident.
    let steps: &[Step] = match p.choice("scenario") {
        "release_other" => &[("other", &GIVE_BACK, give_back), ("owner", &TAKE, take)],
        "never_release" => &[("waiter", &WAIT_FOR_IT, wait_for_it), ("owner", &TAKE, take)],
        _ => &[("worker", &REACQUIRE, reacquire)],
    };
    let workers: Vec<Worker> = steps
        .iter()
        .map(|&(name, target, f)| Worker::new(model, name, target, f, (lock.clone(), owner_done.clone())))
        .collect::<PyResult<_>>()?;
    for w in &workers {
        w.start()?;
    }
    for w in &workers {
        w.join()?;
    }
    py_print!("finish")
}
