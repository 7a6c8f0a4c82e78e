//! Litmus: thread-local. Isolation and the main thread's AttributeError are guarantees.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "thread-local";
const ERR: &str = "AttributeError: '_thread._local' object has no attribute 'value'";

#[test]
fn each_thread_reads_its_own_value_and_main_gets_attribute_error() {
    let l = lesson(ID);
    for (threads, values) in [("2", "3"), ("16", "5"), ("1", "1"), ("8", "20")] {
        let p = params(l, &[("threads", threads), ("values", values)]);
        for _ in 0..4 {
            let o = run(l, &p, 100.0);
            assert!(
                o.observed("each_thread_reads_its_own"),
                "{:#?}\n{}",
                o.insight("each_thread_reads_its_own"),
                o.console()
            );
            assert!(o.observed("main_attribute_error"), "{:#?}\n{}", o.insight("main_attribute_error"), o.console());
            // An uncaught exception in the main thread: Python's traceback, and the run fails.
            assert_eq!(o.end(), Some(EndState::Failed));
            let err: Vec<_> = o.view.lines().into_iter().filter(|l| l.stderr).collect();
            assert_eq!(err.len(), 1);
            assert!(
                err[0].text.starts_with("Traceback (most recent call last):") && err[0].text.ends_with(ERR),
                "{}",
                err[0].text
            );
            let n: i64 = threads.parse().unwrap();
            let k: i64 = values.parse().unwrap();
            for t in 1..=n {
                let mine: Vec<String> = o.stdout().into_iter().filter(|s| s.starts_with(&format!("t{t}: "))).collect();
                let want: Vec<String> = (0..k).map(|i| format!("t{t}: data.value = {}", t * 100 + i)).collect();
                assert_eq!(mine, want);
            }
        }
    }
}

#[test]
fn other_threads_really_write_in_between() {
    let l = lesson(ID);
    // Both threads write at once, then sleep half a lesson second (50 ms at 10x): the
    // other thread's write falls between.
    let o = run(l, &l.defaults(), 10.0);
    assert!(
        !o.insight("each_thread_reads_its_own").detail.en.contains("set data.value 0 times in all"),
        "{:?}",
        o.insight("each_thread_reads_its_own")
    );
}

#[test]
fn without_the_main_read_the_program_ends_cleanly() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("main_reads", "False")]), 100.0);
    assert_eq!(o.end(), Some(EndState::Finished));
    assert!(o.observed("each_thread_reads_its_own") && !o.observed("main_attribute_error"));
    assert!(o.view.lines().iter().all(|l| !l.stderr));
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 1000.0, Duration::from_millis(500));
}
