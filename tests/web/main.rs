//! The wasm-bindgen-test tier: the runtime in headless Chromium, on real Web Workers that
//! share the module's memory. Tests block, so they run in a dedicated worker; the pool's
//! workers are created before any test blocks (a blocked worker cannot start another).
#![cfg(target_arch = "wasm32")]

use parlab::prims::Lock;
use parlab::runtime::{browser, Run, RunConfig};
use parlab::threading::Thread;
use parlab::trace::{EndState, Kind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Enough workers for every test here; created once, reused across tests and runs.
///
/// The runner polls every async test at once; the returned guard makes them take turns,
/// so that timings (Stop within 200 ms) and memory figures are each test's own.
async fn pool() -> Turn {
    static BUSY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    while BUSY.swap(true, Ordering::SeqCst) {
        gloo_sleep(1).await;
    }
    browser::init_pool(12).await.expect("the test page is cross-origin isolated");
    Turn(&BUSY)
}

struct Turn(&'static std::sync::atomic::AtomicBool);

impl Drop for Turn {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Waits for a run without blocking this worker's event loop, ticking the page-side
/// watchdog like the page does. Bounded: fails after `secs`.
async fn finish(run: &Arc<Run>, secs: f64) -> EndState {
    let start = parlab::clock::now_ns();
    while !run.is_done() {
        browser::tick(run);
        assert!(
            (parlab::clock::now_ns() - start) as f64 / 1e9 < secs,
            "run did not end within {secs} s (processes: {:?}, live threads {}, {} spares ready)",
            browser::process_states(run),
            run.live_threads(),
            browser::live_processes()
        );
        gloo_sleep(5).await;
    }
    run.end_state().expect("a done run has an end state")
}

/// The bytes of this module's wasm memory (the page's, in these tests).
fn wasm_memory_bytes() -> u32 {
    JsCast::unchecked_into::<js_sys::WebAssembly::Memory>(wasm_bindgen::memory())
        .buffer()
        .unchecked_into::<js_sys::SharedArrayBuffer>()
        .byte_length()
}

async fn gloo_sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let g: web_sys::WorkerGlobalScope = JsCast::unchecked_into(js_sys::global());
        g.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Starts `n` lesson threads running `body(i)`.
fn start_all(
    n: u32,
    body: impl Fn(u32) -> parlab::PyResult<()> + Send + Sync + 'static,
) -> parlab::PyResult<Vec<Thread>> {
    let body = Arc::new(body);
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let b = body.clone();
            Thread::new("t", move || b(i))
        })
        .collect();
    for t in &threads {
        t.start()?;
    }
    Ok(threads)
}

fn join_all(threads: &[Thread]) -> parlab::PyResult<()> {
    threads.iter().try_for_each(|t| t.join(None))
}

/// Starts `n` copies of `body(i)` as lesson threads and joins them all.
fn spawn_join(n: u32, body: impl Fn(u32) -> parlab::PyResult<()> + Send + Sync + 'static) -> parlab::PyResult<()> {
    join_all(&start_all(n, body)?)
}

#[wasm_bindgen_test]
async fn memory_is_shared() {
    let mem: js_sys::WebAssembly::Memory = JsCast::unchecked_into(wasm_bindgen::memory());
    assert!(
        mem.buffer().is_instance_of::<js_sys::SharedArrayBuffer>(),
        "the module's memory must be a SharedArrayBuffer"
    );
}

#[wasm_bindgen_test]
async fn contended_counter_is_exact_across_workers() {
    let _turn = pool().await;
    let total = Arc::new(AtomicU64::new(0));
    let t2 = total.clone();
    let run = browser::start(&RunConfig::default(), move || {
        let lock = Arc::new(Lock::named("counter"));
        spawn_join(6, move |_| {
            for _ in 0..5_000 {
                lock.with(|| {
                    // Non-atomic read-modify-write: exact only under the lock.
                    let v = t2.load(Ordering::Relaxed);
                    t2.store(v + 1, Ordering::Relaxed);
                    Ok(())
                })?;
            }
            Ok(())
        })
    });
    assert_eq!(finish(&run, 60.0).await, EndState::Finished);
    assert_eq!(total.load(Ordering::Relaxed), 30_000);
    let starts = run.trace.snapshot().iter().filter(|e| e.kind == Kind::ThreadStart).count();
    assert_eq!(starts, 7, "main + 6 workers");
}

#[wasm_bindgen_test]
async fn a_self_deadlock_is_reported() {
    let _turn = pool().await;
    let run = browser::start(&RunConfig::default(), || {
        let lock = Lock::named("lock");
        lock.acquire()?;
        lock.acquire()
    });
    assert_eq!(finish(&run, 30.0).await, EndState::Deadlocked);
    assert!(run
        .trace
        .snapshot()
        .iter()
        .any(|e| e.kind == Kind::WaitEdge && e.actor == parlab::trace::Actor::main_thread() && e.arg == 1));
}

#[wasm_bindgen_test]
async fn stop_interrupts_blocked_sleeping_and_spinning_threads() {
    let _turn = pool().await;
    let run = browser::start(&RunConfig::default(), || {
        let lock = Arc::new(Lock::new());
        lock.acquire()?;
        let l2 = lock.clone();
        Thread::new("blocked", move || l2.acquire()).start()?;
        Thread::new("sleeper", || parlab::runtime::sleep(3600.0)).start()?;
        Thread::new("spinner", || loop {
            parlab::runtime::checkpoint()?;
        })
        .start()?;
        parlab::runtime::sleep(3600.0)
    });
    let t0 = parlab::clock::now_ns();
    while run.live_threads() < 4 {
        assert!(parlab::clock::now_ns() - t0 < 20_000_000_000, "threads did not start");
        gloo_sleep(2).await;
    }
    let stopped = parlab::clock::now_ns();
    run.stop();
    assert_eq!(finish(&run, 5.0).await, EndState::Stopped);
    let ms = (parlab::clock::now_ns() - stopped) as f64 / 1e6;
    assert!(ms < 200.0, "Stop took {ms} ms");
}

#[wasm_bindgen_test]
async fn repeated_runs_reuse_the_pool_and_do_not_grow_memory() {
    let _turn = pool().await;
    let one_run = || async {
        let run = browser::start(&RunConfig::default(), || {
            let lock = Arc::new(Lock::new());
            spawn_join(4, move |_| lock.with(|| parlab::runtime::sleep(0.001)))
        });
        assert_eq!(finish(&run, 30.0).await, EndState::Finished);
    };
    // Warm up: the pool and the allocator reach their working size.
    for _ in 0..5 {
        one_run().await;
    }
    let (workers, _) = browser::pool_size();
    let mem = wasm_memory_bytes;
    let before = mem();
    for _ in 0..30 {
        one_run().await;
    }
    // A pool may grow by one step when a run starts while the last run's workers are
    // still on their way back, and the allocator may take one more trace's worth; a leak
    // would grow with the number of runs (a worker, or 3 MB of trace, each).
    let (after, _) = browser::pool_size();
    assert!(after <= workers + 4, "workers went from {workers} to {after} over 30 identical runs");
    let grew = mem() - before;
    assert!(grew <= 8 << 20, "wasm memory grew by {grew} bytes over 30 identical runs");
}

#[wasm_bindgen_test]
async fn a_quiet_pool_shrinks_to_a_few_idle_workers_and_grows_again_for_a_big_run() {
    let _turn = pool().await;
    browser::prepare(30).await.expect("30 idle workers");
    let (grown, spare) = browser::pool_size();
    assert!(grown >= 30 && spare >= 30, "prepared 30: {grown} workers, {spare} spare");
    let asked = browser::shrink_idle(browser::KEEP_IDLE);
    assert_eq!(asked as i32, spare - browser::KEEP_IDLE, "every idle worker beyond the few kept is asked to leave");
    // They leave their loop, free their stacks and are terminated by the page.
    let start = parlab::clock::now_ns();
    while browser::pool_size().0 > grown - asked {
        let waited = (parlab::clock::now_ns() - start) as f64 / 1e9;
        assert!(waited < 10.0, "retired workers still there after 10 s: {:?}", browser::pool_size());
        gloo_sleep(5).await;
    }
    assert_eq!(browser::pool_size(), (grown - asked, browser::KEEP_IDLE));
    assert_eq!(browser::shrink_idle(browser::KEEP_IDLE), 0, "nothing more to retire");
    // A run with more threads than are left grows the pool back and runs them all.
    let ran = Arc::new(AtomicU32::new(0));
    let r = ran.clone();
    let run = browser::start_with_threads(&RunConfig::default(), 20, move || {
        let r = r.clone();
        spawn_join(20, move |_| {
            r.fetch_add(1, Ordering::SeqCst);
            parlab::runtime::sleep(0.01)
        })
    });
    assert_eq!(finish(&run, 30.0).await, EndState::Finished);
    assert_eq!(ran.load(Ordering::SeqCst), 20);
}

use parlab::prims::{Barrier, Condition, Event, Queue, Semaphore};
use std::sync::atomic::AtomicU32;
use std::sync::Mutex;

#[wasm_bindgen_test]
async fn a_semaphore_never_lets_more_than_its_value_inside() {
    let _turn = pool().await;
    let max_seen = Arc::new(AtomicU32::new(0));
    let m = max_seen.clone();
    let run = browser::start(&RunConfig::default(), move || {
        let sem = Arc::new(Semaphore::named("sem", 3)?);
        let inside = Arc::new(AtomicU32::new(0));
        spawn_join(8, move |_| {
            for _ in 0..200 {
                sem.with(|| {
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(now, Ordering::SeqCst);
                    inside.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                })?;
            }
            Ok(())
        })
    });
    assert_eq!(finish(&run, 60.0).await, EndState::Finished);
    let max = max_seen.load(Ordering::SeqCst);
    assert!((1..=3).contains(&max), "at most 3 inside, saw {max}");
}

#[wasm_bindgen_test]
async fn barrier_generations_release_parties_together_with_distinct_indices() {
    let _turn = pool().await;
    let indices = Arc::new(Mutex::new(Vec::new()));
    let idx = indices.clone();
    let run = browser::start(&RunConfig::default(), move || {
        let barrier = Arc::new(Barrier::named("b", 4, None)?);
        let crossed = Arc::new(AtomicU32::new(0));
        spawn_join(4, move |_| {
            for generation in 0..5u32 {
                let i = barrier.wait(None)?;
                // Nobody passes generation g before all four arrived at it.
                let c = crossed.fetch_add(1, Ordering::SeqCst);
                assert!(c >= generation * 4, "crossed early");
                idx.lock().unwrap().push((generation, i));
            }
            Ok(())
        })
    });
    assert_eq!(finish(&run, 60.0).await, EndState::Finished);
    let mut v = indices.lock().unwrap().clone();
    v.sort();
    let expected: Vec<(u32, u32)> = (0..5).flat_map(|g| (0..4).map(move |i| (g, i))).collect();
    assert_eq!(v, expected, "each generation hands out indices 0..3 once");
}

#[wasm_bindgen_test]
async fn an_event_wakes_every_waiter() {
    let _turn = pool().await;
    let woke = Arc::new(AtomicU32::new(0));
    let w = woke.clone();
    let run = browser::start(&RunConfig::default(), move || {
        let ev = Arc::new(Event::named("go"));
        let e = ev.clone();
        let waiters = start_all(8, move |_| {
            assert!(e.wait(None)?);
            w.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })?;
        parlab::runtime::sleep(0.05)?;
        ev.set();
        join_all(&waiters)
    });
    assert_eq!(finish(&run, 60.0).await, EndState::Finished);
    assert_eq!(woke.load(Ordering::SeqCst), 8);
}

#[wasm_bindgen_test]
async fn a_queue_loses_and_duplicates_nothing_under_several_producers_and_consumers() {
    let _turn = pool().await;
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    let run = browser::start(&RunConfig::default(), move || {
        let q: Arc<Queue<Option<u32>>> = Arc::new(Queue::named("q", 16));
        let producers: Vec<_> = (0..3u32)
            .map(|p| {
                let q = q.clone();
                Thread::new("producer", move || {
                    for i in 0..2000 {
                        q.put(Some(p * 1_000_000 + i), true, None)?;
                    }
                    Ok(())
                })
            })
            .collect();
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let (q, g) = (q.clone(), g.clone());
                Thread::new("consumer", move || {
                    let mut mine = Vec::new();
                    while let Some(v) = q.get(true, None)? {
                        mine.push(v);
                    }
                    g.lock().unwrap().extend(mine);
                    Ok(())
                })
            })
            .collect();
        for t in producers.iter().chain(&consumers) {
            t.start()?;
        }
        for t in &producers {
            t.join(None)?;
        }
        for _ in &consumers {
            q.put(None, true, None)?;
        }
        for t in &consumers {
            t.join(None)?;
        }
        Ok(())
    });
    assert_eq!(finish(&run, 60.0).await, EndState::Finished);
    let mut v = got.lock().unwrap().clone();
    v.sort();
    let expected: Vec<u32> = (0..3u32).flat_map(|p| (0..2000).map(move |i| p * 1_000_000 + i)).collect();
    assert_eq!(v, expected);
}

