//! Parlab's benchmarks: the same workloads natively (lesson threads on OS threads) and in
//! the browser (lesson threads on pooled Web Workers sharing one wasm memory).
//!
//! `scripts/bench.sh` runs this crate twice, as a native binary (`src/main.rs`) and as a
//! wasm module driven headless in Chromium (`src/web.rs`, `bench/run-browser.mjs`), runs
//! the CPython equivalents in `bench/python/`, and prints one table (`bench/report.mjs`).
//!
//! Every workload is written once, here, against the runtime; a [`Platform`] only says how
//! a run is started and awaited. Times inside a run are taken by the lesson program itself
//! on the run's clock, so the page's polling never counts.
#![allow(async_fn_in_trait)]

#[cfg(target_arch = "wasm32")]
mod web;

use parlab::clock::now_ns;
use parlab::prims::{Event, Lock};
use parlab::runtime::{Run, RunConfig};
use parlab::threading::Thread;
use parlab::trace::{Kind, Op, Trace, DEFAULT_CAPACITY};
use parlab::PyResult;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A lesson program.
pub type Program = Box<dyn FnOnce() -> PyResult<()> + Send + 'static>;

/// Where runs happen: OS threads natively, the worker pool in the browser.
pub trait Platform {
    /// Runs `main` as a lesson program; returns once the run has ended, with an error
    /// unless it finished normally.
    async fn run(&self, cfg: RunConfig, main: Program) -> Result<Arc<Run>, String>;
    /// Logical cores.
    fn cores(&self) -> u32;
    /// A line of progress for whoever watches (stderr, or the page's console).
    fn progress(&self, line: &str);
    /// Lets background work of the platform finish before a row (the browser compiles
    /// and tiers up wasm functions on background threads, which share the 2 cores).
    async fn settle(&self) {}
    /// The parallel sum's control: the same ranges of 1..=n summed on `k` plain threads of
    /// the platform, outside any run, in ms; `None` where there are none (the browser).
    /// The suite interleaves it with the lesson threads' sum, sample by sample, so that
    /// both meet the same machine.
    fn plain_sum_ms(&self, _n: u64, _k: u32) -> Option<f64> {
        None
    }
    /// Has `n` processes' worth of the platform ready before a run, so that a process
    /// start is warm (the browser boots spare instances of the module; natively every
    /// start is a fresh OS process anyway).
    async fn prepare_processes(&self, _n: u32) -> Result<(), String> {
        Ok(())
    }
}

/// How much work each row does. `full()` is the real bench, `smoke()` a quick check that
/// every row runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Sizes {
    /// Measured samples per row (a warm-up comes before them).
    pub runs: usize,
    /// Lock acquire+release pairs per sample.
    pub lock_pairs: u64,
    /// Locked increments per thread (two threads).
    pub increments: u64,
    /// Event ping-pong round trips.
    pub pingpong: u64,
    /// Queue items from the producer to the consumer.
    pub queue_items: u64,
    /// Lesson threads started and joined.
    pub threads: u32,
    /// The sum runs over 1..=sum_n.
    pub sum_n: u64,
    /// Trace events recorded per sample.
    pub trace_events: u64,
    /// Pipe round trips to a child process per sample.
    pub pipe_round_trips: u32,
    /// `multiprocessing.Queue` items from the parent to a child per sample.
    pub proc_queue_items: u32,
    /// Manager round trips (a dict assignment; a remote call) per sample.
    pub mgr_round_trips: u32,
    /// Tiny tasks per `Pool.map` (and per `ThreadPoolExecutor.map` beside it).
    #[serde(default = "pool_tasks_default")]
    pub pool_tasks: u32,
    /// Only the rows whose key starts with this (for profiling one row); probes skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<String>,
}

fn pool_tasks_default() -> u32 {
    10_000
}

impl Sizes {
    pub fn full() -> Sizes {
        Sizes {
            runs: 7,
            lock_pairs: 100_000,
            increments: 100_000,
            pingpong: 10_000,
            queue_items: 200_000,
            threads: 100,
            sum_n: 100_000_000,
            trace_events: 300_000,
            pipe_round_trips: 5_000,
            proc_queue_items: 100_000,
            mgr_round_trips: 5_000,
            pool_tasks: 10_000,
            only: None,
        }
    }

    pub fn smoke() -> Sizes {
        Sizes {
            runs: 2,
            lock_pairs: 10_000,
            increments: 2_000,
            pingpong: 200,
            queue_items: 2_000,
            threads: 10,
            sum_n: 1_000_000,
            trace_events: 10_000,
            pipe_round_trips: 200,
            proc_queue_items: 2_000,
            mgr_round_trips: 200,
            pool_tasks: 500,
            only: None,
        }
    }
}

/// Samples of one measure, in `unit`.
#[derive(Default)]
pub struct Results {
    rows: Map<String, Value>,
}

impl Results {
    pub fn put(&mut self, key: &str, unit: &str, samples: Vec<f64>, note: &str) {
        self.rows.insert(key.to_owned(), json!({ "unit": unit, "samples": samples, "note": note }));
    }

    pub fn put_error(&mut self, key: &str, unit: &str, error: String) {
        self.rows.insert(key.to_owned(), json!({ "unit": unit, "samples": [], "error": error }));
    }

    pub fn into_json(self) -> Value {
        Value::Object(self.rows)
    }
}

/// A number handed from inside a run to the code awaiting it.
#[derive(Clone, Default)]
struct Out(Arc<AtomicU64>);

impl Out {
    fn set(&self, v: f64) {
        self.0.store(v.to_bits(), Ordering::SeqCst);
    }
    fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::SeqCst))
    }
}

