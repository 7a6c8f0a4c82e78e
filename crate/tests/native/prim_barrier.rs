//! Barrier natively: distinct indices per round over many rounds, timeouts breaking the
//! barrier for everyone, abort, reset, the trace, and Stop.

use parlab::prims::Barrier;
use parlab::runtime::native;
use parlab::threading::Thread;
use parlab::trace::{EndState, Kind, Op};
use parlab::{PyErr, PyResult};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::prim_kit::*;

/// Starts `n` threads that each wait once on `b` (with no timeout).
fn waiters(b: &Arc<Barrier>, n: usize) -> Vec<std::thread::JoinHandle<PyResult<u32>>> {
    (0..n)
        .map(|_| {
            let b = b.clone();
            std::thread::spawn(move || b.wait(None))
        })
        .collect()
}

#[test]
fn fewer_than_one_party_raises() {
    assert_eq!(Barrier::new(0, None).err().unwrap().to_string(), "ValueError: parties must be >= 1");
    let b = Barrier::new(4, Some(1.5)).unwrap();
    assert_eq!((b.parties(), b.n_waiting(), b.broken()), (4, 0, false));
}

#[test]
fn each_round_hands_out_every_index_once() {
    const PARTIES: usize = 3;
    const ROUNDS: usize = 200;
    let b = Arc::new(Barrier::new(PARTIES as u32, None).unwrap());
    let threads: Vec<_> = (0..PARTIES)
        .map(|_| {
            let b = b.clone();
            std::thread::spawn(move || (0..ROUNDS).map(|_| b.wait(None).unwrap()).collect::<Vec<u32>>())
        })
        .collect();
    let per_thread: Vec<Vec<u32>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    // With as many threads as parties, each thread's r-th wait is in round r.
    for r in 0..ROUNDS {
        let mut round: Vec<u32> = per_thread.iter().map(|v| v[r]).collect();
        round.sort_unstable();
        assert_eq!(round, [0, 1, 2], "round {r}");
    }
    assert_eq!((b.n_waiting(), b.broken()), (0, false));
}

#[test]
fn more_threads_than_parties_fill_rounds_of_distinct_indices() {
    const PARTIES: u32 = 3;
    const WAITS: usize = 600;
    let b = Arc::new(Barrier::new(PARTIES, None).unwrap());
    // Six threads share 600 waits as tickets: a thread waits only while holding one, so
    // every round can fill (with fixed waits per thread, two slow threads could be left
    // alone at the end, never making three).
    let tickets = Arc::new(AtomicUsize::new(WAITS));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (b, tickets) = (b.clone(), tickets.clone());
            std::thread::spawn(move || {
                let mut got = Vec::new();
                while tickets.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| t.checked_sub(1)).is_ok() {
                    got.push(b.wait(None).unwrap());
                }
                got
            })
        })
        .collect();
    let mut seen = [0usize; PARTIES as usize];
    for t in threads {
        for i in t.join().unwrap() {
            seen[i as usize] += 1;
        }
    }
    // 600 waits make 200 rounds, each with one thread of every index.
    assert_eq!(seen, [200, 200, 200]);
}

#[test]
fn a_timeout_breaks_the_barrier_for_everyone_until_reset() {
    let b = Arc::new(Barrier::new(3, None).unwrap());
    let other = waiters(&b, 1);
    wait_until("one thread waits", || b.n_waiting() == 1);
    let t0 = Instant::now();
    assert_eq!(b.wait(Some(0.05)), Err(PyErr::BrokenBarrierError));
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(50) && took < Duration::from_secs(2), "gave up after {took:?}");
    for t in other {
        assert_eq!(t.join().unwrap(), Err(PyErr::BrokenBarrierError), "the other waiter is broken out too");
    }
    assert!(b.broken());
    assert_eq!(b.n_waiting(), 0);
    assert_eq!(b.wait(None), Err(PyErr::BrokenBarrierError), "a broken barrier refuses new waits at once");
    b.reset();
    assert!(!b.broken());
    let round = waiters(&b, 3);
    let mut got: Vec<u32> = round.into_iter().map(|t| t.join().unwrap().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2], "after reset the barrier works again");
}

#[test]
fn the_default_timeout_applies_and_zero_does_not_wait() {
    let b = Barrier::new(2, Some(0.05)).unwrap();
    let t0 = Instant::now();
    assert_eq!(b.wait(None), Err(PyErr::BrokenBarrierError));
    assert!(t0.elapsed() >= Duration::from_millis(50), "gave up after {:?}", t0.elapsed());
    b.reset();
    let t0 = Instant::now();
    assert_eq!(b.wait(Some(0.0)), Err(PyErr::BrokenBarrierError));
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert_eq!(PyErr::BrokenBarrierError.to_string(), "threading.BrokenBarrierError");
}

#[test]
fn abort_breaks_out_every_waiter() {
    let b = Arc::new(Barrier::new(3, None).unwrap());
    let threads = waiters(&b, 2);
    wait_until("two threads wait", || b.n_waiting() == 2);
    b.abort();
    for t in threads {
        assert_eq!(t.join().unwrap(), Err(PyErr::BrokenBarrierError));
    }
    assert!(b.broken());
    assert_eq!(b.n_waiting(), 0);
}

#[test]
fn reset_breaks_out_the_waiters_and_leaves_the_barrier_usable() {
    let b = Arc::new(Barrier::new(3, None).unwrap());
    let threads = waiters(&b, 2);
    wait_until("two threads wait", || b.n_waiting() == 2);
    b.reset();
    for t in threads {
        assert_eq!(t.join().unwrap(), Err(PyErr::BrokenBarrierError));
    }
    assert!(!b.broken());
    let mut got: Vec<u32> = waiters(&b, 3).into_iter().map(|t| t.join().unwrap().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2]);
}

#[test]
fn the_trace_records_indices_and_the_breaking_timeout() {
    let run = native::run(cfg(10.0), || {
        let b = Arc::new(Barrier::named("b", 2, None)?);
        let b2 = b.clone();
        let t = Thread::new("partner", move || b2.wait(None).map(drop));
        t.start()?;
        b.wait(None)?;
        t.join(None)?;
        // Alone now: the timeout (0.5 lesson s = 50 ms) breaks it.
        match b.wait(Some(0.5)) {
            Err(PyErr::BrokenBarrierError) => Ok(()),
            other => panic!("expected BrokenBarrierError, got {other:?}"),
        }
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let events = run.trace.snapshot();
    let mut indices: Vec<u64> =
        events.iter().filter(|e| e.kind == Kind::Ok && e.op == Op::Wait).map(|e| e.arg).collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 1]);
    assert_eq!(count(&run, Kind::Timeout, Op::Wait), 1);
    assert_eq!(count(&run, Kind::Fail, Op::Wait), 1, "the BrokenBarrierError is recorded");
}

#[test]
fn stop_interrupts_threads_waiting_at_a_barrier() {
    let run = native::start(cfg(1.0), || {
        let b = Arc::new(Barrier::new(3, None)?);
        let b2 = b.clone();
        Thread::new("forever", move || b2.wait(None).map(drop)).start()?;
        b.wait(Some(3600.0)).map(drop)
    });
    wait_until("two threads wait at the barrier", || count(&run, Kind::Block, Op::Wait) >= 2);
    let stopped_at = Instant::now();
    run.stop();
    assert!(run.wait_done(Some(2_000_000_000)), "run did not end after Stop");
    assert!(stopped_at.elapsed() < Duration::from_millis(200), "Stop took {:?}", stopped_at.elapsed());
    assert_eq!(run.end_state(), Some(EndState::Stopped));
}
