//! Timer natively: fires after its interval in lesson time, cancel, names and daemon
//! flag, exceptions, the trace, and Stop.

use parlab::prims::Timer;
use parlab::runtime::{monotonic, native, Run};
use parlab::trace::{EndState, Kind, ObjKind, Op};
use parlab::{py_print, PyErr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::prim_kit::*;

fn printed(run: &Run) -> Vec<String> {
    run.trace.snapshot().iter().filter(|e| e.kind == Kind::Print).map(|e| run.trace.text(e.str_arg())).collect()
}

#[test]
fn it_fires_after_its_interval_in_lesson_seconds() {
    let fired_at = Arc::new(Mutex::new(None));
    let f2 = fired_at.clone();
    // Speed 20: 2 lesson seconds are 100 ms of real time.
    let run = native::run(cfg(20.0), move || {
        let start = monotonic();
        let t = Timer::new(2.0, move || {
            *f2.lock().unwrap() = Some(monotonic() - start);
            Ok(())
        });
        assert_eq!(t.interval(), 2.0);
        t.start()?;
        t.join(None)?;
        assert!(t.finished() && !t.is_alive());
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let at = fired_at.lock().unwrap().expect("the function ran");
    assert!((2.0..60.0).contains(&at), "fired at {at} lesson seconds, expected just after 2");
    let events = run.trace.snapshot();
    let timer = events
        .iter()
        .find(|e| e.kind == Kind::ObjNew && e.code == ObjKind::Timer as u16)
        .expect("the timer is an object")
        .obj;
    let on_timer: Vec<(Kind, Op)> =
        events.iter().filter(|e| e.obj == timer && e.kind != Kind::ObjNew).map(|e| (e.kind, e.op)).collect();
    assert_eq!(
        on_timer,
        [(Kind::Attempt, Op::Wait), (Kind::Block, Op::Wait), (Kind::Timeout, Op::Wait), (Kind::Signal, Op::Fire)]
    );
}

#[test]
fn cancel_before_it_fires_skips_the_function() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let run = native::run(cfg(1.0), move || {
        let t = Timer::new(3600.0, move || {
            c2.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        t.start()?;
        t.cancel();
        t.join(Some(10.0))?;
        assert!(!t.is_alive(), "a cancelled timer's thread ends at once");
        assert!(t.finished());
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(count(&run, Kind::Signal, Op::Cancel), 1);
    assert_eq!(count(&run, Kind::Signal, Op::Fire), 0);
}

#[test]
fn a_cancel_after_it_fired_changes_nothing() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let run = native::run(cfg(1.0), move || {
        let t = Timer::new(0.0, move || {
            c2.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        t.start()?;
        t.join(None)?;
        t.cancel();
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn names_daemon_flag_and_start_errors_are_a_threads() {
    let run = native::run(cfg(1.0), || {
        let t = Timer::new(0.0, || Ok(()));
        assert_eq!(t.name(), "Thread-1", "named like Python's Timer");
        let named = Timer::named("alarm", 0.0, || Ok(()));
        assert_eq!(named.name(), "alarm");
        assert!(!t.daemon());
        t.set_daemon(true)?;
        assert!(t.daemon());
        t.start()?;
        assert_eq!(
            t.set_daemon(false).unwrap_err().to_string(),
            "RuntimeError: cannot set daemon status of active thread"
        );
        assert_eq!(t.start().unwrap_err().to_string(), "RuntimeError: threads can only be started once");
        t.join(None)?;
        assert_eq!(t.thread().name(), "Thread-1");
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
}

#[test]
fn a_daemon_timer_is_cut_off_when_the_program_ends() {
    let t0 = Instant::now();
    let run = native::run(cfg(1.0), || {
        Timer::new(3600.0, || py_print!("never")).with_daemon(true).start()?;
        py_print!("main exits")
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(printed(&run), ["main exits"]);
    assert!(t0.elapsed() < Duration::from_secs(5), "the run waited for the daemon timer");
}

#[test]
fn an_exception_in_the_function_prints_a_traceback_and_leaves_it_unfinished() {
    let run = native::run(cfg(1.0), || {
        let t = Timer::new(0.0, || Err(PyErr::value("boom")));
        t.start()?;
        t.join(None)?;
        assert!(!t.finished(), "Python sets `finished` only after the function returned");
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let out = printed(&run).join("\n");
    assert!(out.starts_with("Exception in thread Thread-1:\nTraceback"), "{out}");
    assert!(out.ends_with("ValueError: boom"), "{out}");
}

#[test]
fn stop_interrupts_a_waiting_timer_and_its_joiner() {
    let run = native::start(cfg(1.0), || {
        let t = Timer::new(3600.0, || py_print!("never"));
        t.start()?;
        t.join(None)
    });
    wait_until("the timer waits and main joins it", || {
        count(&run, Kind::Block, Op::Wait) >= 1 && count(&run, Kind::Block, Op::Join) >= 1
    });
    let stopped_at = Instant::now();
    run.stop();
    assert!(run.wait_done(Some(2_000_000_000)), "run did not end after Stop");
    assert!(stopped_at.elapsed() < Duration::from_millis(200), "Stop took {:?}", stopped_at.elapsed());
    assert_eq!(run.end_state(), Some(EndState::Stopped));
    assert!(printed(&run).is_empty(), "the function never ran");
}