/// A run's configuration with room for `events` trace events, so that the trace records
/// everything the workload does (a full trace drops events, which is cheaper and would
/// flatter the numbers), and at least the page's trace size (`DEFAULT_CAPACITY`): a
/// buffer that big comes from fresh pages every run, and what that costs is part of
/// recording in a real run.
fn cfg_with_trace(events: u64) -> RunConfig {
    let cap = ((events + 4096).next_power_of_two() as usize).max(DEFAULT_CAPACITY);
    RunConfig { trace_capacity: cap, ..RunConfig::default() }
}

fn secs_since(t0: u64) -> f64 {
    (now_ns() - t0) as f64 / 1e9
}

// ------------------------------------------------------------------ the workloads

/// `n` uncontended acquire+release pairs. Its own function: V8 tiers a wasm function up
/// from its baseline compiler only between calls, so the warm-up must call this very one.
#[inline(never)]
pub fn lock_pairs(lock: &Lock, n: u64) -> PyResult<()> {
    for _ in 0..n {
        lock.acquire()?;
        lock.release()?;
    }
    Ok(())
}

/// Sums `from..=to` one number at a time. `black_box` keeps LLVM from replacing the loop
/// by `n(n+1)/2` (scalar evolution does exactly that) and from vectorizing it natively
/// (wasm32 is built without SIMD): both targets run the same scalar loop, one add per
/// number.
#[inline(never)]
pub fn sum_range(from: u64, to: u64) -> u64 {
    let mut s = 0u64;
    for i in from..=to {
        s = s.wrapping_add(black_box(i));
    }
    s
}

/// `n` events into a fresh trace, single-threaded: the recording path every primitive
/// operation of a run takes.
#[inline(never)]
pub fn record_events(trace: &Trace, n: u64) {
    for i in 0..n {
        trace.emit(1, Kind::Ok, Op::Acquire, 7, i);
    }
}

/// Row 1, trace off: pairs on a lock created outside any run, on the calling thread.
pub fn lock_pair_untraced_ns(n: u64) -> f64 {
    let lock = Lock::new();
    let t0 = now_ns();
    lock_pairs(&lock, n).expect("an uncontended lock never fails");
    (now_ns() - t0) as f64 / n as f64
}

/// Row 8: ns per recorded event, into a trace of the page's size.
pub fn trace_record_ns(n: u64) -> f64 {
    let trace = Trace::new((n as usize + 16).max(DEFAULT_CAPACITY), now_ns());
    let t0 = now_ns();
    record_events(&trace, n);
    let ns = (now_ns() - t0) as f64 / n as f64;
    assert_eq!(trace.len() as u64, n);
    ns
}

pub async fn lock_pair_traced_ns<P: Platform>(p: &P, n: u64) -> Result<f64, String> {
    lock_pair_traced(p, n).await.map(|(ns, _)| ns)
}

/// ns per pair, and trace events recorded per pair.
async fn lock_pair_traced<P: Platform>(p: &P, n: u64) -> Result<(f64, f64), String> {
    let out = Out::default();
    let o = out.clone();
    let run = p
        .run(
            cfg_with_trace(4 * n),
            Box::new(move || {
                let lock = Lock::named("lock");
                let t0 = now_ns();
                lock_pairs(&lock, n)?;
                o.set((now_ns() - t0) as f64 / n as f64);
                Ok(())
            }),
        )
        .await?;
    let events =
        run.trace.snapshot().iter().filter(|e| e.obj != 0 && matches!(e.op, Op::Acquire | Op::Release)).count();
    Ok((out.get(), events as f64 / n as f64))
}

/// Row 2: two threads, each `n` increments of a shared counter under one Lock. ops/s;
/// also notes in `waits` how many times per 1000 increments a thread had to wait in
/// `acquire()` (spinning in `park`, then sleeping).
async fn lock_increments<P: Platform>(p: &P, n: u64, waits: &std::cell::RefCell<Vec<f64>>) -> Result<f64, String> {
    // Ok and Release per increment, plus Attempt and Block events under contention.
    let (rate, run) = lock_increments_cfg(p, n, cfg_with_trace(2 * n * 5)).await?;
    let blocks = run.trace.snapshot().iter().filter(|e| e.kind == Kind::Block && e.op == Op::Acquire).count();
    waits.borrow_mut().push(blocks as f64 * 1000.0 / (2 * n) as f64);
    Ok(rate)
}

async fn lock_increments_cfg<P: Platform>(p: &P, n: u64, cfg: RunConfig) -> Result<(f64, Arc<Run>), String> {
    let out = Out::default();
    let o = out.clone();
    let run = p
        .run(
            cfg,
            Box::new(move || {
                let lock = Arc::new(Lock::named("counter"));
                let counter = Arc::new(AtomicU64::new(0));
                // Both threads meet before they start, so that the row measures two
                // threads incrementing at once (without it, a thread slow to start found
                // the other nearly done, and the row measured one thread alone about as
                // often as contention), and each times itself: from the first start to
                // the last end, whenever this thread gets to look.
                let gate = Arc::new(parlab::prims::Barrier::new(2, None)?);
                let first_start = Arc::new(AtomicU64::new(u64::MAX));
                let last_end = Arc::new(AtomicU64::new(0));
                let threads: Vec<Thread> = (0..2)
                    .map(|_| {
                        let (lock, counter, gate) = (lock.clone(), counter.clone(), gate.clone());
                        let (first_start, last_end) = (first_start.clone(), last_end.clone());
                        Thread::new("add", move || {
                            gate.wait(None)?;
                            first_start.fetch_min(now_ns(), Ordering::Relaxed);
                            for _ in 0..n {
                                lock.acquire()?;
                                // A plain read-modify-write: exact only under the lock.
                                let v = counter.load(Ordering::Relaxed);
                                counter.store(v + 1, Ordering::Relaxed);
                                lock.release()?;
                            }
                            last_end.fetch_max(now_ns(), Ordering::Relaxed);
                            Ok(())
                        })
                    })
                    .collect();
                for t in &threads {
                    t.start()?;
                }
                for t in &threads {
                    t.join(None)?;
                }
                let secs = (last_end.load(Ordering::Relaxed) - first_start.load(Ordering::Relaxed)) as f64 / 1e9;
                let total = counter.load(Ordering::Relaxed);
                if total != 2 * n {
                    return Err(parlab::PyErr::runtime(&format!("counter is {total}, expected {}", 2 * n)));
                }
                o.set(2.0 * n as f64 / secs);
                Ok(())
            }),
        )
        .await?;
    Ok((out.get(), run))
}