#[wasm_bindgen_test]
async fn stop_interrupts_threads_blocked_on_every_kind_of_primitive() {
    let _turn = pool().await;
    let run = browser::start(&RunConfig::default(), || {
        let cond = Arc::new(Condition::named("cond"));
        let sem = Arc::new(Semaphore::named("sem", 0)?);
        let ev = Arc::new(Event::named("ev"));
        let barrier = Arc::new(Barrier::named("b", 9, None)?);
        let empty: Arc<Queue<u32>> = Arc::new(Queue::named("empty", 0));
        let full: Arc<Queue<u32>> = Arc::new(Queue::named("full", 1));
        full.put(1, true, None)?;
        let c = cond.clone();
        Thread::new("cond", move || c.with(|| c.wait(None).map(drop))).start()?;
        let s = sem.clone();
        Thread::new("sem", move || s.acquire()).start()?;
        let e = ev.clone();
        Thread::new("event", move || e.wait(None).map(drop)).start()?;
        let b = barrier.clone();
        Thread::new("barrier", move || b.wait(None).map(drop)).start()?;
        let q = empty.clone();
        Thread::new("get", move || q.get(true, None).map(drop)).start()?;
        let q = full.clone();
        Thread::new("put", move || q.put(2, true, None)).start()?;
        let sleeper = Thread::new("sleeper", || parlab::runtime::sleep(3600.0));
        sleeper.start()?;
        sleeper.join(None)
    });
    let t0 = parlab::clock::now_ns();
    while run.live_threads() < 8 {
        assert!(parlab::clock::now_ns() - t0 < 20_000_000_000, "threads did not start");
        gloo_sleep(2).await;
    }
    gloo_sleep(20).await;
    let stopped = parlab::clock::now_ns();
    run.stop();
    assert_eq!(finish(&run, 5.0).await, EndState::Stopped);
    let ms = (parlab::clock::now_ns() - stopped) as f64 / 1e6;
    assert!(ms < 200.0, "Stop took {ms} ms");
    let ends = run.trace.snapshot().iter().filter(|e| e.kind == Kind::ThreadEnd).count();
    assert_eq!(ends, 8, "every thread ended");
}

