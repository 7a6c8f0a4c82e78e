//! The "threads / processes" switch of the threading lessons that `multiprocessing` mirrors
//! (`lock-vs-rlock`, `semaphore`, `barrier`, `event`, `condition`): one program, run on
//! `threading`'s primitives and threads or on `multiprocessing`'s and processes.
//!
//! A lesson takes the parameter [`param`] (key `model`) and writes its program once against
//! this seam: [`Worker`] starts a worker (a `Thread`, or a `Process` running the lesson's
//! [`Target`]), and the primitives here ([`Lock`], [`RLock`], [`Semaphore`], [`Event`],
//! [`Barrier`], [`Condition`]) are the one kind or the other. A worker takes everything it
//! shares as its arguments, as a `spawn` child must: a process primitive crosses in them
//! (it serializes as its place in the run's arena), a thread primitive is shared by the
//! `Arc` inside it and refuses to be serialized, as CPython refuses to pickle a
//! `_thread.lock`. The listing says `threading.Thread` or `multiprocessing.Process` through
//! its choice slots (`{{model|threads=...|processes=...}}`, see
//! [`Lesson::listing_with`](super::Lesson::listing_with)).
//!
//! Insights name a worker by [`actor_name`]: a thread's name, or the name of the process
//! whose main thread it is.

use super::{params::choice, ParamSpec, Params, Text};
use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::multiprocessing as mp;
use crate::prims;
use crate::runtime::process::Target;
use crate::threading::{self, Thread};
use crate::trace::Actor;
use serde::{de::DeserializeOwned, ser, Deserialize, Deserializer, Serialize, Serializer};
use std::sync::Arc;

/// Which primitives and workers a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    Threads,
    Processes,
}

static MODELS: [(&str, Text); 2] = [
    ("threads", Text { ru: "потоки (threading)", en: "threads (threading)" }),
    ("processes", Text { ru: "процессы (multiprocessing)", en: "processes (multiprocessing)" }),
];

/// The switch (key `model`): threads by default.
pub const fn param() -> ParamSpec {
    choice("model", Text { ru: "Модель", en: "Model" }, &MODELS, "threads")
}

impl Model {
    pub fn of(p: &Params) -> Model {
        match p.choice("model") {
            "processes" => Model::Processes,
            _ => Model::Threads,
        }
    }

    /// `Expect::actors` of a lesson whose main thread starts `workers` workers: under
    /// processes `MainProcess` runs its main thread only.
    pub fn actors(p: &Params, workers: usize) -> usize {
        match Model::of(p) {
            Model::Threads => workers + 1,
            Model::Processes => 1,
        }
    }

    /// `Expect::processes`: the workers, when they are processes.
    pub fn processes(p: &Params, workers: usize) -> usize {
        match Model::of(p) {
            Model::Threads => 0,
            Model::Processes => workers,
        }
    }
}

/// `threading.Thread(target=f, args=args, name=name)` or `multiprocessing.Process(...)`:
/// the process runs `target`, which must be `f`'s [`Target`].
pub enum Worker {
    Thread(Thread),
    Process(mp::Process),
}

impl Worker {
    pub fn new<A>(
        model: Model,
        name: &str,
        target: &'static Target,
        f: fn(A) -> PyResult<()>,
        args: A,
    ) -> PyResult<Worker>
    where
        A: Serialize + DeserializeOwned + Send + 'static,
    {
        Ok(match model {
            Model::Threads => Worker::Thread(Thread::named(name, target.function(), move || f(args))),
            Model::Processes => Worker::Process(mp::Process::named(name, target, &args)?),
        })
    }

    pub fn start(&self) -> PyResult<()> {
        match self {
            Worker::Thread(t) => t.start(),
            Worker::Process(p) => p.start(),
        }
    }

    pub fn join(&self) -> PyResult<()> {
        match self {
            Worker::Thread(t) => t.join(None),
            Worker::Process(p) => p.join(None),
        }
    }
}

