//! Litmus: tasks.

use crate::lesson_kit::*;
use parlab::trace::{EndState, Kind};
use std::time::Duration;

const ID: &str = "tasks";

#[test]
fn many_waits_take_about_one_delay() {
    let l = lesson(ID);
    for (tasks, delay) in [("3", "3"), ("1", "1"), ("100", "2"), ("5", "0")] {
        let p = params(l, &[("tasks", tasks), ("delay", delay)]);
        for _ in 0..3 {
            // At speed 10 a lesson second is 100 ms: a timer's wake late by a loaded
            // machine's few ms stays within the insight's 0.1 s (at 50 one was 0.28 s).
            let o = run(l, &p, 10.0);
            assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
            for id in ["total_is_about_the_longest", "all_wait_at_once", "tasks_start_at_the_first_await"] {
                assert!(o.observed(id), "{tasks} x {delay}: {:#?}\n{}", o.insight(id), o.console());
            }
            let n: u64 = tasks.parse().unwrap();
            let out = o.stdout();
            assert!(out[0].ends_with(&format!("main: created {n} tasks, done() = False")), "{out:?}");
            let sum = n * (n - 1) / 2;
            assert!(out.iter().any(|s| s.ends_with(&format!("main: {n} results, their sum is {sum}"))), "{out:?}");
            let shown = n.min(3) as usize;
            assert_eq!(out.iter().filter(|s| s.contains(": started")).count(), shown);
            let news = o.view.events.iter().filter(|e| e.kind == Kind::TaskNew).count();
            assert_eq!(news as u64, n + 1, "a task per worker and Task-1 for main");
        }
    }
}

#[test]
fn ten_thousand_tasks_on_one_thread() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("tasks", "10000"), ("delay", "1")]), 10.0);
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    assert!(o.observed("all_wait_at_once"), "{:#?}", o.insight("all_wait_at_once"));
    assert!(o.stdout().iter().any(|s| s.ends_with("main: 10000 results, their sum is 49995000")));
    let threads = o.view.events.iter().filter(|e| e.kind == Kind::ThreadStart).count();
    assert!(threads <= 1, "tasks are no threads: {threads} started");
}

#[test]
fn stop_ends_a_long_wait_at_once() {
    let l = lesson(ID);
    let o = run_bounded(l, &params(l, &[("tasks", "50"), ("delay", "30")]), 1.0, Duration::from_millis(300));
    assert_eq!(o.end(), Some(EndState::Stopped));
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 2000.0, Duration::from_millis(500));
}