/// Row 3: a round trip is A setting `ping` and B answering on `pong`. µs per round trip.
async fn pingpong_us<P: Platform>(p: &P, n: u64) -> Result<f64, String> {
    let out = Out::default();
    p.run(cfg_with_trace(n * 16), pingpong(n, out.clone())).await?;
    Ok(out.get())
}

/// `n` ping-pong round trips through two Events; puts µs per round trip in `out`.
fn pingpong(n: u64, out: Out) -> Program {
    Box::new(move || {
        let ping = Arc::new(Event::named("ping"));
        let pong = Arc::new(Event::named("pong"));
        let (pi, po) = (ping.clone(), pong.clone());
        let answer = Thread::new("answer", move || {
            for _ in 0..n {
                pi.wait(None)?;
                pi.clear();
                po.set();
            }
            Ok(())
        });
        answer.start()?;
        let t0 = now_ns();
        for _ in 0..n {
            ping.set();
            pong.wait(None)?;
            pong.clear();
        }
        out.set((now_ns() - t0) as f64 / 1e3 / n as f64);
        answer.join(None)
    })
}

/// Row 4: one producer, one consumer, an unbounded `queue.Queue()`. items/s from the first
/// put to the last get.
async fn queue_items_s<P: Platform>(p: &P, n: u64, waits: &std::cell::RefCell<Vec<f64>>) -> Result<f64, String> {
    let (rate, blocks) = queue::items_per_s(p, n).await?;
    waits.borrow_mut().push(blocks as f64 * 1000.0 / n as f64);
    Ok(rate)
}

mod queue {
    use super::*;
    use parlab::prims::Queue;

    /// items/s, and how many times a thread went to sleep in `get` or `put`.
    pub async fn items_per_s<P: Platform>(p: &P, n: u64) -> Result<(f64, usize), String> {
        let out = Out::default();
        let o = out.clone();
        let run = p
            .run(
                cfg_with_trace(n * 8),
                Box::new(move || {
                    let q: Arc<Queue<u64>> = Arc::new(Queue::new(0));
                    let qc = q.clone();
                    let consumer = Thread::new("consumer", move || {
                        let mut sum = 0u64;
                        for _ in 0..n {
                            sum += qc.get(true, None)?;
                        }
                        if sum != n * (n - 1) / 2 {
                            return Err(parlab::PyErr::runtime(&format!("consumer got a sum of {sum}")));
                        }
                        Ok(())
                    });
                    let qp = q.clone();
                    let producer = Thread::new("producer", move || {
                        for i in 0..n {
                            qp.put(i, true, None)?;
                        }
                        Ok(())
                    });
                    let t0 = now_ns();
                    consumer.start()?;
                    producer.start()?;
                    producer.join(None)?;
                    consumer.join(None)?;
                    o.set(n as f64 / secs_since(t0));
                    Ok(())
                }),
            )
            .await?;
        let blocks =
            run.trace.snapshot().iter().filter(|e| e.kind == Kind::Block && matches!(e.op, Op::Get | Op::Put)).count();
        Ok((out.get(), blocks))
    }
}

/// Row 5: start `k` lesson threads that do nothing, then join them all. ms.
pub async fn threads_ms<P: Platform>(p: &P, k: u32) -> Result<f64, String> {
    let out = Out::default();
    let o = out.clone();
    p.run(
        RunConfig { max_threads: k as usize + 8, ..cfg_with_trace(k as u64 * 16) },
        Box::new(move || {
            let threads: Vec<Thread> = (0..k).map(|_| Thread::new("noop", || Ok(()))).collect();
            let t0 = now_ns();
            for t in &threads {
                t.start()?;
            }
            for t in &threads {
                t.join(None)?;
            }
            o.set((now_ns() - t0) as f64 / 1e6);
            Ok(())
        }),
    )
    .await?;
    Ok(out.get())
}

/// Row 6: the sum of 1..=n split into `k` equal ranges on `k` lesson threads. Returns the
/// wall time in ms; fails unless the total is exactly n(n+1)/2.
pub async fn sum_ms<P: Platform>(p: &P, n: u64, k: u32) -> Result<f64, String> {
    let out = Out::default();
    let o = out.clone();
    let got = Out::default();
    let g = got.clone();
    p.run(
        cfg_with_trace(64 + 16 * k as u64),
        Box::new(move || {
            let parts: Vec<Arc<AtomicU64>> = (0..k).map(|_| Arc::new(AtomicU64::new(0))).collect();
            let threads: Vec<Thread> = (0..k as u64)
                .map(|i| {
                    let from = 1 + n * i / k as u64;
                    let to = n * (i + 1) / k as u64;
                    let part = parts[i as usize].clone();
                    Thread::new("sum", move || {
                        part.store(sum_range(from, to), Ordering::Relaxed);
                        Ok(())
                    })
                })
                .collect();
            let t0 = now_ns();
            for t in &threads {
                t.start()?;
            }
            for t in &threads {
                t.join(None)?;
            }
            o.set((now_ns() - t0) as f64 / 1e6);
            let total: u64 = parts.iter().map(|p| p.load(Ordering::Relaxed)).fold(0, u64::wrapping_add);
            g.set(total as f64);
            if total != n * (n + 1) / 2 {
                return Err(parlab::PyErr::runtime(&format!("sum is {total}, expected {}", n * (n + 1) / 2)));
            }
            Ok(())
        }),
    )
    .await?;
    Ok(out.get())
}

