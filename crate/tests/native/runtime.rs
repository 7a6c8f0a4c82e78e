//! The runtime natively: threads, join, daemon cut-off, Stop, deadlock report, panics.

use parlab::prims::Lock;
use parlab::runtime::native;
use parlab::threading::{active_count, current_thread, Thread};
use parlab::trace::{EndState, Kind, ObjKind, Op};
use parlab::{py_print, PyErr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::prim_kit::*;

fn printed(run: &parlab::runtime::Run) -> Vec<String> {
    run.trace.snapshot().iter().filter(|e| e.kind == Kind::Print).map(|e| run.trace.text(e.str_arg())).collect()
}

#[test]
fn contended_counter_is_exact_with_a_lock() {
    let total = Arc::new(AtomicU64::new(0));
    let t2 = total.clone();
    let run = native::run(cfg(1.0), move || {
        let lock = Arc::new(Lock::named("counter"));
        let counter = Arc::new(AtomicU64::new(0));
        let mut threads = Vec::new();
        for _ in 0..8 {
            let (lock, counter) = (lock.clone(), counter.clone());
            threads.push(Thread::new("add", move || {
                for _ in 0..2000 {
                    lock.with(|| {
                        // A non-atomic read-modify-write, made safe only by the lock.
                        let v = counter.load(Ordering::Relaxed);
                        counter.store(v + 1, Ordering::Relaxed);
                        Ok(())
                    })?;
                }
                Ok(())
            }));
        }
        for t in &threads {
            t.start()?;
        }
        for t in &threads {
            t.join(None)?;
        }
        t2.store(counter.load(Ordering::Relaxed), Ordering::Relaxed);
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(total.load(Ordering::Relaxed), 16_000);
}

#[test]
fn join_makes_finish_last_and_active_count_tracks_threads() {
    let run = native::run(cfg(50.0), || {
        let t = Thread::new("worker", || {
            parlab::runtime::sleep(0.5)?;
            py_print!("worker done in {}", current_thread().name())
        });
        t.start()?;
        py_print!("active {}", active_count())?;
        t.join(None)?;
        py_print!("active {}", active_count())?;
        py_print!("finish")
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(printed(&run), ["active 2", "worker done in Thread-1 (worker)", "active 1", "finish"]);
}

#[test]
fn daemon_threads_are_cut_off_when_main_ends() {
    let run = native::run(cfg(100.0), || {
        Thread::new("daemon", || loop {
            parlab::runtime::sleep(1.0)?;
            py_print!("tick")?;
        })
        .with_daemon(true)
        .start()?;
        py_print!("main exits")
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(printed(&run), ["main exits"]);
}

#[test]
fn stop_interrupts_a_blocked_and_a_sleeping_thread_quickly() {
    let run = native::start(cfg(1.0), || {
        let lock = Arc::new(Lock::new());
        lock.acquire()?;
        let l2 = lock.clone();
        Thread::new("blocked", move || l2.acquire()).start()?;
        Thread::new("sleeper", || parlab::runtime::sleep(3600.0)).start()?;
        parlab::runtime::sleep(3600.0)
    });
    // Wait (bounded) until all three threads are live before stopping.
    let t0 = Instant::now();
    while run.live_threads() < 3 {
        assert!(t0.elapsed() < Duration::from_secs(5), "threads did not start");
        std::thread::yield_now();
    }
    let stopped_at = Instant::now();
    run.stop();
    assert!(run.wait_done(Some(2_000_000_000)), "run did not end after Stop");
    assert!(stopped_at.elapsed() < Duration::from_millis(200), "Stop took {:?}", stopped_at.elapsed());
    assert_eq!(run.end_state(), Some(EndState::Stopped));
}

#[test]
fn self_deadlock_on_a_lock_is_reported_with_its_holder() {
    let run = native::run(cfg(1.0), || {
        let lock = Lock::named("the_lock");
        lock.acquire()?;
        lock.acquire()
    });
    assert_eq!(run.end_state(), Some(EndState::Deadlocked));
    let events = run.trace.snapshot();
    let lock_obj = events.iter().find(|e| e.kind == Kind::ObjNew && e.code == ObjKind::Lock as u16).unwrap().obj;
    let edge = events.iter().find(|e| e.kind == Kind::WaitEdge).expect("a wait edge");
    assert_eq!(
        (edge.actor, edge.obj, edge.arg),
        (parlab::trace::Actor::main_thread(), lock_obj, 1),
        "MainThread waits on the lock it holds"
    );
}

#[test]
fn an_exception_in_a_thread_prints_pythons_traceback() {
    let run = native::run(cfg(1.0), || {
        let t = Thread::new("bad", || Lock::new().release());
        t.start()?;
        t.join(None)
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let out = printed(&run).join("\n");
    assert!(out.starts_with("Exception in thread Thread-1 (bad):\nTraceback"), "{out}");
    assert!(out.ends_with("RuntimeError: release unlocked lock"), "{out}");
    assert!(run.trace.snapshot().iter().any(|e| e.kind == Kind::Fail && e.op == Op::Release));
}

#[test]
fn an_exception_in_main_fails_the_run() {
    let run = native::run(cfg(1.0), || Err(PyErr::value("bad")));
    assert_eq!(run.end_state(), Some(EndState::Failed));
}

#[test]
fn a_panic_fails_the_run_instead_of_hanging_it() {
    let run = native::run(cfg(1.0), || {
        let lock = Arc::new(Lock::new());
        lock.acquire()?;
        let l2 = lock.clone();
        let t = Thread::new("waiter", move || l2.acquire());
        t.start()?;
        panic!("boom");
    });
    assert_eq!(run.end_state(), Some(EndState::Failed));
    assert!(run.trace.snapshot().iter().any(|e| e.kind == Kind::ThreadPanic));
}

/// Three threads draw random numbers and print them; the printed lines of each thread.
fn draws(seed: Option<u64>) -> (u64, Vec<Vec<String>>) {
    let cfg = parlab::runtime::RunConfig { seed, ..cfg(1.0) };
    let run = native::run(cfg, || {
        let threads: Vec<Thread> = (0..3)
            .map(|k| {
                Thread::named(&format!("t{k}"), "draw", move || {
                    for _ in 0..4 {
                        py_print!("{}", parlab::runtime::random_u64())?;
                    }
                    Ok(())
                })
            })
            .collect();
        for t in &threads {
            t.start()?;
        }
        threads.iter().try_for_each(|t| t.join(None))
    });
    let view = parlab::analysis::TraceView::from_trace(&run.trace);
    assert_eq!(view.seed, Some(run.seed()), "the trace records the run's seed");
    let per_thread = (0..3)
        .map(|k| {
            let actor = view.thread_named(&format!("t{k}")).expect("each thread started");
            view.lines().into_iter().filter(|l| l.actor == actor).map(|l| l.text).collect()
        })
        .collect();
    (run.seed(), per_thread)
}

#[test]
fn a_seed_names_every_random_draw_of_a_run() {
    let (seed, first) = draws(Some(42));
    assert_eq!(seed, 42);
    let (_, again) = draws(Some(42));
    assert_eq!(first, again, "the same seed gives each thread the same draws, whatever the interleaving");
    assert!(first.iter().all(|d| d.len() == 4));
    assert_ne!(first[0], first[1], "threads draw from streams of their own");
    let (_, other) = draws(Some(43));
    assert_ne!(first, other, "another seed, other draws");
    let (fresh, _) = draws(None);
    let (fresh2, _) = draws(None);
    assert_ne!(fresh, fresh2, "a run without a seed gets a fresh one");
}

#[test]
fn a_finished_run_is_freed_once_nobody_holds_it() {
    // Threads that started threads, a thread object kept by a lesson, a deadlock: nothing
    // of the run may keep the run alive once its threads are gone.
    let weak = {
        let run = native::run(cfg(1.0), || {
            let inner = Thread::named("inner", "work", || Ok(()));
            let keep = inner.clone();
            let outer = Thread::named("outer", "spawn", move || {
                inner.start()?;
                inner.join(None)
            });
            outer.start()?;
            outer.join(None)?;
            keep.join(None)
        });
        assert_eq!(run.end_state(), Some(EndState::Finished));
        Arc::downgrade(&run)
    };
    // The last OS thread drops its reference just after it reports its end.
    let deadline = Instant::now() + Duration::from_secs(5);
    while weak.upgrade().is_some() {
        assert!(Instant::now() < deadline, "the run is still referenced 5 s after it ended: a cycle");
        std::thread::yield_now();
    }
}
