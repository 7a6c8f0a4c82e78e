//! Litmus: join.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "join";

#[test]
fn with_join_finish_is_always_last() {
    let l = lesson(ID);
    for (threads, iterations) in [("4", "3"), ("1", "1"), ("16", "2"), ("64", "1")] {
        let p = params(l, &[("threads", threads), ("iterations", iterations), ("join", "True")]);
        for _ in 0..5 {
            let o = run(l, &p, 100.0);
            assert_eq!(o.end(), Some(EndState::Finished));
            let out = o.stdout();
            assert_eq!(out.last().map(String::as_str), Some("finish"), "{}", o.console());
            let n: usize = threads.parse().unwrap();
            let k: usize = iterations.parse().unwrap();
            assert_eq!(out.len(), n * k + 1, "{}", o.console());
            assert!(
                o.observed("finish_last") && !o.observed("finish_early") && o.observed("main_waits"),
                "{:#?}",
                o.insights
            );
        }
    }
}

#[test]
fn without_join_finish_comes_before_the_workers_output() {
    let l = lesson(ID);
    // From the second line on, each worker prints a lesson second after start: always after finish,
    // as long as starting 64 threads takes less than that second. At speed 10 the second is 100 ms,
    // an order above a start on a loaded 2-core machine (at speed 100 it failed once in CI).
    for threads in ["1", "4", "64"] {
        let p = params(l, &[("threads", threads), ("iterations", "2"), ("join", "False")]);
        for _ in 0..3 {
            let o = run(l, &p, 10.0);
            assert_eq!(o.end(), Some(EndState::Finished));
            assert!(o.observed("finish_early") && !o.observed("finish_last"), "{:#?}\n{}", o.insights, o.console());
            // The program still lasts until the last worker ends.
            assert!(o.observed("main_waits"), "{:#?}", o.insight("main_waits"));
            let n: usize = threads.parse().unwrap();
            assert_eq!(o.stdout().len(), n * 2 + 1);
        }
    }
}

#[test]
fn defaults_at_the_default_speed_keep_their_meaning() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("iterations", "1")]), 1.0);
    assert!(o.observed("finish_last"), "{:#?}", o.insights);
    let waited = o.view.duration();
    assert!(waited >= 1.0, "the workers sleep one lesson second: {waited}");
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 1000.0, Duration::from_millis(500));
}
