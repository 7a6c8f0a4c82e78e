//! Litmus: thread-basics.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "thread-basics";

#[test]
fn defaults_show_every_insight_on_every_run() {
    let l = lesson(ID);
    let p = l.defaults();
    // Reports come 0.5 lesson s away from the worker's end: 20 ms of real margin at 25x.
    for _ in 0..5 {
        let o = run(l, &p, 25.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        for id in ["threads_interleave", "active_count_two_then_one", "is_alive_flips_at_end"] {
            assert!(o.observed(id), "{id} not observed: {:?}\n{}", o.insight(id), o.console());
        }
        let out = o.stdout();
        assert_eq!(out.iter().filter(|l| l.starts_with("main: step ")).count(), 20);
        assert!(out.contains(&"[thr-1] downloading data.csv".to_owned()));
        assert!(out.contains(&"[thr-1] data.csv is done".to_owned()));
        assert_eq!(
            out.iter().filter(|l| l.starts_with("active_count: ")).cloned().collect::<Vec<_>>(),
            ["active_count: 2", "active_count: 1"]
        );
        let en = out.iter().find(|l| l.starts_with("enumerate: ")).unwrap();
        assert!(en.contains("<_MainThread(MainThread, started") && en.contains("<Thread(thr-1, started"), "{en}");
        assert!(out.contains(&"main thread: MainThread".to_owned()));
    }
}

#[test]
fn one_step_cannot_show_the_flip_and_says_so() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("iterations", "1")]), 50.0);
    assert!(!o.observed("active_count_two_then_one"));
    assert!(!o.observed("is_alive_flips_at_end"));
    assert!(
        o.insight("active_count_two_then_one").detail.en.contains("No report came after thr-1 ended"),
        "{:?}",
        o.insight("active_count_two_then_one")
    );
}

#[test]
fn a_short_worker_is_over_before_the_first_report() {
    let l = lesson(ID);
    // The worker needs 0.1 s; the first report comes at 0.5 s; reports at 0.5 and 1.5.
    let o = run(l, &params(l, &[("worker_sleep", "0.1"), ("iterations", "3"), ("report_every", "2")]), 5.0);
    assert!(!o.observed("active_count_two_then_one"), "{:?}", o.insight("active_count_two_then_one"));
    let counts: Vec<_> = o.stdout().into_iter().filter(|l| l.starts_with("active_count")).collect();
    assert_eq!(counts, ["active_count: 1", "active_count: 1"]);
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 2000.0, Duration::from_millis(500));
}