/// The machine's reference: the sum on rayon's pool (wasm-bindgen-rayon's workers, which
/// `init_pool` starts), from inside a lesson thread, and its measurement in the trace.
#[wasm_bindgen_test]
async fn rayon_sums_in_a_lesson_thread_and_its_measure_reaches_the_view() {
    let _turn = pool().await;
    // `init_pool` started rayon's pool already: a second start is the first one's outcome.
    browser::init_rayon(browser::cores()).await.expect("rayon's pool starts with the pool");
    let n: u64 = 10_000_000;
    let k = 7;
    let ranges: Vec<(u64, u64)> = (0..k).map(|i| (n * i / k + 1, n * (i + 1) / k)).collect();
    let out = Arc::new(Mutex::new(None));
    let o = out.clone();
    let run = browser::start(&RunConfig::default(), move || {
        let (sum, secs) = parlab::reference::rayon_sum(&ranges)?;
        parlab::runtime::measure("rayon_seconds", secs);
        parlab::runtime::measure("rayon_sum", sum as f64);
        *o.lock().unwrap() = Some((sum, secs));
        Ok(())
    });
    assert_eq!(finish(&run, 60.0).await, EndState::Finished);
    let (sum, secs) = out.lock().unwrap().expect("the lesson thread summed");
    assert_eq!(sum, n * (n + 1) / 2, "the sum on rayon's workers is exact");
    let view = parlab::analysis::TraceView::from_trace(&run.trace);
    assert_eq!(view.measures.get("rayon_seconds"), Some(&secs), "measures: {:?}", view.measures);
    assert_eq!(view.measures.get("rayon_sum"), Some(&(sum as f64)));
    assert!(view.stdout().is_empty(), "a measure prints nothing");
}

