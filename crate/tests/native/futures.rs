//! `concurrent.futures.ThreadPoolExecutor` and `Future` natively.

use parlab::futures::{Future, ThreadPoolExecutor};
use parlab::runtime::{monotonic, native, sleep, Run, RunConfig};
use parlab::threading::current_thread;
use parlab::trace::{EndState, Kind, ObjKind, Op};
use parlab::{py_print, PyErr, PyResult};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn cfg(speed: f64) -> RunConfig {
    RunConfig { speed, ..RunConfig::default() }
}

/// Runs `main` and insists it finished.
fn finished(speed: f64, main: impl FnOnce() -> PyResult<()> + Send + 'static) -> Arc<Run> {
    let run = native::run(cfg(speed), main);
    let printed: Vec<String> =
        run.trace.snapshot().iter().filter(|e| e.kind == Kind::Print).map(|e| run.trace.text(e.str_arg())).collect();
    assert_eq!(run.end_state(), Some(EndState::Finished), "console:\n{}", printed.join("\n"));
    run
}

#[test]
fn submit_result_done_and_exceptions() {
    finished(100.0, || {
        let ex = ThreadPoolExecutor::new(2)?;
        let go = Arc::new(parlab::prims::Event::new());
        let g = go.clone();
        let f = ex.submit(move || {
            g.wait(None)?;
            Ok(42)
        })?;
        assert!(!f.done(), "done() before the call could finish");
        go.set();
        assert_eq!(f.result(None)?, 42);
        assert!(f.done() && !f.running() && !f.cancelled());
        assert_eq!(f.result(None)?, 42, "result() again gives the same value");
        assert_eq!(f.exception(None)?, None);
        let bad = ex.submit(|| -> PyResult<u8> { Err(PyErr::value("no")) })?;
        assert_eq!(bad.result(None), Err(PyErr::value("no")));
        assert_eq!(bad.exception(None)?, Some(PyErr::value("no")));
        assert!(bad.to_string().contains("state=finished raised ValueError"), "{bad}");
        ex.shutdown(true)
    });
}

#[test]
fn map_returns_in_input_order_while_tasks_finish_in_another() {
    let finish_order = Arc::new(Mutex::new(Vec::new()));
    let fo = finish_order.clone();
    // 10 ms of real time between two finishes.
    finished(20.0, move || {
        ThreadPoolExecutor::new(4)?.with(|ex| {
            let fo = fo.clone();
            let out: Vec<u32> = ex
                .map(
                    move |n: u32| {
                        sleep(0.2 * (4 - n) as f64)?; // the last ones finish first
                        fo.lock().unwrap().push(n);
                        Ok(n * 10)
                    },
                    0..4,
                )?
                .collect::<PyResult<_>>()?;
            assert_eq!(out, [0, 10, 20, 30]);
            Ok(())
        })
    });
    // 10 ms of real time apart, the later ones finish first (almost always all of them).
    assert_ne!(*finish_order.lock().unwrap(), [0, 1, 2, 3]);
}

#[test]
fn workers_are_started_lazily_and_never_over_max() {
    let run = finished(200.0, || {
        let ex = ThreadPoolExecutor::new(3)?;
        assert_eq!(ex.worker_count(), 0, "no worker before the first submit");
        assert_eq!(ex.submit(|| Ok(1))?.result(None)?, 1);
        assert_eq!(ex.worker_count(), 1, "one submit, one worker");
        // (Whether the next submit reuses it depends on whether it has marked itself idle
        // yet: a race in CPython too.)
        let inside = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let names = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
        let mut fs = Vec::new();
        for _ in 0..12 {
            let (inside, max, names) = (inside.clone(), max.clone(), names.clone());
            fs.push(ex.submit(move || {
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                names.lock().unwrap().insert(current_thread().name().to_owned());
                sleep(0.3)?;
                inside.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            })?);
        }
        for f in &fs {
            f.result(None)?;
        }
        assert_eq!(ex.worker_count(), 3);
        assert_eq!(max.load(Ordering::SeqCst), 3);
        let names: Vec<String> = names.lock().unwrap().iter().cloned().collect();
        assert_eq!(names, ["ThreadPoolExecutor-0_0", "ThreadPoolExecutor-0_1", "ThreadPoolExecutor-0_2"]);
        ex.shutdown(true)?;
        // A second executor in the same run counts on.
        let second = ThreadPoolExecutor::new(1)?;
        assert_eq!(second.name(), "ThreadPoolExecutor-1");
        second.shutdown(true)
    });
    // The trace: every submit, and never more than 3 running at a Start.
    let events = run.trace.snapshot();
    let futures: std::collections::HashSet<u32> =
        events.iter().filter(|e| e.kind == Kind::ObjNew && e.code == ObjKind::Future as u16).map(|e| e.obj).collect();
    assert_eq!(futures.len(), 13);
    assert_eq!(events.iter().filter(|e| e.kind == Kind::Signal && e.op == Op::Submit).count(), 13);
    let starts: Vec<u64> = events
        .iter()
        .filter(|e| e.kind == Kind::Signal && e.op == Op::Start && futures.contains(&e.obj))
        .map(|e| e.arg)
        .collect();
    assert_eq!(starts.len(), 13);
    assert!(starts.iter().all(|n| (1..=3).contains(n)), "{starts:?}");
    assert!(starts.contains(&3));
}

#[test]
fn a_new_run_numbers_its_executors_from_zero() {
    for _ in 0..2 {
        finished(1.0, || {
            let ex = ThreadPoolExecutor::new(1)?;
            assert_eq!(ex.name(), "ThreadPoolExecutor-0");
            let custom = ThreadPoolExecutor::with_prefix(1, "fetch")?;
            assert_eq!(custom.submit(|| Ok(current_thread().name().to_owned()))?.result(None)?, "fetch_0");
            Ok(())
        });
    }
}

