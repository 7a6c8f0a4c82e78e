//! `multiprocessing.Queue` and `JoinableQueue` natively: `Full` / `Empty` with timeouts,
//! CPython's errors, a feeder thread per process that flushes at exit, items from several
//! producer processes once and in order per producer, `task_done` / `join`.

use crate::mp_process::run_with;
use parlab::multiprocessing::{probes, JoinableQueue, Process, Queue};
use parlab::threading::{self, Thread};
use parlab::trace::{msg_of, EndState, Kind, Op};
use parlab::{PyErr, PyResult};

#[test]
fn full_and_empty_with_timeouts_and_cpythons_errors() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let q = Queue::new(2)?;
        let mut notes = vec![];
        q.put(&1u32, true, None)?;
        q.put(&2u32, true, None)?;
        notes.push(format!("full {} qsize {}", q.full(), q.qsize()));
        let t0 = parlab::runtime::monotonic();
        notes.push(q.put(&3u32, true, Some(0.05)).unwrap_err().to_string());
        notes.push(format!("waited {}", parlab::runtime::monotonic() - t0 >= 0.05));
        notes.push(q.put_nowait(&3u32).unwrap_err().to_string());
        notes.push(format!("{} {}", q.get::<u32>(true, None)?, q.get::<u32>(true, Some(1.0))?));
        notes.push(q.get::<u32>(true, Some(0.05)).unwrap_err().to_string());
        notes.push(q.get_nowait::<u32>().unwrap_err().to_string());
        notes.push(format!(
            "feeder {}",
            threading::enumerate().iter().any(|t| t.name() == "QueueFeederThread" && t.daemon())
        ));
        notes.push(q.join_thread().unwrap_err().class().to_owned());
        q.close();
        q.join_thread()?;
        notes.push(q.put(&1u32, true, None).unwrap_err().class().to_owned());
        let closed = q.get::<u32>(true, None).unwrap_err();
        notes.push(format!("{} {}", closed.class(), closed.message().ends_with("is closed")));
        let jq = JoinableQueue::new(0)?;
        notes.push(jq.task_done().unwrap_err().to_string());
        *out.lock().unwrap() = notes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(
        got,
        vec![
            "full true qsize 2",
            "queue.Full",
            "waited true",
            "queue.Full",
            "1 2",
            "_queue.Empty",
            "_queue.Empty",
            "feeder true",
            "AssertionError",
            "ValueError",
            "ValueError true",
            "ValueError: task_done() called too many times",
        ]
    );
}

#[test]
fn between_threads_an_unbounded_put_never_blocks() {
    let (run, got) = run_with::<Vec<u32>>(|out| {
        let q = Queue::new(0)?;
        // 5000 items are far more than the ring holds: the feeder blocks, the puts do not.
        for i in 0..5000u32 {
            q.put(&i, true, None)?;
        }
        let consumer = {
            let q = q.clone();
            Thread::new("consumer", move || {
                let mut got = vec![];
                for _ in 0..5000 {
                    got.push(q.get::<u32>(true, Some(20.0))?);
                }
                if got != (0..5000).collect::<Vec<_>>() {
                    return Err(PyErr::value("out of order"));
                }
                Ok(())
            })
        };
        consumer.start()?;
        consumer.join(Some(30.0))?;
        out.lock().unwrap().push(q.qsize() as u32);
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(got, vec![0]);
    let events = run.trace.snapshot();
    let puts: Vec<u32> =
        events.iter().filter(|e| e.kind == Kind::Signal && e.op == Op::Put).map(|e| msg_of(e.arg).0).collect();
    let gets: Vec<u32> =
        events.iter().filter(|e| e.kind == Kind::Ok && e.op == Op::Get).map(|e| msg_of(e.arg).0).collect();
    assert_eq!(puts.len(), 5000);
    assert_eq!(puts, gets, "each put's message number comes out of exactly one get, in order");
}

#[test]
fn items_of_several_producer_processes_arrive_once_in_order() {
    let (run, got) = run_with::<Vec<Vec<u32>>>(|out| {
        let q = Queue::new(0)?;
        let kids: Vec<Process> = (0..3u32)
            .map(|s| Process::new(&probes::QUEUE_PRODUCER, &(q.clone(), s, 400u32)))
            .collect::<PyResult<_>>()?;
        for k in &kids {
            k.start()?;
        }
        let mut per = vec![vec![]; 3];
        for _ in 0..1200 {
            let (s, i): (u32, u32) = q.get(true, Some(30.0))?;
            per[s as usize].push(i);
        }
        for k in &kids {
            k.join(Some(20.0))?;
            per.push(vec![k.exitcode().unwrap_or(-1) as u32]);
        }
        per.push(vec![q.qsize() as u32, q.empty() as u32]);
        *out.lock().unwrap() = per;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    for per in &got[..3] {
        assert_eq!(per, &(0..400).collect::<Vec<u32>>(), "each producer's items once and in order");
    }
    assert_eq!(
        &got[3..],
        &[vec![0], vec![0], vec![0], vec![0, 1]],
        "children exit 0 (their feeders flushed); queue empty"
    );
}

#[test]
fn joinable_queue_join_waits_for_every_task_done_across_processes() {
    let (run, got) = run_with::<Vec<i32>>(|out| {
        let q = JoinableQueue::new(0)?;
        let kids: Vec<Process> =
            (0..2).map(|_| Process::new(&probes::TASK_WORKER, &q.clone())).collect::<PyResult<_>>()?;
        for k in &kids {
            k.start()?;
        }
        for i in 0..300u32 {
            q.put(&i, true, None)?;
        }
        q.join()?;
        let after_join = q.qsize() as i32;
        for _ in &kids {
            q.put(&u32::MAX, true, None)?;
        }
        q.join()?;
        let mut v = vec![after_join];
        for k in &kids {
            k.join(Some(20.0))?;
            v.push(k.exitcode().unwrap_or(-1));
        }
        *out.lock().unwrap() = v;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(got, vec![0, 0, 0], "join returned only once every item was got and done");
}

#[test]
fn the_consumer_probe_gets_every_item() {
    let (run, code) = run_with::<Option<i32>>(|out| {
        let q = Queue::new(0)?;
        let p = Process::new(&probes::QUEUE_CONSUMER, &(q.clone(), 2000u32))?;
        p.start()?;
        for i in 0..2000u64 {
            q.put(&i, true, None)?;
        }
        p.join(Some(30.0))?;
        *out.lock().unwrap() = p.exitcode();
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(code, Some(0));
}
