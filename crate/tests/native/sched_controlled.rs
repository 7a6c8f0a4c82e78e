//! The controlled policy: one thread between two schedule points, chosen by a seed, by PCT
//! or by a recorded schedule; virtual time; deadlocks found at once. Each test reads the
//! trace or the program's own output.

use parlab::analysis::TraceView;
use parlab::prims::Lock;
use parlab::runtime::{self, native, Choice, Policy, RunConfig, Schedule};
use parlab::threading::Thread;
use parlab::trace::{EndState, Event};
use parlab::{py_print, PyResult};
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn controlled(choice: Choice, seed: u64) -> RunConfig {
    RunConfig { policy: Policy::Controlled(choice), seed: Some(seed), ..RunConfig::default() }
}

/// race-condition with no gap: read, `sleep(0)`, write back. Prints what was lost.
fn race(threads: usize, lock: bool) -> impl FnOnce() -> PyResult<()> + Send + 'static {
    move || {
        let balance = Arc::new(AtomicI64::new(0));
        let guard = Arc::new(Lock::named("account.lock"));
        let ts: Vec<Thread> = (0..threads)
            .map(|_| {
                let (balance, guard) = (balance.clone(), guard.clone());
                Thread::new("client", move || {
                    let deposit = || {
                        let current = balance.load(Ordering::SeqCst);
                        runtime::sleep(0.0)?;
                        balance.store(current + 1, Ordering::SeqCst);
                        Ok(())
                    };
                    if lock {
                        guard.with(deposit)
                    } else {
                        deposit()
                    }
                })
            })
            .collect();
        for t in &ts {
            t.start()?;
        }
        for t in &ts {
            t.join(None)?;
        }
        py_print!("lost: {}", threads as i64 - balance.load(Ordering::SeqCst))
    }
}

fn lost(v: &TraceView) -> i64 {
    let line = v.stdout().into_iter().find(|l| l.starts_with("lost: ")).expect("the program printed its result");
    line["lost: ".len()..].parse().unwrap()
}

/// The trace without its times' noise: what happened, in order.
fn shape(v: &TraceView) -> Vec<(u64, Event)> {
    v.events.iter().map(|e| (e.t_ns, *e)).collect()
}

#[test]
fn a_schedule_replays_the_run_event_for_event() {
    for seed in [1, 7, 99] {
        let first = native::run(controlled(Choice::Random, seed), race(4, false));
        let (schedule, diverged) = first.schedule().expect("a controlled run keeps its schedule");
        assert!(!diverged);
        assert!(!schedule.0.is_empty(), "four threads made choices");
        let text = schedule.to_string();
        let parsed: Schedule = text.parse().unwrap();
        assert_eq!(parsed, schedule, "the schedule string reads back: {text}");
        let cfg = RunConfig { schedule: Some(parsed), ..controlled(Choice::Replay, seed) };
        let again = native::run(cfg, race(4, false));
        assert_eq!(again.schedule().unwrap().1, false, "the replay followed its schedule");
        let (a, b) = (TraceView::from_trace(&first.trace), TraceView::from_trace(&again.trace));
        assert_eq!(shape(&a), shape(&b), "seed {seed}: the replay is the same run");
    }
}

#[test]
fn the_same_seed_makes_the_same_run() {
    let a = native::run(controlled(Choice::Random, 5), race(3, false));
    let b = native::run(controlled(Choice::Random, 5), race(3, false));
    assert_eq!(shape(&TraceView::from_trace(&a.trace)), shape(&TraceView::from_trace(&b.trace)));
}

#[test]
fn seeds_find_the_lost_update_and_the_lock_never_loses_one() {
    // Random search: some seed loses an update without the lock...
    let losing = (0..50).find(|&seed| {
        let run = native::run(controlled(Choice::Random, seed), race(2, false));
        lost(&TraceView::from_trace(&run.trace)) > 0
    });
    assert!(losing.is_some(), "50 random schedules of a read-sleep(0)-write race never lost an update");
    // ...PCT with depth 2 finds one too...
    let pct = (0..50).any(|seed| {
        let run = native::run(controlled(Choice::Pct { depth: 2 }, seed), race(2, false));
        lost(&TraceView::from_trace(&run.trace)) > 0
    });
    assert!(pct, "PCT(depth 2) found no lost update in 50 seeds");
    // ...and with the lock no schedule does.
    for seed in 0..30 {
        let run = native::run(controlled(Choice::Random, seed), race(3, true));
        assert_eq!(lost(&TraceView::from_trace(&run.trace)), 0, "seed {seed} lost an update under the lock");
    }
}

#[test]
fn only_one_thread_runs_between_schedule_points() {
    let most = Arc::new(AtomicU32::new(0));
    let m = most.clone();
    let run = native::run(controlled(Choice::Random, 3), move || {
        let inside = Arc::new(AtomicU32::new(0));
        let ts: Vec<Thread> = (0..4)
            .map(|_| {
                let (inside, most) = (inside.clone(), m.clone());
                Thread::new("busy", move || {
                    for _ in 0..50 {
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        for _ in 0..2_000 {
                            std::hint::spin_loop();
                        }
                        inside.fetch_sub(1, Ordering::SeqCst);
                        runtime::checkpoint()?;
                    }
                    Ok(())
                })
            })
            .collect();
        for t in &ts {
            t.start()?;
        }
        ts.iter().try_for_each(|t| t.join(None))
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(most.load(Ordering::SeqCst), 1, "two threads ran between the same two schedule points");
}

#[test]
fn time_is_virtual_and_sleeps_cost_no_real_time() {
    let started = Instant::now();
    let run = native::run(controlled(Choice::Random, 11), || {
        let ts: Vec<Thread> = (1..=3).map(|k| Thread::new("nap", move || runtime::sleep(k as f64 * 10.0))).collect();
        for t in &ts {
            t.start()?;
        }
        ts.iter().try_for_each(|t| t.join(None))?;
        py_print!("slept until {:.3}", runtime::monotonic())
    });
    assert!(started.elapsed() < Duration::from_secs(5), "30 lesson seconds took {:?}", started.elapsed());
    let v = TraceView::from_trace(&run.trace);
    assert_eq!(v.stdout(), vec!["slept until 30.000"], "the clock jumps from deadline to deadline");
    assert!((v.duration() - 30.0).abs() < 1e-9, "the trace is stamped in virtual time: {}", v.duration());
}

#[test]
fn a_deadlock_is_found_at_once_and_names_the_holder() {
    let run = native::run(controlled(Choice::Random, 2), || {
        let lock = Lock::named("l");
        lock.acquire()?;
        lock.acquire()
    });
    assert_eq!(run.end_state(), Some(EndState::Deadlocked));
    let v = TraceView::from_trace(&run.trace);
    let edges = v.wait_edges();
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0].describe(&v).en, "MainThread waits on Lock 'l' held by MainThread");
}

#[test]
fn timeouts_run_on_virtual_time() {
    let run = native::run(controlled(Choice::Random, 4), || {
        let lock = Arc::new(Lock::named("l"));
        lock.acquire()?;
        let l2 = lock.clone();
        let t = Thread::new("try", move || {
            let got = l2.acquire_with(true, Some(2.5))?;
            py_print!("got={got} at {:.1}", runtime::monotonic())
        });
        t.start()?;
        t.join(None)
    });
    let v = TraceView::from_trace(&run.trace);
    assert_eq!(v.stdout(), vec!["got=false at 2.5"]);
}