#[test]
fn result_times_out_and_cancel_stops_a_call_that_has_not_started() {
    finished(100.0, || {
        let ex = ThreadPoolExecutor::new(1)?;
        let (started, go) = (Arc::new(parlab::prims::Event::new()), Arc::new(parlab::prims::Event::new()));
        let (s, g) = (started.clone(), go.clone());
        let slow = ex.submit(move || {
            s.set();
            g.wait(None)?;
            Ok("slow")
        })?;
        let queued = ex.submit(|| Ok("queued"))?;
        started.wait(None)?;
        let t0 = monotonic();
        assert_eq!(slow.result(Some(0.5)).unwrap_err().to_string(), "TimeoutError");
        assert!(monotonic() - t0 >= 0.5);
        assert!(slow.running());
        assert!(!slow.cancel(), "a running call cannot be cancelled");
        assert!(queued.cancel());
        assert!(queued.cancelled() && queued.done());
        assert_eq!(queued.result(None).unwrap_err().to_string(), "concurrent.futures._base.CancelledError");
        go.set();
        assert_eq!(slow.result(None)?, "slow");
        ex.shutdown(true)
    });
}

#[test]
fn done_callbacks_run_in_the_finishing_thread_or_at_once() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    finished(100.0, move || {
        let ex = ThreadPoolExecutor::new(1)?;
        let go = Arc::new(parlab::prims::Event::new());
        let g = go.clone();
        let f = ex.submit(move || {
            g.wait(None)?; // not done before the first callback is registered
            Ok(7)
        })?;
        let s = s2.clone();
        f.add_done_callback(move |f| {
            s.lock().unwrap().push(format!("{} in {}", f.result(None)?, current_thread().name()));
            Ok(())
        });
        go.set();
        f.result(None)?;
        let s = s2.clone();
        f.add_done_callback(move |f| {
            s.lock().unwrap().push(format!("{} in {}", f.result(None)?, current_thread().name()));
            Ok(())
        });
        ex.shutdown(true)
    });
    // The worker runs its callbacks after waking result()'s waiters, so the two may come
    // in either order (as in CPython).
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, ["7 in MainThread", "7 in ThreadPoolExecutor-0_0"]);
}

#[test]
fn shutdown_refuses_new_work_and_can_cancel_what_waits() {
    finished(100.0, || {
        let ex = ThreadPoolExecutor::new(1)?;
        let started = Arc::new(parlab::prims::Event::new());
        let s = started.clone();
        let first = ex.submit(move || {
            s.set();
            sleep(0.5)?;
            Ok(1)
        })?;
        let waiting: Vec<Future<i32>> = (0..3).map(|i| ex.submit(move || Ok(i))).collect::<PyResult<_>>()?;
        started.wait(None)?; // the first call runs; the other three wait in the queue
        ex.shutdown_with(true, true)?;
        assert_eq!(first.result(None)?, 1);
        assert!(waiting.iter().all(|f| f.cancelled()));
        let e = ex.submit(|| Ok(0)).unwrap_err();
        assert_eq!(e.to_string(), "RuntimeError: cannot schedule new futures after shutdown");
        assert_eq!(
            ThreadPoolExecutor::new(0).err().unwrap().to_string(),
            "ValueError: max_workers must be greater than 0"
        );
        Ok(())
    });
}

#[test]
fn an_executor_dropped_without_shutdown_lets_the_program_end() {
    let done = Arc::new(AtomicUsize::new(0));
    let d2 = done.clone();
    finished(100.0, move || {
        let ex = ThreadPoolExecutor::new(3)?;
        for _ in 0..6 {
            let d = d2.clone();
            ex.submit(move || {
                sleep(0.2)?;
                d.fetch_add(1, Ordering::SeqCst);
                py_print!("task done")
            })?;
        }
        Ok(()) // `ex` is dropped here: the queued calls still run, then the workers exit
    });
    assert_eq!(done.load(Ordering::SeqCst), 6);
}

#[test]
fn map_with_a_timeout_raises_and_cancels_the_rest() {
    // Half a lesson second of margin either way = 50 ms of real time.
    finished(10.0, || {
        let ex = ThreadPoolExecutor::new(1)?;
        let mut it = ex.map_timeout(
            |n: u32| {
                sleep(1.0)?;
                Ok(n)
            },
            0..4,
            Some(1.5),
        )?;
        assert_eq!(it.next(), Some(Ok(0)));
        assert_eq!(it.next().unwrap().unwrap_err().to_string(), "TimeoutError");
        assert_eq!(it.next(), None, "the iterator is over once it raised");
        ex.shutdown(true)
    });
}

#[test]
fn stop_ends_a_run_with_busy_workers_quickly() {
    let run = native::start(cfg(1.0), || {
        let ex = ThreadPoolExecutor::new(4)?;
        let fs: Vec<_> = (0..8).map(|_| ex.submit(|| sleep(3600.0))).collect::<PyResult<_>>()?;
        fs[0].result(None)
    });
    let t0 = Instant::now();
    while run.live_threads() < 5 {
        assert!(t0.elapsed() < Duration::from_secs(5), "workers did not start");
        std::thread::yield_now();
    }
    let stopped = Instant::now();
    run.stop();
    assert!(run.wait_done(Some(2_000_000_000)));
    assert!(stopped.elapsed() < Duration::from_millis(300), "{:?}", stopped.elapsed());
    assert_eq!(run.end_state(), Some(EndState::Stopped));
}