/// Rows 9-13: processes (`multiprocessing`), each a child with a memory of its own: an OS
/// process natively (this binary started again), an instance of the module in the browser.
/// The children run probe targets of `parlab::multiprocessing::probes`.
pub mod procs {
    use super::*;
    use parlab::multiprocessing::{probes, Connection, Pipe, Process, Queue};
    use parlab::PyErr;

    fn exited_ok(p: &Process) -> PyResult<()> {
        match p.exitcode() {
            Some(0) => Ok(()),
            code => Err(PyErr::runtime(&format!("{} ended with exit code {code:?}", p.name()))),
        }
    }

    /// Row 9: one process doing nothing, started and joined; ms. `warm`: with an instance
    /// ready for it (the browser's spare); cold: none, so the start boots one.
    pub async fn start_join_ms<P: Platform>(p: &P, warm: bool) -> Result<f64, String> {
        if warm {
            p.prepare_processes(1).await?;
        }
        let out = Out::default();
        let o = out.clone();
        p.run(
            cfg_with_trace(256),
            Box::new(move || {
                let child = Process::new(&probes::NOTHING, &())?;
                let t0 = now_ns();
                child.start()?;
                child.join(None)?;
                o.set((now_ns() - t0) as f64 / 1e6);
                exited_ok(&child)
            }),
        )
        .await?;
        Ok(out.get())
    }

    /// Row 10: the parent sends 8 bytes with `send_bytes`, the child (`PIPE_ECHO`) sends
    /// them back; µs per round trip, after a first one that waits for the child's start.
    pub async fn pipe_round_trip_us<P: Platform>(p: &P, n: u32) -> Result<f64, String> {
        p.prepare_processes(1).await?;
        let out = Out::default();
        let o = out.clone();
        p.run(
            cfg_with_trace(64 * n as u64),
            Box::new(move || {
                let (mine, theirs): (Connection, Connection) = Pipe(true)?;
                let child = Process::new(&probes::PIPE_ECHO, &(theirs.clone(), n + 1))?;
                child.start()?;
                theirs.close();
                mine.send_bytes(&u64::MAX.to_le_bytes())?;
                mine.recv_bytes()?;
                let t0 = now_ns();
                for i in 0..n as u64 {
                    mine.send_bytes(&i.to_le_bytes())?;
                    let back = mine.recv_bytes()?;
                    if back != i.to_le_bytes() {
                        return Err(PyErr::runtime(&format!("sent {i}, got back {back:?}")));
                    }
                }
                o.set((now_ns() - t0) as f64 / 1e3 / n as f64);
                child.join(None)?;
                exited_ok(&child)
            }),
        )
        .await?;
        Ok(out.get())
    }

    /// Row 11: the parent puts `n` u64 on an unbounded `multiprocessing.Queue`, a child
    /// (`QUEUE_CONSUMER`) gets them; items/s from the first timed put until the child,
    /// having got the last, has been joined. A first item, waited for until the queue is
    /// empty again, keeps the child's start out of the time.
    pub async fn queue_items_s<P: Platform>(p: &P, n: u32) -> Result<f64, String> {
        p.prepare_processes(1).await?;
        let out = Out::default();
        let o = out.clone();
        p.run(
            cfg_with_trace(32 * n as u64),
            Box::new(move || {
                let q = Queue::named("items", 0)?;
                let child = Process::new(&probes::QUEUE_CONSUMER, &(q.clone(), n + 1))?;
                child.start()?;
                q.put(&u64::MAX, true, None)?;
                let deadline = now_ns() + 30_000_000_000;
                while !q.empty() {
                    if now_ns() > deadline {
                        return Err(PyErr::runtime("the consumer did not get its first item within 30 s"));
                    }
                    parlab::runtime::sleep(0.0002)?;
                }
                let t0 = now_ns();
                for i in 0..n as u64 {
                    q.put(&i, true, None)?;
                }
                child.join(None)?;
                o.set(n as f64 / secs_since(t0));
                exited_ok(&child)
            }),
        )
        .await?;
        Ok(out.get())
    }

    /// Row 14: `d[0] = i` on a `Manager().dict()` from the parent: µs per assignment, a
    /// round trip to the manager's process, after a first one that waits for its start.
    pub async fn manager_dict_us<P: Platform>(p: &P, n: u32) -> Result<f64, String> {
        p.prepare_processes(1).await?;
        let out = Out::default();
        let o = out.clone();
        p.run(
            cfg_with_trace(64 * n as u64),
            Box::new(move || {
                let m = parlab::multiprocessing::Manager()?;
                let d = m.dict()?;
                d.setitem(0, 0)?;
                let t0 = now_ns();
                for i in 0..n as i64 {
                    d.setitem(0, i)?;
                }
                o.set((now_ns() - t0) as f64 / 1e3 / n as f64);
                m.shutdown()?;
                exited_ok(m.process())
            }),
        )
        .await?;
        Ok(out.get())
    }

    /// Row 15: a `BaseManager` started at an address, a client connected with the key,
    /// calls of its registered `ECHO`: µs per call, after a first one.
    pub async fn manager_remote_us<P: Platform>(p: &P, n: u32) -> Result<f64, String> {
        use parlab::multiprocessing::managers::ECHO;
        use parlab::multiprocessing::BaseManager;
        p.prepare_processes(1).await?;
        let out = Out::default();
        let o = out.clone();
        p.run(
            cfg_with_trace(64 * n as u64),
            Box::new(move || {
                let mut server = BaseManager::new("127.0.0.1:0", b"bench");
                server.register("echo", &ECHO, false);
                server.start()?;
                let mut client = BaseManager::new(server.address(), b"bench");
                client.register("echo", &ECHO, false);
                client.connect()?;
                client.call::<_, i64>("echo", &0i64)?;
                let t0 = now_ns();
                for i in 0..n as i64 {
                    let back: i64 = client.call("echo", &i)?;
                    if back != i {
                        return Err(PyErr::runtime(&format!("sent {i}, got back {back}")));
                    }
                }
                o.set((now_ns() - t0) as f64 / 1e3 / n as f64);
                drop(client);
                server.shutdown()?;
                exited_ok(server.process().expect("started here"))
            }),
        )
        .await?;
        Ok(out.get())
    }

