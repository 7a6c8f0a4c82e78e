//! The process-shared locks natively: CPython's errors, and `Barrier`, `Lock`, `RLock`,
//! `Event` across real processes.

use crate::mp_process::run_with;
use parlab::multiprocessing::{
    probes, Barrier, BoundedSemaphore, Condition, Event, Lock, Process, Queue, RLock, Semaphore,
};
use parlab::threading::Thread;
use parlab::trace::EndState;
use parlab::PyResult;
use std::sync::Arc;

#[test]
fn the_locks_raise_cpythons_errors() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let lock = Lock::new()?;
        let rlock = RLock::new()?;
        let bs = BoundedSemaphore::new(1)?;
        let s = Semaphore::new(0)?;
        let c = Condition::new()?;
        let mut notes = vec![lock.release().unwrap_err().to_string(), rlock.release().unwrap_err().to_string()];
        notes.push(bs.release().unwrap_err().to_string());
        notes.push(format!("{} {}", s.acquire_with(true, Some(0.02))?, s.get_value()));
        notes.push(c.wait(Some(0.01)).unwrap_err().to_string());
        notes.push(c.notify(1).unwrap_err().to_string());
        // An RLock is its owner's: another thread may not release it; a Lock is anyone's.
        rlock.acquire()?;
        rlock.acquire()?;
        lock.acquire()?;
        let (r2, l2) = (rlock.clone(), lock.clone());
        let other = Thread::new("other", move || {
            let e = r2.release().unwrap_err();
            l2.release()?;
            parlab::py_print!("{e}")
        });
        other.start()?;
        other.join(None)?;
        notes.push(format!("{}", lock.acquire_with(false, None)?));
        rlock.release()?;
        rlock.release()?;
        notes.push(rlock.release().unwrap_err().class().to_owned());
        *out.lock().unwrap() = notes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(
        got,
        vec![
            "ValueError: semaphore or lock released too many times",
            "AssertionError: attempt to release recursive lock not owned by thread",
            "ValueError: semaphore or lock released too many times",
            "false 0",
            "AssertionError: must acquire() condition before using wait()",
            "AssertionError: lock is not owned",
            "true",
            "AssertionError",
        ]
    );
    let printed = parlab::analysis::TraceView::from_trace(&run.trace).stdout();
    assert_eq!(printed, vec!["AssertionError: attempt to release recursive lock not owned by thread"]);
}

#[test]
fn condition_event_and_barrier_between_threads() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let c = Condition::new()?;
        let ready = Event::new()?;
        let b = Barrier::new(2, None)?;
        let (c2, ready2, b2) = (c.clone(), ready.clone(), b.clone());
        let t = Thread::new("waiter", move || {
            c2.with_lock(|| {
                ready2.set();
                c2.wait(Some(20.0)).map(drop)
            })?;
            b2.wait(None).map(drop)
        });
        t.start()?;
        let mut notes = vec![format!("{}", ready.wait(Some(20.0))?)];
        c.with_lock(|| c.notify(1))?;
        notes.push(format!("{}", b.wait(Some(20.0))? < 2));
        t.join(None)?;
        let lone = Barrier::new(2, Some(0.02))?;
        notes.push(lone.wait(None).unwrap_err().to_string());
        notes.push(format!("{}", lone.broken()));
        *out.lock().unwrap() = notes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(got, vec!["true", "true", "threading.BrokenBarrierError", "true"]);
}

/// `Barrier(parties, action)` across processes: the party that arrives last runs the
/// action, once per crossing, before anyone goes on; an action that raises breaks the
/// barrier for the others and fails the party that ran it.
#[test]
fn a_barrier_action_runs_once_in_the_last_party_across_processes() {
    for (names, raising) in [(["p-1", "p-2", "p-3"], false), (["p-1", "p-2", "p-raises"], true)] {
        let (run, got) = run_with::<Vec<(String, u32, i32)>>(move |out| {
            let b = Barrier::with_action("b", 3, Some(&probes::BARRIER_ACTION), None)?;
            let q = Queue::new(0)?;
            let mut kids = Vec::new();
            // One at a time, so that which one is last is known: the third.
            for (i, name) in names.iter().enumerate() {
                let k = Process::named(name, &probes::BARRIER_NAMED_PARTY, &(b.clone(), q.clone()))?;
                k.start()?;
                let t0 = std::time::Instant::now();
                while i < 2 && b.n_waiting() < i as u32 + 1 {
                    assert!(t0.elapsed() < std::time::Duration::from_secs(30), "{name} never reached the barrier");
                    parlab::runtime::sleep(0.001)?;
                }
                kids.push(k);
            }
            let mut got = Vec::new();
            for k in &kids {
                k.join(Some(20.0))?;
            }
            while let Ok((name, index)) = q.get::<(String, u32)>(false, None) {
                let code = kids.iter().find(|k| k.name() == name).and_then(|k| k.exitcode()).unwrap_or(-99);
                got.push((name, index, code));
            }
            for k in &kids {
                if !got.iter().any(|(n, ..)| n == k.name()) {
                    got.push((k.name().to_owned(), u32::MAX - 1, k.exitcode().unwrap_or(-99)));
                }
            }
            got.sort();
            *out.lock().unwrap() = got;
            Ok(())
        });
        assert_eq!(run.end_state(), Some(EndState::Finished));
        let view = run.with_traces(parlab::analysis::TraceView::from_traces);
        let actions: Vec<String> = view.stdout().into_iter().filter(|l| l.starts_with("action in")).collect();
        assert_eq!(actions, vec![format!("action in {}", names[2])], "once, in the last party");
        let want = |n: &str, i: u32, c: i32| (n.to_owned(), i, c);
        if raising {
            // The two that waited see the barrier broken; the one whose action raised
            // puts nothing and exits 1 (its traceback on its stderr).
            assert_eq!(
                got,
                vec![want("p-1", u32::MAX, 0), want("p-2", u32::MAX, 0), want("p-raises", u32::MAX - 1, 1)]
            );
        } else {
            assert_eq!(got, vec![want("p-1", 0, 0), want("p-2", 1, 0), want("p-3", 2, 0)]);
        }
    }
}

