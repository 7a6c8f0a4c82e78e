//! Condition natively: errors, timeouts, lost notifies, notify(n) waking exactly n,
//! RLock levels across a wait, a bounded buffer under contention, the trace, and Stop.

use parlab::prims::{Condition, Lock, RLock};
use parlab::runtime::native;
use parlab::threading::Thread;
use parlab::trace::{EndState, Kind, Op, ThreadEndHow};
use parlab::PyResult;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::prim_kit::*;

const NOT_HELD_WAIT: &str = "RuntimeError: cannot wait on un-acquired lock";
const NOT_HELD_NOTIFY: &str = "RuntimeError: cannot notify on un-acquired lock";

#[test]
fn waiting_or_notifying_without_the_lock_raises() {
    for cond in [Condition::new(), Condition::with_lock("c", Arc::new(Lock::new()))] {
        assert_eq!(cond.wait(None).unwrap_err().to_string(), NOT_HELD_WAIT);
        assert_eq!(cond.wait(Some(1.0)).unwrap_err().to_string(), NOT_HELD_WAIT);
        assert_eq!(cond.wait_for(|| false, None).unwrap_err().to_string(), NOT_HELD_WAIT);
        assert_eq!(cond.notify(1).unwrap_err().to_string(), NOT_HELD_NOTIFY);
        assert_eq!(cond.notify_all().unwrap_err().to_string(), NOT_HELD_NOTIFY);
    }
}

#[test]
fn an_rlock_held_by_another_thread_does_not_count_as_held() {
    let cond = Arc::new(Condition::new());
    cond.acquire().unwrap();
    let c2 = cond.clone();
    let (wait, notify) = std::thread::spawn(move || (c2.wait(Some(0.01)), c2.notify(1))).join().unwrap();
    assert_eq!(wait.unwrap_err().to_string(), NOT_HELD_WAIT);
    assert_eq!(notify.unwrap_err().to_string(), NOT_HELD_NOTIFY);
    cond.release().unwrap();
}