/// Processes: separate instances of the module with memories of their own, run by the
/// page's spare instances.
mod processes {
    use super::*;
    use parlab::multiprocessing::{probes, Process};
    use std::sync::Mutex;

    async fn with_spares() -> Turn {
        let turn = pool().await;
        browser::prepare_processes(2).await.expect("process instances boot");
        turn
    }

    #[wasm_bindgen_test]
    async fn exit_codes_and_memories_are_each_processs_own() {
        let _turn = with_spares().await;
        let out: Arc<Mutex<Vec<i64>>> = Arc::default();
        let o = out.clone();
        let run = browser::start(&RunConfig::default(), move || {
            probes::GLOBAL.store(0, Ordering::SeqCst);
            let bump = Process::new(&probes::BUMP_GLOBAL, &41i64)?;
            let exits = Process::new(&probes::EXIT_WITH, &3)?;
            let raises = Process::new(&probes::RAISE, &"boom".to_string())?;
            let sleeper = Process::new(&probes::SLEEP, &60.0)?;
            let all = [&bump, &exits, &raises, &sleeper];
            for p in all {
                p.start()?;
            }
            sleeper.terminate()?;
            let mut v = Vec::new();
            for p in all {
                p.join(Some(10.0))?;
                v.push(p.exitcode().map_or(99, i64::from));
            }
            v.push(probes::GLOBAL.load(Ordering::SeqCst));
            *o.lock().unwrap() = v;
            Ok(())
        });
        assert_eq!(finish(&run, 30.0).await, EndState::Finished);
        assert_eq!(*out.lock().unwrap(), vec![0, 3, 1, -15, 0], "exit codes, then the parent's untouched global");
        let ends = run.trace.snapshot().iter().filter(|e| e.kind == Kind::ProcEnd).count();
        assert_eq!(ends, 4, "the page recorded every child's end");
    }

