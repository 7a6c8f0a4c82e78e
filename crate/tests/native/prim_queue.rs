//! queue.Queue natively: FIFO, Full/Empty and timeouts, Python's errors, many producers
//! and consumers losing and duplicating nothing, task_done/join, the trace, and Stop.

use parlab::prims::Queue;
use parlab::runtime::native;
use parlab::threading::Thread;
use parlab::trace::{EndState, Kind, Op};
use parlab::PyErr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::prim_kit::*;

#[test]
fn fifo_sizes_and_nowait_errors() {
    let q = Queue::new(2);
    assert!(q.empty() && !q.full());
    assert_eq!(q.get_nowait(), Err(PyErr::Empty));
    q.put_nowait(1).unwrap();
    q.put(2, true, Some(1.0)).unwrap();
    assert_eq!((q.qsize(), q.full(), q.maxsize()), (2, true, 2));
    assert_eq!(q.put_nowait(3), Err(PyErr::Full));
    assert_eq!(q.put(3, false, Some(-1.0)), Err(PyErr::Full), "a non-blocking put ignores the timeout, as in Python");
    assert_eq!((q.get_nowait(), q.get(true, None)), (Ok(1), Ok(2)));
    assert!(q.empty());
    assert_eq!(PyErr::Full.to_string(), "queue.Full");
    assert_eq!(PyErr::Empty.to_string(), "_queue.Empty");
}

#[test]
fn maxsize_zero_or_negative_is_unbounded() {
    for maxsize in [0, -3] {
        let q = Queue::new(maxsize);
        for i in 0..1000 {
            q.put_nowait(i).unwrap();
        }
        assert!(!q.full());
        assert_eq!(q.qsize(), 1000);
    }
}

#[test]
fn argument_and_task_done_errors_have_pythons_text() {
    let q: Queue<i32> = Queue::new(1);
    assert_eq!(q.get(true, Some(-1.0)).unwrap_err().to_string(), "ValueError: 'timeout' must be a non-negative number");
    assert_eq!(
        q.put(1, true, Some(-0.1)).unwrap_err().to_string(),
        "ValueError: 'timeout' must be a non-negative number"
    );
    assert_eq!(q.task_done().unwrap_err().to_string(), "ValueError: task_done() called too many times");
    q.put(1, true, None).unwrap();
    q.get(true, None).unwrap();
    q.task_done().unwrap();
    assert_eq!(q.task_done().unwrap_err().to_string(), "ValueError: task_done() called too many times");
}

#[test]
fn timed_put_and_get_give_up_after_their_timeout() {
    let q = Queue::new(1);
    let t0 = Instant::now();
    assert_eq!(q.get(true, Some(0.05)), Err(PyErr::Empty));
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(50) && took < Duration::from_secs(2), "get gave up after {took:?}");
    q.put(0, true, None).unwrap();
    let t0 = Instant::now();
    assert_eq!(q.put(1, true, Some(0.05)), Err(PyErr::Full));
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(50) && took < Duration::from_secs(2), "put gave up after {took:?}");
    assert_eq!(q.get(true, Some(0.0)), Ok(0), "a zero timeout still takes an item that is there");
}

#[test]
fn a_blocked_put_and_get_go_on_when_the_other_side_acts() {
    let q = Arc::new(Queue::new(1));
    q.put("first", true, None).unwrap();
    let q2 = q.clone();
    let putter = std::thread::spawn(move || q2.put("second", true, Some(10.0)));
    // Blocked or about to block on the full queue: either way the get below lets it in.
    assert_eq!(q.get(true, None), Ok("first"));
    putter.join().unwrap().unwrap();
    assert_eq!(q.get(true, None), Ok("second"));

    let q3 = q.clone();
    let getter = std::thread::spawn(move || q3.get(true, Some(10.0)));
    q.put("third", true, None).unwrap();
    assert_eq!(getter.join().unwrap(), Ok("third"));
}

