//! Litmus: daemon. Timing-sensitive: the meaning must hold at speed 1 and at high speed.

use crate::lesson_kit::*;
use parlab::trace::{EndState, ThreadEndHow};
use std::time::Duration;

const ID: &str = "daemon";

fn check_daemon(o: &Outcome, iterations: usize) {
    assert_eq!(o.end(), Some(EndState::Finished));
    assert!(o.observed("daemon_cut_off"), "{:#?}\n{}", o.insight("daemon_cut_off"), o.console());
    assert!(!o.observed("nondaemon_keeps_alive"));
    let out = o.stdout();
    assert_eq!(
        out.last().map(String::as_str),
        Some("finish"),
        "nothing of the daemon after main's last line:\n{}",
        o.console()
    );
    assert!(!out.iter().any(|l| l.ends_with("- done")), "the daemon never completes:\n{}", o.console());
    assert!(out.iter().filter(|l| l.contains("- tick ")).count() < iterations + 1);
}

fn check_ordinary(o: &Outcome, iterations: usize) {
    assert_eq!(o.end(), Some(EndState::Finished));
    assert!(o.observed("nondaemon_keeps_alive"), "{:#?}\n{}", o.insight("nondaemon_keeps_alive"), o.console());
    assert!(!o.observed("daemon_cut_off"));
    let out = o.stdout();
    assert_eq!(out.iter().filter(|l| l.contains("- tick ")).count(), iterations);
    assert_eq!(out.last().map(String::as_str), Some("[Thread-1 (get_data)] - done"), "{}", o.console());
}

#[test]
fn daemon_is_cut_off_at_high_speed() {
    let l = lesson(ID);
    // main_work = 1.5: the worker prints at 0, 1, 2...; never at the same instant as main's
    // end (5 ms of real margin at 100x; the cut itself is exact at any speed).
    for (iterations, main_work) in [("5", "1.5"), ("5", "0"), ("50", "10.5"), ("1", "0")] {
        let p = params(l, &[("daemon", "True"), ("iterations", iterations), ("main_work", main_work)]);
        for _ in 0..10 {
            check_daemon(&run(l, &p, 100.0), iterations.parse().unwrap());
        }
    }
}

#[test]
fn daemon_is_cut_off_at_speed_one() {
    let l = lesson(ID);
    let p = params(l, &[("daemon", "True"), ("iterations", "3"), ("main_work", "0.3")]);
    let o = run(l, &p, 1.0);
    check_daemon(&o, 3);
    // It printed exactly its first line, then was cut off while sleeping.
    assert_eq!(o.stdout(), ["[Thread-1 (get_data)] - tick 1", "finish"]);
}

#[test]
fn ordinary_thread_keeps_the_program_alive() {
    // Checks the run's duration against the worker's second, from the trace's times.
    let _alone = alone();
    let l = lesson(ID);
    for (iterations, main_work) in [("5", "1.5"), ("3", "0")] {
        let p = params(l, &[("daemon", "False"), ("iterations", iterations), ("main_work", main_work)]);
        for _ in 0..5 {
            check_ordinary(&run(l, &p, 100.0), iterations.parse().unwrap());
        }
    }
    let o = run(l, &params(l, &[("daemon", "False"), ("iterations", "1"), ("main_work", "0")]), 1.0);
    check_ordinary(&o, 1);
    assert!(o.view.duration() >= 1.0, "the program lasts the worker's second");
}

#[test]
fn a_daemon_with_time_to_spare_finishes_and_the_insight_says_why_not_cut() {
    let l = lesson(ID);
    // The daemon is done at 2 s, main at 3.5 s: 75 ms of real margin at 20x.
    let o = run(l, &params(l, &[("daemon", "True"), ("iterations", "2"), ("main_work", "3.5")]), 20.0);
    assert!(!o.observed("daemon_cut_off"));
    assert!(
        o.insight("daemon_cut_off").detail.en.contains("finished all its work"),
        "{:?}",
        o.insight("daemon_cut_off")
    );
    let w = o.view.threads.iter().find(|(_, n)| n.as_str() == "Thread-1 (get_data)").map(|(t, _)| *t).unwrap();
    let how = o
        .view
        .events
        .iter()
        .find(|e| e.actor == w && e.kind == parlab::trace::Kind::ThreadEnd)
        .and_then(|e| e.thread_end());
    assert_eq!(how, Some(ThreadEndHow::Returned));
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 1000.0, Duration::from_millis(500));
}