/// `current_thread().name` in a thread, `current_process().name` in a process's main
/// thread: the name the listing prints.
pub fn my_name() -> String {
    let thread = threading::current_thread();
    match mp::parent_process() {
        Ok(Some(_)) if thread.name() == "MainThread" => {
            mp::current_process().map_or_else(|_| thread.name().to_owned(), |p| p.name)
        }
        _ => thread.name().to_owned(),
    }
}

/// The worker `actor` is, by name: its thread's, or its process's if it is a child
/// process's main thread.
pub fn actor_name(v: &TraceView, actor: Actor) -> &str {
    if actor.pid != Actor::MAIN_PID && actor.tid == Actor::MAIN_TID {
        v.process_name(actor.pid)
    } else {
        v.thread_name(actor)
    }
}

/// The worker named `name`: a thread, or a child process's main thread.
pub fn actor_named(v: &TraceView, name: &str) -> Option<Actor> {
    v.thread_named(name).or_else(|| {
        v.processes
            .iter()
            .find(|(pid, n)| **pid != Actor::MAIN_PID && n.as_str() == name)
            .map(|(pid, _)| Actor::thread(*pid, Actor::MAIN_TID))
    })
}

/// Declares a primitive of either model: an enum of `threading`'s (shared by `Arc`) and
/// `multiprocessing`'s (crossing into a child in its arguments).
macro_rules! either {
    ($(#[$doc:meta])* $t:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub enum $t {
            Thread(Arc<prims::$t>),
            Process(mp::$t),
        }

        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $t::Process(x) => x.serialize(s),
                    // A thread primitive lives in one process: CPython's pickle refuses it.
                    $t::Thread(_) => Err(ser::Error::custom(concat!("cannot pickle '", $what, "' object"))),
                }
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                mp::$t::deserialize(d).map($t::Process)
            }
        }
    };
}

either!(
    /// `threading.Lock()` or `multiprocessing.Lock()`.
    Lock,
    "_thread.lock"
);
either!(
    /// `threading.RLock()` or `multiprocessing.RLock()`.
    RLock,
    "_thread.RLock"
);
either!(
    /// `threading.Semaphore(n)` or `multiprocessing.Semaphore(n)`.
    Semaphore,
    "Semaphore"
);
either!(
    /// `threading.BoundedSemaphore(n)` or `multiprocessing.BoundedSemaphore(n)`.
    BoundedSemaphore,
    "BoundedSemaphore"
);
either!(
    /// `threading.Event()` or `multiprocessing.Event()`.
    Event,
    "Event"
);
either!(
    /// `threading.Barrier(parties, timeout=...)` or `multiprocessing.Barrier(...)`.
    Barrier,
    "Barrier"
);
either!(
    /// `threading.Condition()` or `multiprocessing.Condition()`.
    Condition,
    "Condition"
);

impl Lock {
    pub fn named(model: Model, name: &str) -> PyResult<Lock> {
        Ok(match model {
            Model::Threads => Lock::Thread(Arc::new(prims::Lock::named(name))),
            Model::Processes => Lock::Process(mp::Lock::named(name)?),
        })
    }
    pub fn acquire(&self) -> PyResult<()> {
        match self {
            Lock::Thread(l) => l.acquire(),
            Lock::Process(l) => l.acquire(),
        }
    }
    pub fn release(&self) -> PyResult<()> {
        match self {
            Lock::Thread(l) => l.release(),
            Lock::Process(l) => l.release(),
        }
    }
}

impl RLock {
    pub fn named(model: Model, name: &str) -> PyResult<RLock> {
        Ok(match model {
            Model::Threads => RLock::Thread(Arc::new(prims::RLock::named(name))),
            Model::Processes => RLock::Process(mp::RLock::named(name)?),
        })
    }
    pub fn acquire(&self) -> PyResult<()> {
        match self {
            RLock::Thread(l) => l.acquire(),
            RLock::Process(l) => l.acquire(),
        }
    }
    pub fn release(&self) -> PyResult<()> {
        match self {
            RLock::Thread(l) => l.release(),
            RLock::Process(l) => l.release(),
        }
    }
}

