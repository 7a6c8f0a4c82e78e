//! Litmus: futures.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "futures";

#[test]
fn the_waiter_resumes_one_iteration_after_set_result() {
    let l = lesson(ID);
    for delay in ["1", "0", "7.5"] {
        for _ in 0..3 {
            let o = run(l, &params(l, &[("delay", delay)]), 50.0);
            assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
            for id in ["done_false_then_true", "resumes_right_after_set_result"] {
                assert!(o.observed(id), "{delay}: {:#?}\n{}", o.insight(id), o.console());
            }
            let texts: Vec<String> =
                o.stdout().iter().map(|s| s.split_once(' ').map_or(String::new(), |(_, t)| t.to_owned())).collect();
            assert_eq!(
                texts,
                [
                    "main: a new future, done() = False",
                    "producer: set_result(42)",
                    "producer: done() = True, going on",
                    "main: await fut gave 42, done() = True",
                    "producer: finished",
                    "main: the task is done() = True, its result() = None",
                ],
                "{}",
                o.console()
            );
        }
    }
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 2000.0, Duration::from_millis(500));
}