    /// Row 16: `Pool(k).map(square, range(n))` of tiny tasks (`pool::SQUARE`), the pool
    /// started and its workers up (a first map of one task per worker waited for) before
    /// the clock starts; ms for the whole map. Fails unless every square is right.
    pub async fn pool_map_ms<P: Platform>(p: &P, n: u32, k: u32) -> Result<f64, String> {
        use parlab::multiprocessing::{pool, Pool};
        p.prepare_processes(k).await?;
        let out = Out::default();
        let o = out.clone();
        p.run(
            cfg_with_trace(4096 + 8 * n as u64),
            Box::new(move || {
                let items: Vec<i64> = (0..n as i64).collect();
                Pool::new(Some(k as i64))?.with(|pool| {
                    let warm: Vec<i64> = pool.map(&pool::SQUARE, &items[..k.min(n) as usize], Some(1))?;
                    black_box(warm);
                    let t0 = now_ns();
                    let squares: Vec<i64> = pool.map(&pool::SQUARE, &items, None)?;
                    o.set((now_ns() - t0) as f64 / 1e6);
                    if squares.iter().zip(&items).any(|(s, x)| *s != x * x) || squares.len() != items.len() {
                        return Err(PyErr::runtime("Pool.map gave a wrong square"));
                    }
                    Ok(())
                })
            }),
        )
        .await?;
        Ok(out.get())
    }

    /// Row 16's reference: the same tiny tasks through our `ThreadPoolExecutor(k).map`
    /// (threads of one process, nothing serialized); ms for the whole map.
    pub async fn thread_pool_map_ms<P: Platform>(p: &P, n: u32, k: u32) -> Result<f64, String> {
        use parlab::futures::ThreadPoolExecutor;
        let out = Out::default();
        let o = out.clone();
        p.run(
            RunConfig { max_threads: k as usize + 8, ..cfg_with_trace(4096 + 16 * n as u64) },
            Box::new(move || {
                ThreadPoolExecutor::new(k as i64)?.with(|ex| {
                    let t0 = now_ns();
                    let squares = ex.map(|x: i64| Ok(x * x), 0..n as i64)?;
                    let mut ok = 0u32;
                    for (x, s) in squares.into_iter().enumerate() {
                        ok += (s? == (x * x) as i64) as u32;
                    }
                    o.set((now_ns() - t0) as f64 / 1e6);
                    if ok != n {
                        return Err(PyErr::runtime("ThreadPoolExecutor.map gave a wrong square"));
                    }
                    Ok(())
                })
            }),
        )
        .await?;
        Ok(out.get())
    }

    /// Row 12: the sum of 1..=n in the parent alone, then split into `k` ranges on `k`
    /// processes (`CHUNK_SUM`), each putting its part on one queue; both times in ms, in
    /// the same run so that both meet the same machine; starts included. Fails unless the
    /// total is exactly n(n+1)/2.
    pub async fn sum_ms<P: Platform>(p: &P, n: u64, k: u32) -> Result<(f64, f64), String> {
        p.prepare_processes(k).await?;
        let (seq, par) = (Out::default(), Out::default());
        let (so, po) = (seq.clone(), par.clone());
        p.run(
            cfg_with_trace(256 + 64 * k as u64),
            Box::new(move || {
                let t0 = now_ns();
                let total = sum_range(1, n);
                so.set((now_ns() - t0) as f64 / 1e6);
                let want = n * (n + 1) / 2;
                if total != want {
                    return Err(PyErr::runtime(&format!("sequential sum is {total}, expected {want}")));
                }
                let t0 = now_ns();
                let q = Queue::named("parts", 0)?;
                let children = (0..k as u64)
                    .map(|i| {
                        let (from, to) = (1 + n * i / k as u64, n * (i + 1) / k as u64);
                        Process::new(&probes::CHUNK_SUM, &(from, to, q.clone()))
                    })
                    .collect::<PyResult<Vec<Process>>>()?;
                for c in &children {
                    c.start()?;
                }
                let mut total = 0u64;
                for _ in 0..k {
                    total = total.wrapping_add(q.get::<u64>(true, None)?);
                }
                for c in &children {
                    c.join(None)?;
                }
                po.set((now_ns() - t0) as f64 / 1e6);
                if total != want {
                    return Err(PyErr::runtime(&format!("sum on {k} processes is {total}, expected {want}")));
                }
                children.iter().try_for_each(exited_ok)
            }),
        )
        .await?;
        Ok((seq.get(), par.get()))
    }

    /// Row 13: what a child waiting on its parent takes (`MEMORY_USE`): MB beyond its
    /// trace (natively: beyond the resident part of the shared segment that holds it);
    /// also notes its whole memory and its trace's, in MB.
    pub async fn memory_mb<P: Platform>(p: &P, notes: &std::cell::RefCell<Vec<(f64, f64)>>) -> Result<f64, String> {
        p.prepare_processes(1).await?;
        let (mem, trace) = (Out::default(), Out::default());
        let (mo, to) = (mem.clone(), trace.clone());
        p.run(
            cfg_with_trace(256),
            Box::new(move || {
                let (mine, theirs) = Pipe(true)?;
                let child = Process::new(&probes::MEMORY_USE, &theirs.clone())?;
                child.start()?;
                theirs.close();
                let (memory, trace): (u64, u64) = mine.recv()?;
                mine.send_bytes(b"done")?;
                child.join(None)?;
                mo.set(memory as f64);
                to.set(trace as f64);
                exited_ok(&child)?;
                if memory == 0 {
                    return Err(PyErr::runtime("this platform cannot tell a process's memory"));
                }
                Ok(())
            }),
        )
        .await?;
        let mb = |b: f64| b / (1 << 20) as f64;
        notes.borrow_mut().push((mb(mem.get()), mb(trace.get())));
        Ok(mb(mem.get() - trace.get()))
    }
}