    #[wasm_bindgen_test]
    async fn a_hundred_runs_leave_no_process_behind_and_do_not_grow_memory() {
        let _turn = with_spares().await;
        let one_run = || async {
            let run = browser::start(&RunConfig::default(), || {
                let ps: Vec<Process> = (0..2).map(|_| Process::new(&probes::NOTHING, &())).collect::<Result<_, _>>()?;
                for p in &ps {
                    p.start()?;
                }
                ps.iter().try_for_each(|p| p.join(None))
            });
            assert_eq!(finish(&run, 30.0).await, EndState::Finished);
        };
        for _ in 0..5 {
            one_run().await;
        }
        let mem = wasm_memory_bytes;
        let before = mem();
        // The spares the page keeps: as many as the most any run of this page asked for
        // (an earlier test's run may have asked for more than this one's two).
        let spares = browser::process_instances();
        for _ in 0..100 {
            one_run().await;
        }
        assert_eq!(browser::live_processes(), 0, "every process of every run was let go");
        let instances = browser::process_instances();
        assert!(instances <= spares.max(2), "{instances} instances kept after 100 runs, {spares} before: spares only");
        let grew = mem() - before;
        assert!(grew <= 8 << 20, "the page's wasm memory grew by {grew} bytes over 100 runs");
    }

    #[wasm_bindgen_test]
    async fn stop_ends_every_process_within_200_ms() {
        let _turn = with_spares().await;
        let run = browser::start(&RunConfig::default(), || {
            let ps: Vec<Process> = (0..2).map(|_| Process::new(&probes::SLEEP, &3600.0)).collect::<Result<_, _>>()?;
            for p in &ps {
                p.start()?;
            }
            for p in &ps {
                p.join(None)?;
            }
            Ok(())
        });
        let t0 = parlab::clock::now_ns();
        while run.trace.snapshot().iter().filter(|e| e.kind == Kind::ProcStart).count() < 2 {
            browser::tick(&run);
            assert!(parlab::clock::now_ns() - t0 < 20_000_000_000, "processes did not start");
            gloo_sleep(2).await;
        }
        gloo_sleep(50).await;
        let stopped = parlab::clock::now_ns();
        run.stop();
        assert_eq!(finish(&run, 5.0).await, EndState::Stopped);
        let ms = (parlab::clock::now_ns() - stopped) as f64 / 1e6;
        assert!(ms < 200.0, "Stop took {ms} ms");
        assert_eq!(browser::live_processes(), 0, "no process instance is left running");
    }
}