impl Semaphore {
    pub fn named(model: Model, name: &str, value: u32) -> PyResult<Semaphore> {
        Ok(match model {
            Model::Threads => Semaphore::Thread(Arc::new(prims::Semaphore::named(name, value.into())?)),
            Model::Processes => Semaphore::Process(mp::Semaphore::named(name, value)?),
        })
    }
    /// `with sem:`.
    pub fn with<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        match self {
            Semaphore::Thread(s) => s.with(f),
            Semaphore::Process(s) => s.with_lock(f),
        }
    }
    pub fn release(&self) -> PyResult<()> {
        match self {
            Semaphore::Thread(s) => s.release(1),
            Semaphore::Process(s) => s.release(),
        }
    }
}

impl BoundedSemaphore {
    pub fn named(model: Model, name: &str, value: u32) -> PyResult<BoundedSemaphore> {
        Ok(match model {
            Model::Threads => BoundedSemaphore::Thread(Arc::new(prims::BoundedSemaphore::named(name, value.into())?)),
            Model::Processes => BoundedSemaphore::Process(mp::BoundedSemaphore::named(name, value)?),
        })
    }
    /// `with sem:`.
    pub fn with<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        match self {
            BoundedSemaphore::Thread(s) => s.with(f),
            BoundedSemaphore::Process(s) => s.with_lock(f),
        }
    }
    pub fn release(&self) -> PyResult<()> {
        match self {
            BoundedSemaphore::Thread(s) => s.release(1),
            BoundedSemaphore::Process(s) => s.release(),
        }
    }
}

impl Event {
    pub fn named(model: Model, name: &str) -> PyResult<Event> {
        Ok(match model {
            Model::Threads => Event::Thread(Arc::new(prims::Event::named(name))),
            Model::Processes => Event::Process(mp::Event::named(name)?),
        })
    }
    pub fn set(&self) {
        match self {
            Event::Thread(e) => e.set(),
            Event::Process(e) => e.set(),
        }
    }
    pub fn clear(&self) {
        match self {
            Event::Thread(e) => e.clear(),
            Event::Process(e) => e.clear(),
        }
    }
    pub fn is_set(&self) -> bool {
        match self {
            Event::Thread(e) => e.is_set(),
            Event::Process(e) => e.is_set(),
        }
    }
    pub fn wait(&self, timeout: Option<f64>) -> PyResult<bool> {
        match self {
            Event::Thread(e) => e.wait(timeout),
            Event::Process(e) => e.wait(timeout),
        }
    }
}

impl Barrier {
    pub fn named(model: Model, name: &str, parties: u32, timeout: Option<f64>) -> PyResult<Barrier> {
        Ok(match model {
            Model::Threads => Barrier::Thread(Arc::new(prims::Barrier::named(name, parties, timeout)?)),
            Model::Processes => Barrier::Process(mp::Barrier::named(name, parties, timeout)?),
        })
    }
    pub fn wait(&self, timeout: Option<f64>) -> PyResult<u32> {
        match self {
            Barrier::Thread(b) => b.wait(timeout),
            Barrier::Process(b) => b.wait(timeout),
        }
    }
}

impl Condition {
    pub fn named(model: Model, name: &str) -> PyResult<Condition> {
        Ok(match model {
            Model::Threads => Condition::Thread(Arc::new(prims::Condition::named(name))),
            Model::Processes => {
                Condition::Process(mp::Condition::with_lock_of(name, mp::RLock::named(&format!("{name}.lock"))?)?)
            }
        })
    }
    /// `with cond:`.
    pub fn with<T>(&self, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        match self {
            Condition::Thread(c) => c.with(f),
            Condition::Process(c) => c.with_lock(f),
        }
    }
    pub fn wait(&self) -> PyResult<bool> {
        match self {
            Condition::Thread(c) => c.wait(None),
            Condition::Process(c) => c.wait(None),
        }
    }
    pub fn notify(&self) -> PyResult<()> {
        match self {
            Condition::Thread(c) => c.notify(1),
            Condition::Process(c) => c.notify(1),
        }
    }
    pub fn notify_all(&self) -> PyResult<()> {
        match self {
            Condition::Thread(c) => c.notify_all(),
            Condition::Process(c) => c.notify_all(),
        }
    }
}

