//! Semaphore and BoundedSemaphore natively: errors, timeouts, the bound on threads
//! inside under contention, release(n), the trace, and Stop.

use parlab::analysis::TraceView;
use parlab::prims::{BoundedSemaphore, Semaphore};
use parlab::runtime::native;
use parlab::threading::Thread;
use parlab::trace::{EndState, Kind, ObjKind, Op};
use parlab::PyErr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::prim_kit::*;

#[test]
fn errors_have_pythons_text() {
    let msg = |r: Result<Semaphore, PyErr>| r.err().unwrap().to_string();
    assert_eq!(msg(Semaphore::new(-1)), "ValueError: semaphore initial value must be >= 0");
    assert_eq!(
        BoundedSemaphore::new(-5).err().unwrap().to_string(),
        "ValueError: semaphore initial value must be >= 0"
    );
    let s = Semaphore::new(1).unwrap();
    assert_eq!(
        s.acquire_with(false, Some(1.0)).unwrap_err().to_string(),
        "ValueError: can't specify timeout for non-blocking acquire"
    );
    assert_eq!(s.release(0).unwrap_err().to_string(), "ValueError: n must be one or more");
    let b = BoundedSemaphore::new(2).unwrap();
    assert_eq!(b.release(1).unwrap_err().to_string(), "ValueError: Semaphore released too many times");
    b.acquire().unwrap();
    assert_eq!(b.release(2).unwrap_err().to_string(), "ValueError: Semaphore released too many times");
    assert_eq!(b.value(), 1, "a refused release leaves the counter as it was");
    b.release(1).unwrap();
    assert_eq!((b.value(), b.initial_value()), (2, 2));
}

#[test]
fn a_plain_semaphore_accepts_extra_releases() {
    let s = Semaphore::new(0).unwrap();
    s.release(3).unwrap();
    assert_eq!(s.value(), 3);
    for _ in 0..3 {
        assert_eq!(s.acquire_with(false, None), Ok(true));
    }
    assert_eq!(s.acquire_with(false, None), Ok(false));
}

#[test]
fn a_timed_acquire_gives_up_after_its_timeout() {
    let s = Semaphore::new(0).unwrap();
    let t0 = Instant::now();
    assert_eq!(s.acquire_with(true, Some(0.05)), Ok(false));
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(50), "gave up early, after {took:?}");
    assert!(took < Duration::from_secs(2), "gave up late, after {took:?}");
    // Python: a zero or negative timeout only tries once.
    assert_eq!(s.acquire_with(true, Some(0.0)), Ok(false));
    assert_eq!(s.acquire_with(true, Some(-1.0)), Ok(false));
}

#[test]
fn a_timed_acquire_succeeds_when_a_unit_comes_in_time() {
    let s = Arc::new(Semaphore::new(0).unwrap());
    let s2 = s.clone();
    let waiter = std::thread::spawn(move || s2.acquire_with(true, Some(10.0)));
    s.release(1).unwrap();
    assert_eq!(waiter.join().unwrap(), Ok(true));
    assert_eq!(s.value(), 0);
}

#[test]
fn never_more_threads_inside_than_the_value_under_contention() {
    const VALUE: usize = 3;
    let s = Arc::new(Semaphore::new(VALUE as i64).unwrap());
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (s, inside, most) = (s.clone(), inside.clone(), most.clone());
            std::thread::spawn(move || {
                for _ in 0..500 {
                    s.with(|| {
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::hint::spin_loop();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        Ok(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let most = most.load(Ordering::SeqCst);
    assert!(most <= VALUE, "{most} threads were inside a Semaphore({VALUE})");
    assert_eq!(s.value(), VALUE as u32, "every unit came back");
}

#[test]
fn release_n_lets_n_blocked_threads_in() {
    let s = Arc::new(Semaphore::new(0).unwrap());
    let got = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (s, got) = (s.clone(), got.clone());
            std::thread::spawn(move || {
                s.acquire().unwrap();
                got.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    s.release(2).unwrap();
    wait_until("two threads got in", || got.load(Ordering::SeqCst) == 2);
    assert_eq!(s.value(), 0);
    s.release(1).unwrap();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(got.load(Ordering::SeqCst), 3);
}

#[test]
fn the_trace_records_the_counter_and_never_shows_more_than_n_inside() {
    const N: i64 = 2;
    let run = native::run(cfg(100.0), || {
        let pool = Arc::new(BoundedSemaphore::named("pool", N)?);
        let threads: Vec<Thread> = (0..6)
            .map(|i| {
                let pool = pool.clone();
                Thread::named(&format!("t{i}"), "", move || {
                    for _ in 0..20 {
                        pool.with(|| parlab::runtime::sleep(0.001))?;
                    }
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
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let view = TraceView::from_trace(&run.trace);
    let pool = view.find_obj(ObjKind::BoundedSemaphore, "pool").expect("the pool is in the trace");
    let inside = view.max_inside(pool);
    assert!((1..=N as usize).contains(&inside), "the trace shows {inside} threads inside a BoundedSemaphore({N})");
    for e in view.events.iter().filter(|e| e.obj == pool && e.kind == Kind::Ok && e.op == Op::Acquire) {
        assert!(e.arg < N as u64, "an acquire left the counter at {}", e.arg);
    }
    let releases: Vec<u64> = view
        .events
        .iter()
        .filter(|e| e.obj == pool && e.kind == Kind::Signal && e.op == Op::Release)
        .map(|e| e.arg)
        .collect();
    assert_eq!(releases.len(), 120);
    assert!(releases.iter().all(|v| (1..=N as u64).contains(v)), "release values {releases:?}");
}

#[test]
fn stop_interrupts_threads_blocked_on_a_semaphore() {
    let run = native::start(cfg(1.0), || {
        let s = Arc::new(Semaphore::named("s", 0)?);
        for _ in 0..2 {
            let s = s.clone();
            Thread::new("blocked", move || s.acquire()).start()?;
        }
        s.acquire_with(true, Some(3600.0)).map(drop)
    });
    wait_until("three threads block on the semaphore", || blocked(&run, Op::Acquire) >= 3);
    let stopped_at = Instant::now();
    run.stop();
    assert!(run.wait_done(Some(2_000_000_000)), "run did not end after Stop");
    assert!(stopped_at.elapsed() < Duration::from_millis(200), "Stop took {:?}", stopped_at.elapsed());
    assert_eq!(run.end_state(), Some(EndState::Stopped));
}