#[test]
fn a_timed_wait_returns_false_holding_the_lock_again() {
    let lock = Arc::new(RLock::new());
    let cond = Condition::with_lock("c", lock.clone());
    cond.with(|| {
        let t0 = Instant::now();
        assert_eq!(cond.wait(Some(0.05)), Ok(false));
        let took = t0.elapsed();
        assert!(took >= Duration::from_millis(50) && took < Duration::from_secs(2), "gave up after {took:?}");
        assert_eq!(lock.count(), 1, "the lock is held again after the wait");
        assert_eq!(cond.wait(Some(0.0)), Ok(false), "wait(0) only looks");
        assert_eq!(cond.wait(Some(-1.0)), Ok(false), "a negative timeout only looks");
        assert_eq!(cond.n_waiting(), 0, "a timed-out waiter leaves the queue");
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_notify_with_nobody_waiting_is_lost() {
    let cond = Condition::new();
    cond.with(|| {
        cond.notify(1)?;
        cond.notify_all()?;
        assert_eq!(cond.wait(Some(0.02)), Ok(false), "no notification was kept for a later wait");
        Ok(())
    })
    .unwrap();
}

/// Starts `n` threads that each wait once on `cond` and count themselves in `woken`.
fn waiters(cond: &Arc<Condition>, woken: &Arc<AtomicUsize>, n: usize) -> Vec<std::thread::JoinHandle<PyResult<bool>>> {
    (0..n)
        .map(|_| {
            let (cond, woken) = (cond.clone(), woken.clone());
            std::thread::spawn(move || {
                cond.with(|| {
                    let r = cond.wait(None);
                    woken.fetch_add(1, Ordering::SeqCst);
                    r
                })
            })
        })
        .collect()
}

#[test]
fn notify_n_wakes_exactly_n_of_the_waiters() {
    let cond = Arc::new(Condition::with_lock("c", Arc::new(Lock::new())));
    let woken = Arc::new(AtomicUsize::new(0));
    let threads = waiters(&cond, &woken, 4);
    wait_until("four threads wait", || cond.n_waiting() == 4);

    cond.with(|| cond.notify(1)).unwrap();
    // notify takes the waiters it wakes out of the queue at once: the other three stay
    // in it and cannot return until a later notify picks them.
    assert_eq!(cond.n_waiting(), 3, "notify(1) picked exactly one waiter");
    wait_until("the notified thread returns", || woken.load(Ordering::SeqCst) == 1);
    assert_eq!(cond.n_waiting(), 3);

    cond.with(|| cond.notify(2)).unwrap();
    assert_eq!(cond.n_waiting(), 1, "notify(2) picked exactly two");
    wait_until("two more return", || woken.load(Ordering::SeqCst) == 3);

    cond.with(|| cond.notify_all()).unwrap();
    for t in threads {
        assert_eq!(t.join().unwrap(), Ok(true), "a notified wait returns True");
    }
    assert_eq!(woken.load(Ordering::SeqCst), 4);
}

#[test]
fn notify_more_than_are_waiting_wakes_those_there_and_no_later_one() {
    let cond = Arc::new(Condition::new());
    let woken = Arc::new(AtomicUsize::new(0));
    let threads = waiters(&cond, &woken, 2);
    wait_until("two threads wait", || cond.n_waiting() == 2);
    cond.with(|| cond.notify(5)).unwrap();
    for t in threads {
        assert_eq!(t.join().unwrap(), Ok(true));
    }
    cond.with(|| {
        assert_eq!(cond.wait(Some(0.02)), Ok(false), "the 3 notifications left over were not kept");
        Ok(())
    })
    .unwrap();
}

#[test]
fn wait_releases_every_level_of_an_rlock_and_restores_them() {
    let lock = Arc::new(RLock::new());
    let cond = Arc::new(Condition::with_lock("c", lock.clone()));
    let flag = Arc::new(AtomicBool::new(false));
    lock.acquire().unwrap();
    lock.acquire().unwrap();
    let (c2, f2) = (cond.clone(), flag.clone());
    let setter = std::thread::spawn(move || {
        // Gets the lock only once the waiter's wait has released both levels.
        c2.with(|| {
            f2.store(true, Ordering::SeqCst);
            c2.notify(1)
        })
    });
    assert_eq!(cond.wait_for(|| flag.load(Ordering::SeqCst), Some(10.0)), Ok(true));
    assert_eq!(lock.count(), 2, "both levels are back after the wait");
    lock.release().unwrap();
    lock.release().unwrap();
    setter.join().unwrap().unwrap();
}

#[test]
fn wait_for_gives_up_with_the_predicates_value() {
    let cond = Condition::new();
    cond.with(|| {
        let calls = AtomicUsize::new(0);
        let t0 = Instant::now();
        let r = cond.wait_for(
            || {
                calls.fetch_add(1, Ordering::SeqCst);
                false
            },
            Some(0.05),
        );
        let took = t0.elapsed();
        assert_eq!(r, Ok(false));
        assert!(took >= Duration::from_millis(50) && took < Duration::from_secs(2), "gave up after {took:?}");
        assert!(calls.load(Ordering::SeqCst) >= 2, "the predicate is checked again after the wait");
        assert_eq!(cond.wait_for(|| true, Some(0.0)), Ok(true), "a true predicate returns at once");
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_bounded_buffer_loses_and_duplicates_nothing() {
    const PRODUCERS: usize = 3;
    const CONSUMERS: usize = 3;
    const EACH: usize = 400;
    const CAP: usize = 4;
    let cond = Arc::new(Condition::with_lock("c", Arc::new(Lock::new())));
    let buf: Arc<Mutex<VecDeque<Option<usize>>>> = Arc::new(Mutex::new(VecDeque::new()));
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (cond, buf) = (cond.clone(), buf.clone());
            std::thread::spawn(move || {
                for i in 0..EACH {
                    cond.with(|| {
                        cond.wait_for(|| buf.lock().unwrap().len() < CAP, None)?;
                        buf.lock().unwrap().push_back(Some(p * EACH + i));
                        cond.notify_all()
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let (cond, buf) = (cond.clone(), buf.clone());
            std::thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let item = cond
                        .with(|| {
                            cond.wait_for(|| !buf.lock().unwrap().is_empty(), None)?;
                            let item = buf.lock().unwrap().pop_front().unwrap();
                            cond.notify_all()?;
                            Ok(item)
                        })
                        .unwrap();
                    match item {
                        Some(v) => got.push(v),
                        None => return got,
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    for _ in 0..CONSUMERS {
        cond.with(|| {
            cond.wait_for(|| buf.lock().unwrap().len() < CAP, None)?;
            buf.lock().unwrap().push_back(None);
            cond.notify_all()
        })
        .unwrap();
    }
    let mut all: Vec<usize> = consumers.into_iter().flat_map(|c| c.join().unwrap()).collect();
    all.sort_unstable();
    assert_eq!(all, (0..PRODUCERS * EACH).collect::<Vec<_>>(), "every item exactly once");
}

#[test]
fn the_trace_records_how_many_each_notify_woke() {
    let run = native::run(cfg(100.0), || {
        let cond = Arc::new(Condition::named("c"));
        let threads: Vec<Thread> = (0..3)
            .map(|_| {
                let cond = cond.clone();
                Thread::new("waiter", move || cond.with(|| cond.wait(None).map(drop)))
            })
            .collect();
        for t in &threads {
            t.start()?;
        }
        let mut rounds = 0;
        while cond.n_waiting() < 3 {
            rounds += 1;
            assert!(rounds < 100_000, "the waiters never all waited");
            parlab::runtime::sleep(0.001)?;
        }
        cond.with(|| {
            cond.notify(2)?;
            cond.notify_all()?;
            cond.notify(1)
        })?;
        for t in &threads {
            t.join(None)?;
        }
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let events = run.trace.snapshot();
    let signals: Vec<(Op, u64)> = events
        .iter()
        .filter(|e| e.kind == Kind::Signal && matches!(e.op, Op::Notify | Op::NotifyAll))
        .map(|e| (e.op, e.arg))
        .collect();
    assert_eq!(signals, [(Op::Notify, 2), (Op::NotifyAll, 1), (Op::Notify, 0)]);
    let oks = events.iter().filter(|e| e.kind == Kind::Ok && e.op == Op::Wait).count();
    assert_eq!(oks, 3, "each waiter's wait ended once, with Ok");
}

#[test]
fn stop_interrupts_threads_waiting_on_a_condition() {
    let run = native::start(cfg(1.0), || {
        let cond = Arc::new(Condition::new());
        let c2 = cond.clone();
        Thread::new("forever", move || c2.with(|| c2.wait(None).map(drop))).start()?;
        let c3 = cond.clone();
        Thread::new("timed", move || c3.with(|| c3.wait_for(|| false, Some(3600.0)).map(drop))).start()?;
        parlab::runtime::sleep(3600.0)
    });
    wait_until("two threads wait on the condition", || blocked(&run, Op::Wait) >= 2);
    let stopped_at = Instant::now();
    run.stop();
    assert!(run.wait_done(Some(2_000_000_000)), "run did not end after Stop");
    assert!(stopped_at.elapsed() < Duration::from_millis(200), "Stop took {:?}", stopped_at.elapsed());
    assert_eq!(run.end_state(), Some(EndState::Stopped));
    let raised = run
        .trace
        .snapshot()
        .iter()
        .filter(|e| e.kind == Kind::ThreadEnd && e.code == ThreadEndHow::Raised as u16)
        .count();
    assert_eq!(raised, 0, "a stopped wait unwinds silently, without a RuntimeError from `with`");
}