/// When the worker `actor` ended, in lesson seconds: its thread's end, or its process's.
pub fn ended_at(v: &TraceView, actor: Actor) -> Option<f64> {
    if actor.pid != Actor::MAIN_PID && actor.tid == Actor::MAIN_TID {
        let ended = v.events.iter().find(|e| e.kind == crate::trace::Kind::ProcEnd && e.obj == actor.pid);
        if let Some(e) = ended {
            return Some(v.t(e));
        }
    }
    super::exec::span(v, actor).end
}

/// The most workers a lesson starts as processes: each is an instance of the program of
/// its own (the page boots that many before Run), where a thread costs a stack.
pub const MAX_PROCESSES: i64 = 16;

/// The check of a lesson whose parameter `key` counts its workers: under processes at most
/// [`MAX_PROCESSES`].
pub fn check_workers(p: &Params, key: &'static str) -> Vec<(&'static str, super::Msg)> {
    let n = p.int(key);
    if Model::of(p) == Model::Processes && n > MAX_PROCESSES {
        vec![(
            key,
            crate::msg!(
                ru: "На процессах — не больше {MAX_PROCESSES} (задано {n}): каждый процесс — отдельный экземпляр программы",
                en: "On processes at most {MAX_PROCESSES} (you asked for {n}): each process is an instance of the program of its own",
            ),
        )]
    } else {
        vec![]
    }
}

/// "threads" or "processes" (Russian: genitive plural, as after a number), for insights'
/// words about the workers.
pub fn workers(p: &Params) -> Text {
    match Model::of(p) {
        Model::Threads => Text { ru: "потоков", en: "threads" },
        Model::Processes => Text { ru: "процессов", en: "processes" },
    }
}

impl Model {
    /// How the lessons name their numbered workers: `thr-0` or `proc-0`.
    pub fn prefix(self) -> &'static str {
        match self {
            Model::Threads => "thr",
            Model::Processes => "proc",
        }
    }
}

/// A number the workers share (`.value`): a plain attribute of one object among threads
/// (the listing's `SimpleNamespace(value=0)`), `multiprocessing.Value('i', 0, lock=False)`
/// among processes (the lessons guard it with their own primitive).
#[derive(Clone)]
pub enum Counter {
    Thread(Arc<std::sync::atomic::AtomicI32>),
    Process(mp::Value<i32>),
}

impl Counter {
    pub fn named(model: Model, name: &str) -> PyResult<Counter> {
        Ok(match model {
            Model::Threads => Counter::Thread(Arc::default()),
            Model::Processes => Counter::Process(mp::Value::named(name, "i", 0, false)?),
        })
    }
    pub fn value(&self) -> i32 {
        match self {
            Counter::Thread(c) => c.load(std::sync::atomic::Ordering::Relaxed),
            Counter::Process(c) => c.value(),
        }
    }
    pub fn set_value(&self, v: i32) {
        match self {
            Counter::Thread(c) => c.store(v, std::sync::atomic::Ordering::Relaxed),
            Counter::Process(c) => c.set_value(v),
        }
    }
}

impl Serialize for Counter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Counter::Process(c) => c.serialize(s),
            Counter::Thread(_) => Err(ser::Error::custom("cannot pickle 'types.SimpleNamespace' shared by threads")),
        }
    }
}

impl<'de> Deserialize<'de> for Counter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Counter, D::Error> {
        mp::Value::deserialize(d).map(Counter::Process)
    }
}