/// "a thread waited in `op` M (min–max) times per 1000 `unit`": how much of a row's spread
/// is scheduling (the fewer waits, the longer one thread ran alone).
fn waits_note(mut per_1000: Vec<f64>, op: &str, unit: &str) -> String {
    per_1000.sort_by(f64::total_cmp);
    match (per_1000.first(), per_1000.get(per_1000.len() / 2), per_1000.last()) {
        (Some(lo), Some(m), Some(hi)) => {
            format!("a thread waited in {op} {m:.0} ({lo:.0}–{hi:.0}) times per 1000 {unit}")
        }
        _ => String::new(),
    }
}

/// Runs `f` after a warm-up (caches, the pool, V8's optimizing tier) and keeps `runs`
/// samples.
async fn sampled<F, Fut>(
    p: &impl Platform,
    s: &Sizes,
    key: &str,
    runs: usize,
    what: &str,
    mut f: F,
) -> Result<Vec<f64>, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<f64, String>>,
{
    if s.only.as_ref().is_some_and(|o| !key.starts_with(o.as_str())) {
        return Err("n/a (skipped: --only)".into());
    }
    p.progress(what);
    // Warm-up: one run, or three for the short micro rows (V8 runs a function's first
    // calls in its baseline tier and swaps in optimized code between calls).
    let warm = if runs > 10 { 3 } else { 1 };
    for _ in 0..warm {
        f().await?;
    }
    p.settle().await;
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        v.push(f().await?);
    }
    Ok(v)
}

/// The middle sample (NaN for none).
fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
}

fn record(r: &mut Results, key: &str, unit: &str, note: &str, v: Result<Vec<f64>, String>) {
    match v {
        Ok(v) => r.put(key, unit, v, note),
        Err(e) => r.put_error(key, unit, e),
    }
}

