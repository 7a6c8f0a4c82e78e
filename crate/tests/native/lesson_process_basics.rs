//! Litmus: process-basics. A child's global never leaks into the parent; terminate() gives
//! -15 and cuts the worker off; every process its own pid; Stop ends every process.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "process-basics";

/// What `worker-n` printed, in its order.
fn lines_of(o: &Outcome, name: &str) -> Vec<String> {
    let prefix = format!("{name}: ");
    o.stdout().into_iter().filter_map(|l| l.strip_prefix(&prefix).map(str::to_owned)).collect()
}

/// What main printed. Its last line is its own last, not the run's: each process stamps
/// its lines with its own view of the run's clock, which may lag a millisecond under load
/// (crate/src/clock.rs), so a child's last line may sort after main's at high speed.
fn main_lines(o: &Outcome) -> Vec<String> {
    o.view.lines().into_iter().filter(|l| !l.stderr && l.actor.pid == 1).map(|l| l.text).collect()
}

/// The exit code main printed after joining `name`.
fn exitcode(o: &Outcome, name: &str) -> i64 {
    let prefix = format!("main: {name} joined, alive False, exitcode ");
    let line = o
        .stdout()
        .into_iter()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{name} not joined:\n{}", o.console()));
    line[prefix.len()..].parse().unwrap()
}