#[test]
fn a_barrier_across_three_processes() {
    let (run, mut got) = run_with::<Vec<u32>>(|out| {
        let b = Barrier::new(3, None)?;
        let q = Queue::new(0)?;
        let kids: Vec<Process> =
            (0..3).map(|_| Process::new(&probes::BARRIER_PARTY, &(b.clone(), q.clone()))).collect::<PyResult<_>>()?;
        for k in &kids {
            k.start()?;
        }
        let mut got: Vec<u32> = (0..3).map(|_| q.get(true, Some(30.0))).collect::<PyResult<_>>()?;
        for k in &kids {
            k.join(Some(20.0))?;
            got.push(k.exitcode().unwrap_or(-1) as u32 + 100);
        }
        *out.lock().unwrap() = got;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    got[..3].sort();
    assert_eq!(got, vec![0, 1, 2, 100, 100, 100], "each party got its own index; all exited 0");
}

#[test]
fn another_process_may_release_a_lock_but_not_an_rlock() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let (lock, rlock, q) = (Lock::new()?, RLock::new()?, Queue::new(0)?);
        lock.acquire()?;
        rlock.acquire()?;
        let p = Process::new(&probes::LOCK_PROBE, &(lock.clone(), rlock.clone(), q.clone()))?;
        p.start()?;
        let mut got: Vec<String> = q.get(true, Some(30.0))?;
        p.join(Some(20.0))?;
        // The child released the Lock: it is free here now.
        got.push(format!("{}", lock.acquire_with(false, None)?));
        rlock.release()?;
        *out.lock().unwrap() = got;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(
        got,
        vec!["false", "false", "AssertionError: attempt to release recursive lock not owned by thread", "true", "true"]
    );
}

#[test]
fn notify_wakes_as_many_as_it_says_and_notify_all_the_rest() {
    use parlab::trace::{Kind, Op};
    use std::sync::atomic::{AtomicU32, Ordering};
    let (run, woken) = run_with::<Vec<u32>>(|out| {
        let c = Condition::new()?;
        let entered = Arc::new(AtomicU32::new(0));
        let woken = Arc::new(AtomicU32::new(0));
        let threads: Vec<Thread> = (0..4)
            .map(|_| {
                let (c, entered, woken) = (c.clone(), entered.clone(), woken.clone());
                Thread::new("waiter", move || {
                    c.with_lock(|| {
                        entered.fetch_add(1, Ordering::SeqCst);
                        if c.wait(Some(30.0))? {
                            woken.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(())
                    })
                })
            })
            .collect();
        for t in &threads {
            t.start()?;
        }
        // Each waiter counts itself under the lock, which `wait` lets go only once it is
        // a waiter: holding the lock with all four counted, all four wait.
        let t0 = std::time::Instant::now();
        while c.with_lock(|| Ok(entered.load(Ordering::SeqCst)))? < 4 {
            if t0.elapsed().as_secs() > 20 {
                return Err(parlab::PyErr::runtime("the waiters never all waited"));
            }
            parlab::runtime::sleep(0.001)?;
        }
        c.with_lock(|| c.notify(2))?;
        let t0 = std::time::Instant::now();
        while woken.load(Ordering::SeqCst) < 2 && t0.elapsed().as_secs() < 20 {
            parlab::runtime::sleep(0.001)?;
        }
        let after_two = woken.load(Ordering::SeqCst);
        c.with_lock(|| c.notify_all())?;
        for t in &threads {
            t.join(None)?;
        }
        *out.lock().unwrap() = vec![after_two, woken.load(Ordering::SeqCst)];
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(woken, vec![2, 4]);
    let notified: Vec<u64> = run
        .trace
        .snapshot()
        .iter()
        .filter(|e| e.kind == Kind::Signal && matches!(e.op, Op::Notify | Op::NotifyAll))
        .map(|e| e.arg)
        .collect();
    assert_eq!(notified, vec![2, 2], "notify(2) notified two waiters, notify_all the other two");
}

#[test]
fn a_condition_and_a_semaphore_across_processes() {
    let (run, got) = run_with::<Vec<(bool, bool)>>(|out| {
        let (c, ready, slots, q) = (Condition::new()?, Event::new()?, Semaphore::new(0)?, Queue::new(0)?);
        let p = Process::new(&probes::COND_WAITER, &(c.clone(), ready.clone(), slots.clone(), q.clone()))?;
        p.start()?;
        // `ready` is set under the lock, which the child's wait lets go only once it waits.
        ready.wait(Some(30.0))?;
        c.with_lock(|| c.notify(1))?;
        slots.release()?;
        let got: (bool, bool) = q.get(true, Some(30.0))?;
        p.join(Some(20.0))?;
        *out.lock().unwrap() = vec![got, (p.exitcode() == Some(0), slots.get_value() == 0)];
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(got, vec![(true, true), (true, true)], "notified across processes, and the slot taken there");
}
