//! The GIL policy: one thread runs lesson code at a time, hand-offs at the switch interval,
//! blocking calls release it, Stop reaches its waiters. Every assertion reads the trace.

use parlab::analysis::TraceView;
use parlab::runtime::{self, native, Policy, RunConfig};
use parlab::threading::Thread;
use parlab::trace::{Actor, EndState, Kind, ObjKind, Op};
use parlab::{py_print, PyResult};
use std::time::{Duration, Instant};

fn gil(interval_ms: f64) -> RunConfig {
    RunConfig { policy: Policy::Gil { switch_interval_ns: (interval_ms * 1e6) as u64 }, ..RunConfig::default() }
}

/// A CPU-bound countdown that prints every `every` steps, as the gil lesson's threads do.
fn countdown(n: u64, every: u64) -> PyResult<()> {
    let mut x = 0u64;
    for i in 0..n {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        if i % every == 0 {
            runtime::checkpoint()?;
        }
        if i % (every * 64) == 0 {
            py_print!("step {i}")?;
        }
    }
    Ok(())
}

fn two_counters(cfg: RunConfig, n: u64) -> TraceView {
    let run = native::run(cfg, move || {
        let a = Thread::named("A", "countdown", move || countdown(n, 256));
        let b = Thread::named("B", "countdown", move || countdown(n, 256));
        a.start()?;
        b.start()?;
        a.join(None)?;
        b.join(None)
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    TraceView::from_trace(&run.trace)
}

/// (holder, from event index, to event index) for every stretch a thread held the GIL.
fn tenures(v: &TraceView) -> Vec<(Actor, usize, usize)> {
    let gil = v.find_obj(ObjKind::Gil, "GIL").expect("a GIL run registers its GIL");
    let mut out = Vec::new();
    let mut open: Option<(Actor, usize)> = None;
    for (i, e) in v.events.iter().enumerate().filter(|(_, e)| e.obj == gil) {
        match (e.kind, e.op) {
            (Kind::Ok, Op::Acquire) => {
                assert!(open.is_none(), "{} took the GIL while {:?} held it", v.thread_name(e.actor), open);
                open = Some((e.actor, i));
            }
            (Kind::Signal, Op::Release) => {
                let (who, from) = open.take().expect("a release of a GIL nobody held");
                assert_eq!(who, e.actor, "the GIL is released by its holder");
                out.push((who, from, i));
            }
            _ => {}
        }
    }
    assert!(open.is_none(), "every thread lets the GIL go before it ends");
    out
}

#[test]
fn one_thread_at_a_time_and_the_gil_changes_hands_at_the_interval() {
    let v = two_counters(gil(1.0), 20_000_000);
    let t = tenures(&v);
    let (a, b) = (v.thread_named("A").unwrap(), v.thread_named("B").unwrap());
    // Every line a thread printed, it printed while holding the GIL.
    for (i, e) in v.events.iter().enumerate().filter(|(_, e)| e.kind == Kind::Print) {
        assert!(
            t.iter().any(|(who, from, to)| *who == e.actor && *from < i && i < *to),
            "{} printed without the GIL",
            v.thread_name(e.actor)
        );
    }
    // Both CPU-bound threads alternate: forced switches, not one thread to its end.
    let workers: Vec<Actor> = t.iter().map(|x| x.0).filter(|w| *w == a || *w == b).collect();
    let switches = workers.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(switches >= 4, "A and B handed the GIL over only {switches} times: {workers:?}");
}

#[test]
fn a_blocking_call_releases_the_gil_first() {
    let run = native::run(gil(5.0), || {
        let sleeper = Thread::named("sleeper", "nap", || runtime::sleep(0.05));
        let worker = Thread::named("worker", "countdown", || countdown(200_000, 256));
        sleeper.start()?;
        worker.start()?;
        sleeper.join(None)?;
        worker.join(None)
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let v = TraceView::from_trace(&run.trace);
    let gil = v.find_obj(ObjKind::Gil, "GIL").unwrap();
    let t = tenures(&v);
    let mut blocks = 0;
    for (i, e) in v.events.iter().enumerate().filter(|(_, e)| e.kind == Kind::Block && e.obj != gil) {
        blocks += 1;
        if !t.iter().any(|(who, from, to)| *who == e.actor && *from < i && i < *to) {
            continue; // it let the GIL go before it said it blocks (a sleep does)
        }
        // Otherwise its very next event lets the GIL go, before it waits.
        let next = v.events[i + 1..].iter().find(|n| n.actor == e.actor).expect("a blocked thread goes on");
        assert_eq!(
            (next.kind, next.op, next.obj),
            (Kind::Signal, Op::Release, gil),
            "{} blocked on {} and kept the GIL",
            v.thread_name(e.actor),
            e.op.name()
        );
    }
    assert!(blocks >= 3, "the sleep, the join and the start each block: {blocks}");
}

#[test]
fn the_free_policy_has_no_gil() {
    let v = two_counters(RunConfig::default(), 100_000);
    assert_eq!(v.find_obj(ObjKind::Gil, "GIL"), None);
}

#[test]
fn stop_reaches_threads_waiting_for_the_gil() {
    let run = native::start(gil(50.0), || {
        let spinners: Vec<Thread> =
            (0..3).map(|k| Thread::named(&format!("spin-{k}"), "spin", || countdown(u64::MAX, 256))).collect();
        for s in &spinners {
            s.start()?;
        }
        spinners.iter().try_for_each(|s| s.join(None))
    });
    // Wait until all three spinners exist, then stop.
    let deadline = Instant::now() + Duration::from_secs(10);
    while run.live_threads() < 4 {
        assert!(Instant::now() < deadline, "the spinners did not start");
        std::thread::yield_now();
    }
    let stopped = Instant::now();
    run.stop();
    native::wait(&run);
    assert!(
        stopped.elapsed() < Duration::from_secs(2),
        "Stop took {:?} with threads waiting for the GIL",
        stopped.elapsed()
    );
    assert_eq!(run.end_state(), Some(EndState::Stopped));
}
