//! The runtime natively: threads, join, daemon cut-off, Stop, deadlock report, panics.

use parlab::prims::Lock;
use parlab::runtime::native;
use parlab::threading::{active_count, current_thread, Thread};
use parlab::trace::{EndState, Kind, ObjKind, Op};
use parlab::{py_print, PyErr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod prim_kit;
#[allow(unused_imports)]
use prim_kit::*;

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