mod process_traces {
    use super::*;
    use parlab::analysis::TraceView;
    use parlab::multiprocessing::{probes, Process};

    #[wasm_bindgen_test]
    async fn a_childs_prints_reach_the_merged_view_from_its_own_memory() {
        let _turn = pool().await;
        browser::prepare_processes(2).await.expect("process instances boot");
        let run = browser::start(&RunConfig::default(), || {
            let p = Process::named("bumper", &probes::BUMP_GLOBAL, &5i64)?;
            p.start()?;
            p.join(None)?;
            parlab::py_print!("main: joined, exitcode {:?}", p.exitcode())
        });
        assert_eq!(finish(&run, 30.0).await, EndState::Finished);
        let view = run.with_traces(TraceView::from_traces);
        let lines: Vec<(u32, String)> = view.lines().into_iter().map(|l| (l.actor.pid, l.text)).collect();
        assert!(lines.contains(&(2, "global = 5".to_owned())), "the child's line, from its trace: {lines:?}");
        assert!(lines.contains(&(1, "main: joined, exitcode Some(0)".to_owned())), "{lines:?}");
        assert_eq!(view.process_name(2), "bumper");
    }
}

/// The process lessons run in the browser as natively: real instances, the page's ticks.
mod process_lessons {
    use super::*;
    use parlab::analysis::TraceView;

    #[wasm_bindgen_test]
    async fn divide_and_conquer_sums_exactly_on_processes_threads_and_rayon() {
        let _turn = pool().await;
        browser::prepare_processes(2).await.expect("process instances boot");
        let lesson = parlab::lessons::find("divide-and-conquer").expect("registered");
        let params = lesson.parse_params([("n", "1000000"), ("k", "2")]).expect("valid");
        let p = params.clone();
        let cfg = lesson.config(&params, RunConfig::default());
        let run = browser::start_with(&cfg, 3, 2, move || (lesson.run)(&p));
        let t0 = parlab::clock::now_ns();
        while !run.is_done() && parlab::clock::now_ns() - t0 < 30_000_000_000 {
            browser::tick(&run);
            gloo_sleep(5).await;
        }
        let lines =
            |r: &Run| r.with_traces(TraceView::from_traces).lines().into_iter().map(|l| l.text).collect::<Vec<_>>();
        assert!(run.is_done(), "the run did not end within 30 s: {:?}", lines(&run));
        let end = finish(&run, 1.0).await;
        let view = run.with_traces(TraceView::from_traces);
        let out: Vec<String> = view.lines().into_iter().map(|l| l.text).collect();
        assert_eq!(end, EndState::Finished, "{out:?}");
        assert_eq!(out.iter().filter(|l| l.contains("exact True")).count(), 3, "{out:?}");
        assert!(view.measures.contains_key("rayon_s"), "rayon's reference ran: {:?}", view.measures);
    }

    #[wasm_bindgen_test]
    async fn pool_keeps_input_order_and_runs_callbacks_in_the_parent() {
        let _turn = pool().await;
        browser::prepare_processes(2).await.expect("process instances boot");
        let lesson = parlab::lessons::find("pool").expect("registered");
        let params = lesson
            .parse_params([("processes", "2"), ("tasks", "6"), ("task_s", "0.5"), ("method", "map_async")])
            .expect("valid");
        let p = params.clone();
        let cfg = lesson.config(&params, RunConfig { speed: 10.0, ..RunConfig::default() });
        let run = browser::start_with(&cfg, 4, 2, move || (lesson.run)(&p));
        let t0 = parlab::clock::now_ns();
        while !run.is_done() && parlab::clock::now_ns() - t0 < 30_000_000_000 {
            browser::tick(&run);
            gloo_sleep(5).await;
        }
        assert!(run.is_done(), "the pool run did not end within 30 s");
        let end = finish(&run, 1.0).await;
        let view = run.with_traces(TraceView::from_traces);
        let out: Vec<String> = view.lines().into_iter().map(|l| l.text).collect();
        assert_eq!(end, EndState::Finished, "{out:?}");
        assert!(out.contains(&"main: results in input order: True".to_owned()), "{out:?}");
        assert!(out.contains(&"callback: 6 results in MainProcess/Thread-3 (_handle_results)".to_owned()), "{out:?}");
        let insights = (lesson.insights)(&view, &params, &Default::default());
        for id in ["never_more_than_processes", "results_in_input_order", "callbacks_in_parent"] {
            let i = insights.iter().find(|i| i.id == id).expect("the insight");
            assert!(i.observed, "{id}: {:?}", i.detail.en);
        }
    }
}

