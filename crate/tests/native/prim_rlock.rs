//! RLock natively: reentrancy, owner checks with Python's messages, timeouts, mutual
//! exclusion under contention, a deadlock report naming the owner, and Stop.

use parlab::prims::{Barrier, RLock};
use parlab::runtime::native;
use parlab::threading::Thread;
use parlab::trace::{EndState, Kind, ObjKind, Op};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::prim_kit::*;

#[test]
fn the_owner_reacquires_and_must_release_as_often() {
    let l = RLock::new();
    for depth in 1..=3 {
        assert_eq!(l.acquire_with(false, None), Ok(true));
        assert_eq!(l.count(), depth);
    }
    assert!(l.is_owned() && l.locked());
    for depth in (0..3).rev() {
        l.release().unwrap();
        assert_eq!(l.count(), depth);
    }
    assert!(!l.locked());
    assert_eq!(l.release().unwrap_err().to_string(), "RuntimeError: cannot release un-acquired lock");
}

#[test]
fn only_the_owner_may_release() {
    let l = Arc::new(RLock::new());
    l.acquire().unwrap();
    let l2 = l.clone();
    let (release, try_acquire, owned, count) =
        std::thread::spawn(move || (l2.release(), l2.acquire_with(false, None), l2.is_owned(), l2.count()))
            .join()
            .unwrap();
    assert_eq!(release.unwrap_err().to_string(), "RuntimeError: cannot release un-acquired lock");
    assert_eq!(try_acquire, Ok(false), "another thread cannot take an owned RLock");
    assert_eq!((owned, count), (false, 0));
    assert_eq!(l.count(), 1, "a refused release changes nothing");
    l.release().unwrap();
}

#[test]
fn argument_errors_are_locks() {
    let l = RLock::new();
    assert_eq!(
        l.acquire_with(false, Some(1.0)).unwrap_err().to_string(),
        "ValueError: can't specify a timeout for a non-blocking call"
    );
    assert_eq!(
        l.acquire_with(true, Some(-0.5)).unwrap_err().to_string(),
        "ValueError: timeout value must be a non-negative number"
    );
}

#[test]
fn a_timed_acquire_gives_up_after_its_timeout() {
    let l = Arc::new(RLock::new());
    l.acquire().unwrap();
    let l2 = l.clone();
    let (got, took) = std::thread::spawn(move || {
        let t0 = Instant::now();
        (l2.acquire_with(true, Some(0.05)), t0.elapsed())
    })
    .join()
    .unwrap();
    assert_eq!(got, Ok(false));
    assert!(took >= Duration::from_millis(50) && took < Duration::from_secs(2), "gave up after {took:?}");
}

#[test]
fn a_waiting_thread_gets_the_lock_after_the_last_release() {
    let l = Arc::new(RLock::new());
    l.acquire().unwrap();
    l.acquire().unwrap();
    let l2 = l.clone();
    let waiter = std::thread::spawn(move || {
        let got = l2.acquire_with(true, Some(10.0));
        let count = l2.count();
        l2.release().unwrap();
        (got, count)
    });
    l.release().unwrap();
    assert_eq!(l.count(), 1, "still owned after the first of two releases");
    l.release().unwrap();
    assert_eq!(waiter.join().unwrap(), (Ok(true), 1));
}

#[test]
fn nested_acquires_keep_a_counter_exact_under_contention() {
    let l = Arc::new(RLock::new());
    let counter = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (l, counter) = (l.clone(), counter.clone());
            std::thread::spawn(move || {
                for _ in 0..2000 {
                    l.with(|| {
                        l.with(|| {
                            // A non-atomic read-modify-write, made safe only by the lock.
                            let v = counter.load(Ordering::Relaxed);
                            counter.store(v + 1, Ordering::Relaxed);
                            Ok(())
                        })
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(counter.load(Ordering::Relaxed), 8000);
    assert!(!l.locked());
}

#[test]
fn owners_are_lesson_threads_inside_a_run_and_the_trace_counts_levels() {
    let run = native::run(cfg(1.0), || {
        let l = Arc::new(RLock::named("r"));
        l.acquire()?;
        l.acquire()?;
        let l2 = l.clone();
        let t = Thread::new("other", move || {
            assert_eq!(l2.release().unwrap_err().to_string(), "RuntimeError: cannot release un-acquired lock");
            assert_eq!(l2.acquire_with(false, None), Ok(false));
            Ok(())
        });
        t.start()?;
        t.join(None)?;
        l.release()?;
        l.release()
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let events = run.trace.snapshot();
    let r = events.iter().find(|e| e.kind == Kind::ObjNew && e.code == ObjKind::RLock as u16).unwrap().obj;
    let on_r = |kind: Kind, op: Op| {
        events.iter().filter(|e| e.obj == r && e.kind == kind && e.op == op).map(|e| e.arg).collect::<Vec<_>>()
    };
    assert_eq!(on_r(Kind::Ok, Op::Acquire), [1, 2], "the recursion level after each acquire");
    assert_eq!(on_r(Kind::Signal, Op::Release), [1, 0], "the level left after each release");
    assert_eq!(on_r(Kind::Fail, Op::Release).len(), 1, "the refused release is recorded");
}

#[test]
fn crossed_rlocks_deadlock_and_the_report_names_the_owners() {
    let run = native::run(cfg(1.0), || {
        let (a, b) = (Arc::new(RLock::named("a")), Arc::new(RLock::named("b")));
        let both = Arc::new(Barrier::named("both", 2, None)?);
        let (a2, b2, both2) = (a.clone(), b.clone(), both.clone());
        Thread::named("t", "", move || {
            b2.acquire()?;
            both2.wait(None)?;
            a2.acquire()
        })
        .start()?;
        a.acquire()?;
        both.wait(None)?;
        b.acquire()
    });
    assert_eq!(run.end_state(), Some(EndState::Deadlocked));
    let events = run.trace.snapshot();
    let obj = |name_kind: u16, nth: usize| {
        events.iter().filter(|e| e.kind == Kind::ObjNew && e.code == name_kind).nth(nth).unwrap().obj
    };
    let (a, b) = (obj(ObjKind::RLock as u16, 0), obj(ObjKind::RLock as u16, 1));
    let mut edges: Vec<(u32, u32, u64)> =
        events.iter().filter(|e| e.kind == Kind::WaitEdge).map(|e| (e.actor.tid, e.obj, e.arg)).collect();
    edges.sort();
    // MainThread (1) waits on b, held by t (2); t waits on a, held by MainThread.
    assert_eq!(edges, [(1, b, 2), (2, a, 1)]);
}

#[test]
fn stop_interrupts_a_thread_blocked_on_an_rlock() {
    let run = native::start(cfg(1.0), || {
        let l = Arc::new(RLock::new());
        l.acquire()?;
        let l2 = l.clone();
        Thread::new("blocked", move || l2.acquire()).start()?;
        let l3 = l.clone();
        Thread::new("timed", move || l3.acquire_with(true, Some(3600.0)).map(drop)).start()?;
        parlab::runtime::sleep(3600.0)
    });
    wait_until("two threads block on the rlock", || blocked(&run, Op::Acquire) >= 2);
    let stopped_at = Instant::now();
    run.stop();
    assert!(run.wait_done(Some(2_000_000_000)), "run did not end after Stop");
    assert!(stopped_at.elapsed() < Duration::from_millis(200), "Stop took {:?}", stopped_at.elapsed());
    assert_eq!(run.end_state(), Some(EndState::Stopped));
}
