//! Small targets for children that the tests and the bench start: they must be part of
//! the program itself, since a child is a fresh start of the program that finds its
//! target by name.

use crate::error::{PyErr, PyResult};
use crate::runtime::process::Target;
use std::sync::atomic::{AtomicI64, Ordering};

/// Every probe, for the child's lookup.
pub static TARGETS: &[&Target] = &[
    &EXIT_WITH,
    &RAISE,
    &SLEEP,
    &BUMP_GLOBAL,
    &NOTHING,
    &HANG,
    &PIPE_ECHO,
    &QUEUE_CONSUMER,
    &PIPE_SENDER,
    &PIPE_HOLDER,
    &QUEUE_PRODUCER,
    &TASK_WORKER,
    &COUNTER,
    &BARRIER_PARTY,
    &BARRIER_NAMED_PARTY,
    &BARRIER_ACTION,
    &LOCK_PROBE,
    &COND_WAITER,
    &CHUNK_SUM,
    &MEMORY_USE,
];

/// `sys.exit(code)`.
pub static EXIT_WITH: Target = crate::target!(exit_with);
fn exit_with(code: i32) -> PyResult<()> {
    Err(PyErr::SystemExit(code))
}

/// `raise ValueError(message)`.
pub static RAISE: Target = crate::target!(raise);
fn raise(message: String) -> PyResult<()> {
    Err(PyErr::ValueError(message))
}

/// `time.sleep(secs)`, printing before and after.
pub static SLEEP: Target = crate::target!(sleep);
fn sleep(secs: f64) -> PyResult<()> {
    crate::py_print!("sleeping {secs}")?;
    crate::runtime::sleep(secs)?;
    crate::py_print!("woke")
}

/// A module-level global of the program: each process has its own.
pub static GLOBAL: AtomicI64 = AtomicI64::new(0);

/// Adds `by` to this process's [`GLOBAL`] and prints it.
pub static BUMP_GLOBAL: Target = crate::target!(bump_global);
fn bump_global(by: i64) -> PyResult<()> {
    let now = GLOBAL.fetch_add(by, Ordering::SeqCst) + by;
    crate::py_print!("global = {now}")
}

/// Returns at once: a process's start and join, and nothing else.
pub static NOTHING: Target = crate::target!(nothing);
fn nothing(_: ()) -> PyResult<()> {
    Ok(())
}

/// Waits for an event nobody sets: blocked for good, within its own process.
pub static HANG: Target = crate::target!(hang);
fn hang(_: ()) -> PyResult<()> {
    crate::prims::Event::named("never").wait(None).map(drop)
}

// Shared objects' probes: what a child does with the handles it was given.

use super::{Barrier, Condition, Connection, Event, JoinableQueue, Lock, Queue, RLock, Semaphore, Value};

/// Echoes `n` messages back on `conn` (the bench times the round trips).
pub static PIPE_ECHO: Target = crate::target!(pipe_echo);
fn pipe_echo((conn, n): (Connection, u32)) -> PyResult<()> {
    for _ in 0..n {
        let m = conn.recv_bytes()?;
        conn.send_bytes(&m)?;
    }
    Ok(())
}

/// Gets `n` items from `q` (the bench times them).
pub static QUEUE_CONSUMER: Target = crate::target!(queue_consumer);
fn queue_consumer((q, n): (Queue, u32)) -> PyResult<()> {
    for _ in 0..n {
        q.get::<u64>(true, None)?;
    }
    Ok(())
}

/// Sends `(sender, i)` for i in 0..n, then returns without closing (its exit does).
pub static PIPE_SENDER: Target = crate::target!(pipe_sender);
fn pipe_sender((conn, sender, n): (Connection, u32, u32)) -> PyResult<()> {
    for i in 0..n {
        conn.send(&(sender, i))?;
    }
    Ok(())
}

/// Says "ready" on `conn`, then holds it open for `secs` (to be killed meanwhile).
pub static PIPE_HOLDER: Target = crate::target!(pipe_holder);
fn pipe_holder((conn, secs): (Connection, f64)) -> PyResult<()> {
    conn.send(&"ready".to_string())?;
    crate::runtime::sleep(secs)
}

/// Puts `(sender, i)` for i in 0..n on `q`, then returns: its exit flushes the feeder.
pub static QUEUE_PRODUCER: Target = crate::target!(queue_producer);
fn queue_producer((q, sender, n): (Queue, u32, u32)) -> PyResult<()> {
    for i in 0..n {
        q.put(&(sender, i), true, None)?;
    }
    Ok(())
}

/// Gets items from `q` and marks each done, until it gets `u32::MAX`.
pub static TASK_WORKER: Target = crate::target!(task_worker);
fn task_worker(q: JoinableQueue) -> PyResult<()> {
    loop {
        let item: u32 = q.get(true, None)?;
        q.task_done()?;
        if item == u32::MAX {
            return Ok(());
        }
    }
}