/// The manager lessons in the browser: the manager is a process of its own instance; every
/// proxy call a round trip to it; a wrong key refused.
mod managers {
    use super::*;
    use parlab::analysis::TraceView;

    async fn run_lesson(id: &str, pairs: &[(&str, &str)], processes: u32) -> (EndState, TraceView) {
        browser::prepare_processes(processes).await.expect("process instances boot");
        let lesson = parlab::lessons::find(id).expect("registered");
        let params = lesson.parse_params(pairs.iter().copied()).expect("valid");
        let p = params.clone();
        let cfg = lesson.config(&params, RunConfig::default());
        let run = browser::start_with(&cfg, 2, processes, move || (lesson.run)(&p));
        let t0 = parlab::clock::now_ns();
        while !run.is_done() && parlab::clock::now_ns() - t0 < 30_000_000_000 {
            browser::tick(&run);
            gloo_sleep(5).await;
        }
        let lines =
            |r: &Run| r.with_traces(TraceView::from_traces).lines().into_iter().map(|l| l.text).collect::<Vec<_>>();
        assert!(run.is_done(), "{id} did not end within 30 s: {:?}", lines(&run));
        let end = finish(&run, 1.0).await;
        (end, run.with_traces(TraceView::from_traces))
    }

    #[wasm_bindgen_test]
    async fn every_manager_call_is_a_round_trip_and_the_count_exact() {
        let _turn = pool().await;
        let (end, view) = run_lesson("manager", &[("processes", "2"), ("operations", "20")], 5).await;
        let out = view.stdout();
        assert_eq!(end, EndState::Finished, "{out:?}");
        assert!(out.contains(&"main: dict in the manager: 40 of 40".to_owned()), "{out:?}");
        assert!(out.contains(&"main: Value in shared memory: 40 of 40".to_owned()), "{out:?}");
        let calls = view.ops(Kind::Ok, parlab::trace::Op::Call).filter(|e| e.actor.pid != 1).count();
        assert_eq!(calls, 2 * 20 * 4, "acquire, read, write, release per operation in each worker");
    }

    #[wasm_bindgen_test]
    async fn a_wrong_authkey_is_refused() {
        let _turn = pool().await;
        let (end, view) = run_lesson("remote-manager", &[("clients", "2"), ("authkey", "wrong")], 3).await;
        let out = view.stdout();
        assert_eq!(end, EndState::Finished, "{out:?}");
        let refused =
            out.iter().filter(|l| l.ends_with("refused: AuthenticationError: digest sent was rejected")).count();
        assert_eq!(refused, 2, "{out:?}");
        assert!(out.contains(&"main: client exit codes [1, 1]".to_owned()), "{out:?}");
    }
}

