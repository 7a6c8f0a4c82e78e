//! Litmus: gather-wait.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "gather-wait";

#[test]
fn gather_keeps_the_order_of_the_tasks() {
    let l = lesson(ID);
    let p = params(l, &[("requests", "12"), ("latency_min", "0.1"), ("latency_max", "3"), ("failure_rate", "0.3")]);
    let mut reordered = 0;
    for _ in 0..4 {
        let o = run(l, &p, 50.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        let i = o.insight("gather_keeps_input_order");
        assert!(i.detail.en.contains("in the order of the tasks"), "{i:?}\n{}", o.console());
        reordered += i.observed as usize;
        assert!(!o.observed("as_completed_yields_in_completion_order") && !o.observed("wait_returns_done_and_pending"));
    }
    // Twelve random latencies in input order: a chance of 1 in 12! per run.
    assert!(reordered >= 3, "finished out of order in {reordered} of 4 runs");
}

#[test]
fn as_completed_follows_the_finish_order_and_its_timeout() {
    let l = lesson(ID);
    let p = params(l, &[("requests", "12"), ("latency_min", "0.1"), ("latency_max", "3"), ("api", "as_completed")]);
    for _ in 0..3 {
        let o = run(l, &p, 50.0);
        assert!(o.observed("as_completed_yields_in_completion_order"), "{:#?}\n{}", o.insights, o.console());
    }
    let p = params(
        l,
        &[("requests", "4"), ("latency_min", "1"), ("latency_max", "1"), ("api", "as_completed"), ("timeout", "0.5")],
    );
    let o = run(l, &p, 50.0);
    assert!(o.stdout().iter().any(|s| s.ends_with("as_completed: TimeoutError, 4 not finished")), "{}", o.console());
    assert!(o.stdout().iter().any(|s| s.ends_with("as_completed: 0 results, the first ones: ")), "{}", o.console());
}

#[test]
fn wait_returns_what_had_ended() {
    let l = lesson(ID);
    for (api, rate, timeout) in [("wait_first", "0", "None"), ("wait_exception", "0.5", "None"), ("wait_all", "0", "1")]
    {
        let p = params(
            l,
            &[
                ("requests", "10"),
                ("latency_min", "0.1"),
                ("latency_max", "2"),
                ("api", api),
                ("failure_rate", rate),
                ("timeout", timeout),
            ],
        );
        for _ in 0..3 {
            let o = run(l, &p, 50.0);
            assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
            assert!(o.observed("wait_returns_done_and_pending"), "{api}: {:#?}\n{}", o.insights, o.console());
        }
    }
    let p = params(
        l,
        &[
            ("requests", "5"),
            ("latency_min", "0"),
            ("latency_max", "0"),
            ("api", "wait_exception"),
            ("failure_rate", "1"),
        ],
    );
    let o = run(l, &p, 50.0);
    assert!(
        o.stdout().iter().any(|s| s.ends_with("wait(FIRST_EXCEPTION): 5 done (5 failed), 0 pending")),
        "{}",
        o.console()
    );
}

#[test]
fn a_latency_range_upside_down_is_refused() {
    let l = lesson(ID);
    let e = l.parse_params([("latency_min", "3"), ("latency_max", "1")]).unwrap_err();
    assert_eq!(e[0].0, "latency_max");
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[("latency_min", "0"), ("latency_max", "30")], 2000.0, Duration::from_millis(500));
}