/// Every row this platform can measure in one process (or one page). `cold_threads`
/// says whether this platform's "cold" start is the same measurement as the warm one
/// (natively: OS threads, no pool); the browser measures cold on fresh pages instead.
pub async fn suite<P: Platform>(p: &P, s: &Sizes, cold_is_warm: bool) -> Value {
    let mut r = Results::default();
    let runs = s.runs;
    // Micro rows: many short samples, so that the median stays clean on a shared machine
    // (a sample a few ms long is rarely preempted; a long one often is).
    let micro_runs = runs * 3;

    let v = sampled(p, s, "lock_pair_untraced", micro_runs, "lock pair, trace off", || async {
        Ok(lock_pair_untraced_ns(s.lock_pairs))
    })
    .await;
    record(&mut r, "lock_pair_untraced", "ns", "outside a run: no trace", v);
    let per_pair = std::cell::Cell::new(0.0);
    let v = sampled(p, s, "lock_pair_traced", micro_runs, "lock pair, trace on", || async {
        let (ns, events) = lock_pair_traced(p, s.lock_pairs).await?;
        per_pair.set(events);
        Ok(ns)
    })
    .await;
    record(&mut r, "lock_pair_traced", "ns", &format!("inside a run: {} trace events per pair", per_pair.get()), v);

    let waits = std::cell::RefCell::new(Vec::new());
    let v = sampled(p, s, "lock_increments", runs, "2 threads x locked increments", || {
        lock_increments(p, s.increments, &waits)
    })
    .await;
    let note = waits_note(waits.into_inner(), "acquire", "increments");
    record(&mut r, "lock_increments", "ops/s", &note, v);

    let v = sampled(p, s, "pingpong", runs, "event ping-pong", || pingpong_us(p, s.pingpong)).await;
    record(&mut r, "pingpong", "us", "", v);

    let waits = std::cell::RefCell::new(Vec::new());
    let v = sampled(p, s, "queue", runs, "queue 1 -> 1", || queue_items_s(p, s.queue_items, &waits)).await;
    let note = format!("unbounded; {}", waits_note(waits.into_inner(), "get/put", "items"));
    record(&mut r, "queue", "items/s", &note, v);

    let v = sampled(p, s, "threads", runs, "threads start+join", || threads_ms(p, s.threads)).await;
    if cold_is_warm {
        let note = "OS threads: no pool, every start is cold";
        record(&mut r, "threads_cold", "ms", note, v.clone());
        record(&mut r, "threads_warm", "ms", note, v);
    } else {
        record(&mut r, "threads_warm", "ms", "pooled workers, pool already grown", v);
    }

    // The sum: a small call first so that V8 has the loop in its optimizing tier.
    if s.only.as_ref().is_none_or(|o| "sum".starts_with(o.as_str()) || o.starts_with("sum")) {
        p.progress("sum warm-up");
        let _ = sum_ms(p, s.sum_n / 20, 1).await;
        let _ = sum_ms(p, s.sum_n / 20, 1).await;
    }
    let cores = p.cores().max(1);
    let plain_1 = std::cell::RefCell::new(Vec::new());
    let plain_all = std::cell::RefCell::new(Vec::new());
    let one = sampled(p, s, "sum_1", runs, "sum on 1 thread", || async {
        let ms = sum_ms(p, s.sum_n, 1).await?;
        plain_1.borrow_mut().extend(p.plain_sum_ms(s.sum_n, 1));
        Ok(ms)
    })
    .await;
    let all = sampled(p, s, "sum_all", runs, "sum on every core", || async {
        let ms = sum_ms(p, s.sum_n, cores).await?;
        plain_all.borrow_mut().extend(p.plain_sum_ms(s.sum_n, cores));
        Ok(ms)
    })
    .await;
    record(&mut r, "sum_1", "ms", "1 lesson thread", one);
    record(&mut r, "sum_all", "ms", &format!("{cores} lesson threads"), all);
    // The control's samples, one after each lesson-thread sample (warm-ups included,
    // as the control has no warm-up of its own to need).
    for (key, v, k) in [("sum_plain_1", plain_1, 1), ("sum_plain_all", plain_all, cores)] {
        let v = v.into_inner();
        if !v.is_empty() {
            let v = v[v.len().saturating_sub(runs)..].to_vec();
            r.put(key, "ms", v, &format!("control: {k} plain platform threads, no Parlab, right after each sample"));
        }
    }

    // Processes: each sample a run of its own that starts children (micro_runs for the
    // short ones, a start being a few ms).
    let v = sampled(p, s, "proc_start_warm", micro_runs, "process start+join", || procs::start_join_ms(p, true)).await;
    if cold_is_warm {
        let note = "OS processes: this binary started again, every start is cold";
        record(&mut r, "proc_start_cold", "ms", note, v.clone());
        record(&mut r, "proc_start_warm", "ms", note, v);
    } else {
        record(&mut r, "proc_start_warm", "ms", "a spare instance of the module booted before each sample", v);
    }
    let v = sampled(p, s, "proc_pipe", micro_runs, "pipe round trips to a child", || {
        procs::pipe_round_trip_us(p, s.pipe_round_trips)
    })
    .await;
    record(&mut r, "proc_pipe", "us", "send_bytes/recv_bytes of 8 bytes, the child echoes", v);
    let v = sampled(p, s, "proc_queue", runs, "multiprocessing.Queue parent -> child", || {
        procs::queue_items_s(p, s.proc_queue_items)
    })
    .await;
    record(&mut r, "proc_queue", "items/s", "unbounded, u64 items, the parent puts, one child gets", v);
    let seq = std::cell::RefCell::new(Vec::new());
    let all = sampled(p, s, "proc_sum", runs, "sum on every core, processes", || async {
        let (one, all) = procs::sum_ms(p, s.sum_n, cores).await?;
        seq.borrow_mut().push(one);
        Ok(all)
    })
    .await;
    if let Ok(all) = &all {
        // The sequential sums of the kept samples (the warm-up's first).
        let seq = seq.into_inner();
        let seq = seq[seq.len().saturating_sub(all.len())..].to_vec();
        r.put("proc_sum_seq", "ms", seq, "the parent alone, in the same run as each sample");
    } else {
        record(&mut r, "proc_sum_seq", "ms", "", all.clone());
    }
    record(&mut r, "proc_sum_all", "ms", &format!("{cores} processes, starts included, parts put on one Queue"), all);
    let mem = std::cell::RefCell::new(Vec::new());
    let v = sampled(p, s, "proc_memory", runs, "memory per process", || procs::memory_mb(p, &mem)).await;
    let note = match mem.into_inner().last() {
        Some((total, trace)) => format!("a child waiting on a pipe: {total:.2} MB in all, {trace:.2} MB of it its trace (natively: the resident pages of the shared segment)"),
        None => String::new(),
    };
    record(&mut r, "proc_memory", "MB", &note, v);
    let v = sampled(p, s, "mgr_dict", micro_runs, "Manager dict assignments", || {
        procs::manager_dict_us(p, s.mgr_round_trips)
    })
    .await;
    record(&mut r, "mgr_dict", "us", "Manager().dict(): d[0] = i from the parent, a round trip each", v);
    let v = sampled(p, s, "mgr_remote", micro_runs, "remote manager calls", || {
        procs::manager_remote_us(p, s.mgr_round_trips)
    })
    .await;
    record(
        &mut r,
        "mgr_remote",
        "us",
        "BaseManager at an address: a connected client's call of a registered callable",
        v,
    );
    let n = s.pool_tasks;
    let threads = sampled(p, s, "pool_map_threads", runs, "ThreadPoolExecutor.map of tiny tasks", || {
        procs::thread_pool_map_ms(p, n, cores)
    })
    .await;
    let per_thread_task = threads.as_ref().ok().map(|v| median(v) * 1e3 / n as f64);
    let v = sampled(p, s, "pool_map", runs, "Pool.map of tiny tasks", || procs::pool_map_ms(p, n, cores)).await;
    let per_task = v.as_ref().ok().map(|v| median(v) * 1e3 / n as f64);
    let us = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| format!("{x:.2}"));
    let note = format!(
        "{cores} worker processes, started before; {} µs per task, against {} µs through ThreadPoolExecutor({cores})",
        us(per_task),
        us(per_thread_task)
    );
    record(&mut r, "pool_map", "ms", &note, v);
    record(
        &mut r,
        "pool_map_threads",
        "ms",
        &format!("ThreadPoolExecutor({cores}), the same tasks: {} µs per task", us(per_thread_task)),
        threads,
    );

    let v =
        sampled(p, s, "trace_record", micro_runs, "trace recording", || async { Ok(trace_record_ns(s.trace_events)) })
            .await;
    record(&mut r, "trace_record", "ns", "one thread, Trace::emit", v);

    let mut j = r.into_json();
    if s.only.is_none() {
        j["_probe"] = probe::all(p, s).await;
    }
    j["_meta"] = json!({ "cores": cores, "sizes": s });
    j
}

// ------------------------------------------------------------------ where the time goes

/// Costs of the pieces an operation is made of, to explain the rows (not rows
/// themselves): the clock every trace event reads, the raw atomics of a lock, what
/// `hooks::current()` pays for cloning the thread's context, and a traced lock pair whose
/// trace is full (every event dropped: hooks without recording).
pub mod probe {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[inline(never)]
    fn clock_calls(n: u64) -> u64 {
        let mut acc = 0u64;
        for _ in 0..n {
            acc = acc.wrapping_add(now_ns());
        }
        acc
    }

    /// ns per `parlab::clock::now_ns()`.
    pub fn clock_ns(n: u64) -> f64 {
        let t0 = now_ns();
        black_box(clock_calls(n));
        (now_ns() - t0) as f64 / n as f64
    }