/// Adds 1 to `v` `n` times, under its lock or not: a read, then a write.
pub static COUNTER: Target = crate::target!(counter);
fn counter((v, n, locked, go): (Value<i64>, u32, bool, Event)) -> PyResult<()> {
    go.wait(Some(30.0))?;
    let lock = v.get_lock()?;
    for _ in 0..n {
        if locked {
            lock.with_lock(|| {
                v.set_value(v.value() + 1);
                Ok(())
            })?;
        } else {
            let x = v.value();
            v.set_value(x + 1);
        }
    }
    Ok(())
}

/// Waits on the barrier and puts the index it got on `q`.
pub static BARRIER_PARTY: Target = crate::target!(barrier_party);
fn barrier_party((b, q): (Barrier, Queue)) -> PyResult<()> {
    let index = b.wait(Some(30.0))?;
    q.put(&index, true, None)
}

/// Waits on the barrier and puts its name and the index it got on `q`; a broken barrier
/// puts the index `u32::MAX`.
pub static BARRIER_NAMED_PARTY: Target = crate::target!(barrier_named_party);
fn barrier_named_party((b, q): (Barrier, Queue)) -> PyResult<()> {
    let name = super::current_process()?.name;
    let index = match b.wait(Some(30.0)) {
        Ok(i) => i,
        Err(PyErr::BrokenBarrierError) => u32::MAX,
        Err(e) => return Err(e),
    };
    q.put(&(name, index), true, None)
}

/// A barrier's action: says which process ran it, and raises if that process's name ends
/// in "-raises".
pub static BARRIER_ACTION: Target = crate::target!(barrier_action);
fn barrier_action(_: ()) -> PyResult<()> {
    let name = super::current_process()?.name;
    crate::py_print!("action in {name}")?;
    if name.ends_with("-raises") {
        return Err(PyErr::value("the action failed"));
    }
    Ok(())
}

/// Tries what another process may and may not do with a parent's locks; puts the
/// outcomes on `q`.
pub static LOCK_PROBE: Target = crate::target!(lock_probe);
fn lock_probe((lock, rlock, q): (Lock, RLock, Queue)) -> PyResult<()> {
    let outcome = |r: PyResult<bool>| match r {
        Ok(b) => b.to_string(),
        Err(e) => e.to_string(),
    };
    // Held by the parent: a try fails, a release by another process is allowed for a
    // Lock and refused for an RLock.
    let results = vec![
        outcome(lock.acquire_with(true, Some(0.05))),
        outcome(rlock.acquire_with(false, None)),
        outcome(rlock.release().map(|_| true)),
        outcome(lock.release().map(|_| true)),
    ];
    q.put(&results, true, None)
}

/// Under the condition's lock: sets `ready`, waits to be notified, then takes one of the
/// semaphore's slots and puts what the wait returned on `q`.
pub static COND_WAITER: Target = crate::target!(cond_waiter);
fn cond_waiter((c, ready, slots, q): (Condition, Event, Semaphore, Queue)) -> PyResult<()> {
    let notified = c.with_lock(|| {
        ready.set();
        c.wait(Some(30.0))
    })?;
    let slot = slots.acquire_with(true, Some(30.0))?;
    q.put(&(notified, slot), true, None)
}

/// Puts the sum of `a..=b` on `q`, one number at a time (the bench's divide-and-conquer:
/// `black_box` keeps LLVM from turning the loop into `n(n+1)/2`), with a look at Stop
/// every 2^16 numbers.
pub static CHUNK_SUM: Target = crate::target!(chunk_sum);
fn chunk_sum((a, b, q): (u64, u64, Queue)) -> PyResult<()> {
    const SLICE: u64 = 1 << 16;
    let mut s = 0u64;
    let mut i = a;
    while i <= b {
        let end = b.min(i.saturating_add(SLICE - 1));
        for x in i..=end {
            s = s.wrapping_add(std::hint::black_box(x));
        }
        crate::runtime::checkpoint()?;
        if end == u64::MAX {
            break;
        }
        i = end + 1;
    }
    q.put(&s, true, None)
}

/// Sends `(memory, trace)` on `conn`: this process's memory in bytes and how many of them
/// its trace takes; then waits for a message, so that it is measured while it waits, as a
/// process blocked on its parent is. In the browser: its instance's whole
/// `WebAssembly.Memory`, and the trace's region in it. Natively: its resident set
/// (`VmRSS`), and the resident part of the run's shared segment (`RssShmem`), where its
/// trace lies beside the arena's few words (0 where `/proc` does not exist).
pub static MEMORY_USE: Target = crate::target!(memory_use);
fn memory_use(conn: Connection) -> PyResult<()> {
    conn.send(&memory_bytes())?;
    conn.recv_bytes().map(drop)
}

/// This process's memory and its trace's part of it: see [`MEMORY_USE`].
fn memory_bytes() -> (u64, u64) {
    #[cfg(target_arch = "wasm32")]
    {
        let trace = crate::runtime::current().map_or(0, |c| c.run.trace.region().1 as u64);
        (core::arch::wasm32::memory_size(0) as u64 * 65536, trace)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let kb = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .map_or(0, |kb| kb * 1024)
        };
        (kb("VmRSS:"), kb("RssShmem:"))
    }
}