/// asyncio's loop on a real worker: timers on the run's clock keep gather's order while
/// the tasks finish in reverse, and one task runs at a time (the trace's steps say whose).
#[wasm_bindgen_test]
async fn an_asyncio_loop_runs_tasks_on_a_worker_and_stop_reaches_its_wait() {
    use parlab::asyncio;
    let _turn = pool().await;
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let o = order.clone();
    let run = browser::start(&RunConfig { speed: 20.0, ..RunConfig::default() }, move || {
        let results = asyncio::run(async {
            // Deadlines from one instant: their order does not hang on when each task's
            // first step happened to run on a loaded machine.
            let lp = asyncio::get_running_loop()?;
            let t0 = lp.time();
            let tasks: Vec<_> = (0..4u32)
                .map(|i| {
                    let lp = lp.clone();
                    asyncio::create_task(async move {
                        asyncio::sleep(t0 + 0.1 * f64::from(4 - i) - lp.time()).await?;
                        Ok(i)
                    })
                })
                .collect();
            asyncio::gather(tasks).await
        })?;
        *o.lock().unwrap() = results;
        Ok(())
    });
    assert_eq!(finish(&run, 60.0).await, EndState::Finished);
    assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3], "gather keeps input order");
    let events = run.trace.snapshot();
    let ends: Vec<u32> = events.iter().filter(|e| e.kind == Kind::TaskEnd).map(|e| e.actor.task).collect();
    assert_eq!(ends, vec![5, 4, 3, 2, 1], "the tasks end in reverse, then Task-1");
    // A loop waiting for a far timer parks through the seam: Stop reaches it.
    let run = browser::start(&RunConfig::default(), || asyncio::run(asyncio::sleep(3600.0)));
    let t0 = parlab::clock::now_ns();
    while !run.trace.snapshot().iter().any(|e| e.kind == Kind::Block && e.op == parlab::trace::Op::Select) {
        assert!(parlab::clock::now_ns() - t0 < 10_000_000_000, "the loop never waited in select");
        gloo_sleep(5).await;
    }
    run.stop();
    assert_eq!(finish(&run, 5.0).await, EndState::Stopped);
}

/// The threading lessons switched to processes (`model=processes`) keep their insights in
/// the browser: the same program on `multiprocessing`'s primitives and real instances.
mod model_switch {
    use super::*;
    use parlab::analysis::TraceView;

    /// Runs `id` with `pairs` on the page's pool and spare instances; its view once it ended.
    async fn run_lesson(
        id: &str,
        pairs: &[(&str, &str)],
        speed: f64,
    ) -> (EndState, TraceView, parlab::lessons::Params) {
        let lesson = parlab::lessons::find(id).expect("registered");
        let params = lesson.parse_params(pairs.iter().copied()).expect("valid parameters");
        let processes = (lesson.expect.processes)(&params);
        let actors = (lesson.expect.actors)(&params);
        browser::prepare_processes(processes as u32).await.expect("process instances boot");
        let p = params.clone();
        let cfg = lesson.config(&params, RunConfig { speed, ..RunConfig::default() });
        let run = browser::start_with(&cfg, actors as u32, processes as u32, move || (lesson.run)(&p));
        let end = finish(&run, 30.0).await;
        (end, run.with_traces(TraceView::from_traces), params)
    }

    #[wasm_bindgen_test]
    async fn semaphore_on_processes_never_lets_more_than_n_inside() {
        let _turn = pool().await;
        let pairs = [("max_connections", "2"), ("threads", "4"), ("hold", "0.2"), ("model", "processes")];
        let (end, view, params) = run_lesson("semaphore", &pairs, 1.0).await;
        let out = view.stdout();
        assert_eq!(end, EndState::Finished, "{out:?}");
        let lesson = parlab::lessons::find("semaphore").unwrap();
        let insights = (lesson.insights)(&view, &params, &Default::default());
        let never = insights.iter().find(|i| i.id == "never_more_than_n").expect("the insight");
        assert!(never.observed && never.detail.en.contains("processes were inside"), "{never:?}\n{out:?}");
        assert_eq!(view.processes.len(), 5, "MainProcess and four workers: {:?}", view.processes);
        assert_eq!(out.iter().filter(|l| l.contains(": connected at ")).count(), 4, "{out:?}");
    }

    #[wasm_bindgen_test]
    async fn lock_reacquired_on_processes_is_a_deadlock_the_page_reports() {
        let _turn = pool().await;
        let pairs = [("kind", "Lock"), ("scenario", "reacquire"), ("model", "processes")];
        let (end, view, params) = run_lesson("lock-vs-rlock", &pairs, 1.0).await;
        assert_eq!(end, EndState::Deadlocked, "{:?}", view.stdout());
        let lesson = parlab::lessons::find("lock-vs-rlock").unwrap();
        let insights = (lesson.insights)(&view, &params, &Default::default());
        let stuck = insights.iter().find(|i| i.id == "self_deadlock").expect("the insight");
        assert!(stuck.observed, "{stuck:?}");
        assert!(stuck.detail.en.contains("worker waits for Lock 'lock', held by worker itself"), "{stuck:?}");
    }
}