#[test]
fn a_childs_global_never_leaks_into_the_parent() {
    let l = lesson(ID);
    for (procs, iters) in [(3, 3), (1, 1), (6, 1), (2, 5), (16, 1)] {
        let p = params(l, &[("processes", &procs.to_string()), ("iterations", &iters.to_string())]);
        let o = run(l, &p, 50.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        let out = o.stdout();
        assert_eq!(main_lines(&o).last().map(String::as_str), Some("main: counter = 0"), "{}", o.console());
        let main_pid = main_lines(&o)[0].strip_prefix("main: MainProcess, pid ").expect("main's first line").to_owned();
        let mut pids = vec![main_pid.clone()];
        for n in 1..=procs {
            let name = format!("worker-{n}");
            let mine = lines_of(&o, &name);
            let steps = iters + n - 1;
            // Its own counter counts every one of its steps, from 1: nobody else's.
            let expected_steps: Vec<String> =
                (1..=steps).map(|i| format!("step {i} of {steps}, counter = {i}")).collect();
            assert_eq!(&mine[1..mine.len() - 1], &expected_steps[..], "{}", o.console());
            assert_eq!(mine.last().map(String::as_str), Some("run() returns"));
            let (pid, parent) = mine[0]
                .strip_prefix("run() in pid ")
                .and_then(|r| r.split_once(", parent pid "))
                .unwrap_or_else(|| panic!("{name}'s first line: {}", mine[0]));
            assert_eq!(parent, main_pid, "{name}'s parent is main");
            // The pid main saw is the child's own. Alive right after start(), unless at
            // this speed the child's steps took less real time than start() under load
            // (then, as CPython's is_alive() polls the child, it is already over).
            let started = format!("main: {name} started, pid {pid}, alive ");
            let state =
                out.iter().find_map(|l| l.strip_prefix(&started)).unwrap_or_else(|| panic!("{name}:\n{}", o.console()));
            assert!(matches!(state, "True, exitcode None" | "False, exitcode 0"), "{name}: {state}");
            assert!(out.contains(&format!("main: {name} created, pid None, alive False")));
            assert_eq!(exitcode(&o, &name), 0);
            pids.push(pid.to_owned());
        }
        pids.sort();
        pids.dedup();
        assert_eq!(pids.len(), procs as usize + 1, "every process its own pid");
        assert!(o.observed("pids_distinct"), "{:#?}", o.insight("pids_distinct"));
        assert!(o.observed("child_global_unchanged"), "{:#?}", o.insight("child_global_unchanged"));
        assert!(!o.observed("terminate_cuts_off"));
        assert!(o.insight("terminate_cuts_off").detail.en.contains("terminate() was not called"));
    }
}

#[test]
fn terminate_gives_minus_15_and_cuts_the_worker_off() {
    let l = lesson(ID);
    // Eight workers of 1..8 steps of 0.5 s; terminate at 2.25 s after the last start.
    let p = params(l, &[("processes", "8"), ("iterations", "1"), ("terminate_after", "2.25")]);
    for _ in 0..3 {
        let o = run(l, &p, 5.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        let out = o.stdout();
        for n in 1..=8 {
            let name = format!("worker-{n}");
            let mine = lines_of(&o, &name);
            let code = exitcode(&o, &name);
            let terminated = out.contains(&format!("main: terminate() {name}"));
            let returned = mine.last().is_some_and(|l| l == "run() returns");
            match code {
                0 => assert!(returned && !terminated && mine.len() == n + 2, "{name}:\n{}", o.console()),
                -15 => {
                    assert!(terminated && !returned, "{name} cut off:\n{}", o.console());
                    // Cut off mid-work: at most its last step printed (the cut may fall
                    // in the sleep after it), never its return.
                    assert!(mine.len() <= n + 1, "{name}:\n{}", o.console());
                }
                c => panic!("{name}: exitcode {c}"),
            }
            // worker-1 ends half a second after its start, long before the last start +
            // 2.25 s; worker-8 has 4 s of steps. The ones between depend on how long the
            // starts took in real time (a loaded machine's can take a quarter second).
            if n == 1 {
                assert_eq!(code, 0, "{name}:\n{}", o.console());
            } else if n == 8 {
                assert_eq!(code, -15, "{name}:\n{}", o.console());
            }
        }
        assert_eq!(main_lines(&o).last().map(String::as_str), Some("main: counter = 0"));
        let cut = o.insight("terminate_cuts_off");
        assert!(cut.observed, "{cut:#?}");
        assert!(cut.detail.en.contains("exitcode -15") && cut.detail.en.contains("worker-1"), "{cut:#?}");
        assert!(o.observed("child_global_unchanged") && o.observed("pids_distinct"));
    }
}

#[test]
fn terminate_after_every_worker_ended_cuts_nobody_off() {
    let l = lesson(ID);
    let p = params(l, &[("processes", "2"), ("iterations", "1"), ("terminate_after", "3")]);
    let o = run(l, &p, 20.0);
    assert_eq!(o.end(), Some(EndState::Finished));
    assert_eq!((exitcode(&o, "worker-1"), exitcode(&o, "worker-2")), (0, 0), "{}", o.console());
    assert!(!o.stdout().iter().any(|l| l.starts_with("main: terminate()")));
    let cut = o.insight("terminate_cuts_off");
    assert!(!cut.observed && cut.detail.en.contains("every worker had ended"), "{cut:#?}");
}

#[test]
fn logging_goes_to_stderr_and_leaves_stdout_alone() {
    let l = lesson(ID);
    let p = params(l, &[("processes", "2"), ("iterations", "1"), ("logging", "True")]);
    let o = run(l, &p, 20.0);
    assert_eq!(o.end(), Some(EndState::Finished));
    let err: Vec<String> = o.view.lines().into_iter().filter(|l| l.stderr).map(|l| l.text).collect();
    for n in 1..=2 {
        for line in ["child process calling self.run()", "process shutting down", "process exiting with exitcode 0"] {
            assert!(err.contains(&format!("[INFO/worker-{n}] {line}")), "{line} of worker-{n}:\n{}", o.console());
        }
    }
    assert!(!o.stdout().iter().any(|l| l.starts_with('[')), "{}", o.console());
}

#[test]
fn stop_ends_every_process_within_200ms() {
    let l = lesson(ID);
    stops_within_200ms(l, &params(l, &[("processes", "4"), ("iterations", "100")]), 1.0, 4);
    stops_within_200ms(l, &params(l, &[("processes", "2"), ("iterations", "100"), ("terminate_after", "30")]), 5.0, 2);
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 100.0, Duration::from_millis(300));
}
