//! Event natively: set wakes every waiter (even if cleared at once), timeouts, the
//! trace, and Stop.

use parlab::prims::Event;
use parlab::runtime::native;
use parlab::threading::Thread;
use parlab::trace::{EndState, Kind, Op};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::prim_kit::*;

#[test]
fn set_clear_and_is_set() {
    let ev = Event::new();
    assert!(!ev.is_set());
    ev.set();
    ev.set();
    assert!(ev.is_set());
    assert_eq!(ev.wait(Some(0.0)), Ok(true), "a set event never waits");
    ev.clear();
    assert!(!ev.is_set());
    assert_eq!(ev.wait(Some(0.0)), Ok(false));
    assert_eq!(ev.wait(Some(-1.0)), Ok(false), "a negative timeout only looks");
}

#[test]
fn a_timed_wait_returns_false_after_its_timeout() {
    let ev = Event::new();
    let t0 = Instant::now();
    assert_eq!(ev.wait(Some(0.05)), Ok(false));
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(50) && took < Duration::from_secs(2), "gave up after {took:?}");
}

/// Runs `waiters` lesson threads blocked on one event, and calls `release` from the test
/// thread once all of them are asleep in it. Returns what each wait returned.
fn blocked_waiters_released_by(waiters: usize, release: impl FnOnce(&Event) + Send + 'static) -> Vec<bool> {
    let ev = Arc::new(Event::new());
    let results = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (ev2, res2) = (ev.clone(), results.clone());
    let run = native::start(cfg(1.0), move || {
        let threads: Vec<Thread> = (0..waiters)
            .map(|_| {
                let (ev, res) = (ev2.clone(), res2.clone());
                Thread::new("waiter", move || {
                    let r = ev.wait(Some(30.0))?;
                    res.lock().unwrap().push(r);
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
    wait_until("every waiter sleeps on the event", || count(&run, Kind::Block, Op::Wait) == waiters);
    release(&ev);
    assert!(run.wait_done(Some(10_000_000_000)), "the waiters did not all return");
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let r = results.lock().unwrap().clone();
    r
}

#[test]
fn set_wakes_every_waiter() {
    let results = blocked_waiters_released_by(8, |ev| ev.set());
    assert_eq!(results, vec![true; 8], "every waiter returned True");
}

#[test]
fn set_then_clear_still_wakes_every_waiter_with_true() {
    // Python: set() notifies all waiters and each returns True, whatever clear() does
    // before they run again.
    let results = blocked_waiters_released_by(8, |ev| {
        ev.set();
        ev.clear();
    });
    assert_eq!(results, vec![true; 8]);
}

#[test]
fn waiters_and_setters_race_without_a_lost_wakeup() {
    for _ in 0..200 {
        let ev = Arc::new(Event::new());
        let returned = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let (ev, returned) = (ev.clone(), returned.clone());
                std::thread::spawn(move || {
                    assert_eq!(ev.wait(None), Ok(true));
                    returned.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        ev.set();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(returned.load(Ordering::SeqCst), 3);
    }
}

#[test]
fn the_trace_shows_set_before_the_wakeups() {
    let run = native::run(cfg(100.0), || {
        let ev = Arc::new(Event::named("go"));
        let e2 = ev.clone();
        let t = Thread::new("waiter", move || e2.wait(None).map(drop));
        t.start()?;
        parlab::runtime::sleep(0.5)?;
        ev.set();
        t.join(None)?;
        ev.clear();
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let seq: Vec<(Kind, Op)> = run
        .trace
        .snapshot()
        .iter()
        .filter(|e| matches!(e.op, Op::Wait | Op::Set | Op::Clear))
        .map(|e| (e.kind, e.op))
        .collect();
    let at = |k: Kind, op: Op| {
        seq.iter().position(|x| *x == (k, op)).unwrap_or_else(|| panic!("no {k:?} {op:?} in {seq:?}"))
    };
    // Whether the waiter got to sleep before the set or not, the set comes before the
    // wait's Ok, and the clear after it.
    assert!(at(Kind::Attempt, Op::Wait) < at(Kind::Ok, Op::Wait), "{seq:?}");
    assert!(at(Kind::Signal, Op::Set) < at(Kind::Ok, Op::Wait), "{seq:?}");
    assert!(at(Kind::Ok, Op::Wait) < at(Kind::Signal, Op::Clear), "{seq:?}");
    if let Some(b) = seq.iter().position(|x| *x == (Kind::Block, Op::Wait)) {
        assert!(b < at(Kind::Signal, Op::Set), "a wait blocks only before the set: {seq:?}");
    }
    assert_eq!(seq.len(), 4 + seq.contains(&(Kind::Block, Op::Wait)) as usize, "{seq:?}");
}

#[test]
fn stop_interrupts_threads_waiting_on_an_event() {
    let run = native::start(cfg(1.0), || {
        let ev = Arc::new(Event::new());
        let e2 = ev.clone();
        Thread::new("forever", move || e2.wait(None).map(drop)).start()?;
        ev.wait(Some(3600.0)).map(drop)
    });
    wait_until("two threads wait on the event", || count(&run, Kind::Block, Op::Wait) >= 2);
    let stopped_at = Instant::now();
    run.stop();
    assert!(run.wait_done(Some(2_000_000_000)), "run did not end after Stop");
    assert!(stopped_at.elapsed() < Duration::from_millis(200), "Stop took {:?}", stopped_at.elapsed());
    assert_eq!(run.end_state(), Some(EndState::Stopped));
}