    #[inline(never)]
    fn atomic_pairs(w: &AtomicU32, n: u64) {
        for _ in 0..n {
            while w.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed).is_err() {}
            w.swap(0, Ordering::Release);
        }
    }

    /// ns per compare_exchange + swap: a lock pair with nothing else.
    pub fn atomic_pair_ns(n: u64) -> f64 {
        let w = AtomicU32::new(0);
        let t0 = now_ns();
        atomic_pairs(black_box(&w), n);
        (now_ns() - t0) as f64 / n as f64
    }

    /// Lock pairs inside a run whose trace is already full: the hooks' cost (thread-local
    /// look-ups, context clones, holder table) without the recording.
    pub async fn lock_pair_full_trace_ns<P: Platform>(p: &P, n: u64) -> Result<f64, String> {
        let out = Out::default();
        let o = out.clone();
        p.run(
            RunConfig { trace_capacity: 16, ..RunConfig::default() },
            Box::new(move || {
                let lock = Lock::named("lock"); // (every event is dropped: the trace is full)
                let t0 = now_ns();
                lock_pairs(&lock, n)?;
                o.set((now_ns() - t0) as f64 / n as f64);
                Ok(())
            }),
        )
        .await?;
        Ok(out.get())
    }

    /// The same ping-pong with a trace too small for it: does the watchdog, which sees no
    /// new events once the trace is full, take a busy run for a deadlock?
    pub async fn pingpong_small_trace<P: Platform>(p: &P, n: u64) -> String {
        let cfg = RunConfig { trace_capacity: 1 << 12, ..RunConfig::default() };
        let t0 = now_ns();
        let r = p.run(cfg, pingpong(n, Out::default())).await;
        let secs = secs_since(t0);
        match r {
            Ok(_) => format!("finished ({n} round trips, {secs:.2} s)"),
            Err(e) => format!("{} after {secs:.2} s", e.split(':').next().unwrap_or(&e)),
        }
    }

    /// Trace recording from `k` lesson threads at once into one trace: ns per event per
    /// thread. Every event of every thread reserves its slot with a `fetch_add` on the same
    /// counter, so this shows what sharing that cache line costs.
    pub async fn trace_record_threads_ns<P: Platform>(p: &P, n: u64, k: u32) -> Result<f64, String> {
        let out = Out::default();
        let o = out.clone();
        p.run(
            cfg_with_trace(64),
            Box::new(move || {
                let trace = Arc::new(Trace::new(((n * k as u64) as usize + 16).max(DEFAULT_CAPACITY), now_ns()));
                let go = Arc::new(Event::new());
                let times: Vec<Arc<AtomicU64>> = (0..k).map(|_| Arc::new(AtomicU64::new(0))).collect();
                let threads: Vec<Thread> = (0..k as usize)
                    .map(|i| {
                        let (trace, go, time) = (trace.clone(), go.clone(), times[i].clone());
                        Thread::new("record", move || {
                            go.wait(None)?;
                            let t0 = now_ns();
                            record_events(&trace, n);
                            time.store(now_ns() - t0, Ordering::Relaxed);
                            Ok(())
                        })
                    })
                    .collect();
                for t in &threads {
                    t.start()?;
                }
                go.set();
                for t in &threads {
                    t.join(None)?;
                }
                let worst = times.iter().map(|t| t.load(Ordering::Relaxed)).max().unwrap_or(0);
                o.set(worst as f64 / n as f64);
                Ok(())
            }),
        )
        .await?;
        Ok(out.get())
    }

    /// Every probe, as JSON.
    pub async fn all<P: Platform>(p: &P, s: &Sizes) -> Value {
        p.progress("probes");
        let n = s.lock_pairs.max(100_000);
        let med = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let clock = med((0..5).map(|_| clock_ns(n)).collect());
        let atomics = med((0..5).map(|_| atomic_pair_ns(n)).collect());
        let mut hooks = Vec::new();
        for _ in 0..5 {
            if let Ok(v) = lock_pair_full_trace_ns(p, n).await {
                hooks.push(v);
            }
        }
        let hooks = if hooks.is_empty() { f64::NAN } else { med(hooks) };
        let mut lif = Vec::new();
        for _ in 0..3 {
            lif.extend(
                lock_increments_cfg(p, s.increments, RunConfig { trace_capacity: 16, ..RunConfig::default() })
                    .await
                    .ok()
                    .map(|(rate, _)| rate),
            );
        }
        let lock_full = if lif.is_empty() { json!(null) } else { json!(med(lif)) };
        let mut rec1 = Vec::new();
        let mut rec2 = Vec::new();
        let rn = s.trace_events / 2;
        for _ in 0..3 {
            rec1.extend(trace_record_threads_ns(p, rn, 1).await.ok());
            rec2.extend(trace_record_threads_ns(p, rn, 2).await.ok());
        }
        let rec = |v: Vec<f64>| if v.is_empty() { json!(null) } else { json!(med(v)) };
        let (rec1, rec2) = (rec(rec1), rec(rec2));
        let watchdog = pingpong_small_trace(p, if s.pingpong < 1000 { 2_000 } else { 100_000 }).await;
        json!({
            "clock_ns": clock,
            "atomic_pair_ns": atomics,
            "lock_increments_full_trace": lock_full,
            "trace_record_1_thread_ns": rec1,
            "trace_record_2_threads_ns": rec2,
            "lock_pair_full_trace_ns": hooks,
            "pingpong_trace_4096": watchdog,
        })
    }
}

/// Runs a future that never waits (a native suite) to completion.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
    fn noop(_: *const ()) {}
    fn clone(p: *const ()) -> RawWaker {
        RawWaker::new(p, &VTABLE)
    }
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    // SAFETY: the vtable's functions ignore the data pointer, so any pointer is fine.
    let waker = unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) };
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}