#[test]
fn many_producers_and_consumers_lose_and_duplicate_nothing() {
    const PRODUCERS: usize = 4;
    const CONSUMERS: usize = 4;
    const EACH: usize = 2000;
    let q: Arc<Queue<Option<usize>>> = Arc::new(Queue::new(8));
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let q = q.clone();
            std::thread::spawn(move || {
                for i in 0..EACH {
                    q.put(Some(p * EACH + i), true, None).unwrap();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let q = q.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                while let Some(v) = q.get(true, None).unwrap() {
                    got.push(v);
                    q.task_done().unwrap();
                }
                q.task_done().unwrap();
                got
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    q.join().unwrap();
    for _ in 0..CONSUMERS {
        q.put(None, true, None).unwrap();
    }
    let per_consumer: Vec<Vec<usize>> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    for got in &per_consumer {
        // FIFO: what one producer put, any one consumer gets in the order it was put.
        for p in 0..PRODUCERS {
            let mine: Vec<usize> = got.iter().copied().filter(|v| v / EACH == p).collect();
            assert!(mine.windows(2).all(|w| w[0] < w[1]), "producer {p}'s items out of order");
        }
    }
    let mut all: Vec<usize> = per_consumer.into_iter().flatten().collect();
    all.sort_unstable();
    assert_eq!(all.len(), PRODUCERS * EACH, "nothing lost or duplicated");
    assert_eq!(all, (0..PRODUCERS * EACH).collect::<Vec<_>>());
    assert!(q.empty());
}

#[test]
fn join_waits_for_every_task_done() {
    let q = Arc::new(Queue::new(0));
    for i in 0..3 {
        q.put(i, true, None).unwrap();
    }
    let joined = Arc::new(AtomicBool::new(false));
    let (q2, j2) = (q.clone(), joined.clone());
    let joiner = std::thread::spawn(move || {
        q2.join().unwrap();
        j2.store(true, Ordering::SeqCst);
    });
    for _ in 0..3 {
        q.get(true, None).unwrap();
    }
    q.task_done().unwrap();
    q.task_done().unwrap();
    assert!(!joined.load(Ordering::SeqCst), "join returned with a task still unfinished");
    q.task_done().unwrap();
    joiner.join().unwrap();
    assert!(joined.load(Ordering::SeqCst));
}

#[test]
fn the_trace_records_the_size_after_each_put_and_get() {
    let run = native::run(cfg(1.0), || {
        let q = Queue::named("q", 2);
        q.put('a', true, None)?;
        q.put('b', true, None)?;
        assert_eq!(q.put_nowait('c'), Err(PyErr::Full));
        q.get(true, None)?;
        q.get(true, None)?;
        assert_eq!(q.get_nowait(), Err(PyErr::Empty));
        q.task_done()?;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let events = run.trace.snapshot();
    let vals =
        |kind: Kind, op: Op| events.iter().filter(|e| e.kind == kind && e.op == op).map(|e| e.arg).collect::<Vec<_>>();
    assert_eq!(vals(Kind::Ok, Op::Put), [1, 2]);
    assert_eq!(vals(Kind::Ok, Op::Get), [1, 0]);
    assert_eq!(vals(Kind::Signal, Op::TaskDone), [1], "unfinished tasks left");
    assert_eq!(vals(Kind::Fail, Op::Put).len(), 1, "queue.Full is recorded");
    assert_eq!(vals(Kind::Fail, Op::Get).len(), 1, "queue.Empty is recorded");
}

#[test]
fn stop_interrupts_threads_blocked_in_get_put_and_join() {
    let run = native::start(cfg(1.0), || {
        let empty: Arc<Queue<i32>> = Arc::new(Queue::named("empty", 0));
        let full = Arc::new(Queue::named("full", 1));
        full.put(0, true, None)?;
        let (e2, f2, f3) = (empty.clone(), full.clone(), full.clone());
        Thread::new("getter", move || e2.get(true, None).map(drop)).start()?;
        Thread::new("putter", move || f2.put(1, true, Some(3600.0))).start()?;
        Thread::new("joiner", move || f3.join()).start()?;
        parlab::runtime::sleep(3600.0)
    });
    wait_until("a get, a put and a join block", || {
        count(&run, Kind::Block, Op::Get) >= 1
            && count(&run, Kind::Block, Op::Put) >= 1
            && count(&run, Kind::Block, Op::Join) >= 1
    });
    let stopped_at = Instant::now();
    run.stop();
    assert!(run.wait_done(Some(2_000_000_000)), "run did not end after Stop");
    assert!(stopped_at.elapsed() < Duration::from_millis(200), "Stop took {:?}", stopped_at.elapsed());
    assert_eq!(run.end_state(), Some(EndState::Stopped));
}
