//! Litmus: thread-pool.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "thread-pool";

#[test]
fn defaults_never_over_max_workers_and_map_keeps_input_order() {
    let l = lesson(ID);
    let p = l.defaults();
    let mut reordered = 0;
    for _ in 0..4 {
        // A task of 1 lesson s = 50 ms of real time.
        let o = run(l, &p, 20.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        let i = o.insight("never_more_than_max_workers");
        assert!(i.observed, "{i:?}");
        assert!(i.detail.en.contains("with max_workers = 5. The pool started 5 threads for 20 tasks"), "{i:?}");
        let m = o.insight("map_keeps_input_order");
        assert!(m.detail.en.starts_with("map gave 19 results strictly in input order: 1, 2, 3"), "{m:?}");
        reordered += m.observed as usize;
        assert!(o.observed("result_waits"), "{:?}", o.insight("result_waits"));
        let out = o.stdout();
        assert!(out.contains(&"main: task 0 submitted, done() = False".to_owned()), "{}", o.console());
        assert!(out.contains(&"main: task 0 -> 0, done() = True".to_owned()));
        assert!(out.contains(&"main: map gives task 19 -> 361".to_owned()));
        assert_eq!(out.last().unwrap(), "main: the pool is shut down");
        assert_eq!(
            out.iter().filter(|s| s.starts_with("ThreadPoolExecutor-0_") && s.contains(" finished at ")).count(),
            20
        );
    }
    assert!(reordered >= 3, "completion order differed in {reordered} of 4 runs");
}

#[test]
fn one_worker_runs_them_in_turn_and_says_why_the_orders_agree() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("max_workers", "1"), ("tasks", "6")]), 50.0);
    assert!(o.observed("never_more_than_max_workers"));
    assert!(o.insight("never_more_than_max_workers").detail.en.starts_with("Most tasks running at once: 1"));
    let m = o.insight("map_keeps_input_order");
    assert!(!m.observed);
    assert!(m.detail.en.contains("The tasks finished in the order: 1, 2, 3, 4, 5. With one thread"), "{m:?}");
}

#[test]
fn at_speed_1_with_short_tasks() {
    let l = lesson(ID);
    let p = params(l, &[("max_workers", "3"), ("tasks", "12"), ("task_s", "0.04")]);
    for _ in 0..2 {
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        assert!(o.observed("never_more_than_max_workers"), "{:?}", o.insight("never_more_than_max_workers"));
        assert!(o.observed("result_waits"), "{:?}", o.insight("result_waits"));
        assert!(o.insight("map_keeps_input_order").detail.en.contains("strictly in input order"));
    }
}

#[test]
fn too_few_tasks_say_so() {
    let l = lesson(ID);
    for n in ["1", "2"] {
        let o = run(l, &params(l, &[("tasks", n)]), 50.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        assert!(!o.observed("map_keeps_input_order"));
        assert!(o.insight("map_keeps_input_order").detail.en.contains("At least two are needed"));
    }
    let o = run(l, &params(l, &[("task_s", "0")]), 50.0);
    assert!(o.observed("never_more_than_max_workers"));
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 2000.0, Duration::from_millis(500));
}
