//! Litmus: pool. Every method gives every result, in input order where CPython's does;
//! never more calls at once than processes; callbacks in the parent's result handler;
//! None from a function that returns nothing; the pool refused once `with` is left.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "pool";

const METHODS: &[&str] = &["map", "map_async", "apply_async", "starmap", "starmap_async", "imap", "imap_unordered"];

fn check(o: &Outcome, processes: usize, tasks: usize, method: &str, returns: bool) {
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    let out = o.stdout();
    assert_eq!(
        out.first().map(String::as_str),
        Some(&*format!("main: <multiprocessing.pool.Pool state=RUN pool_size={processes}>")),
        "{}",
        o.console()
    );
    assert!(out.iter().any(|l| l.starts_with(&format!("main: {tasks} results, the first: ["))), "{}", o.console());
    if method != "imap_unordered" {
        assert!(out.contains(&"main: results in input order: True".to_owned()), "{method}:\n{}", o.console());
    }
    let n = out.len();
    assert_eq!(out[n - 2], format!("main: <multiprocessing.pool.Pool state=TERMINATE pool_size={processes}>"));
    assert_eq!(out[n - 1], "main: ValueError: Pool not running");
    if tasks <= 20 {
        for t in 0..tasks {
            let started = out
                .iter()
                .filter(|l| l.starts_with("SpawnPoolWorker-") && l.ends_with(&format!(": task {t} started")))
                .count();
            assert_eq!(started, 1, "task {t} started once:\n{}", o.console());
        }
    }
    let never = o.insight("never_more_than_processes");
    assert!(never.observed, "{never:#?}\n{}", o.console());
    assert!(never.detail.en.starts_with(&format!("The worker processes ran {tasks} of {tasks} calls")), "{never:#?}");
    assert!(
        o.observed("results_in_input_order") || method == "imap_unordered",
        "{:#?}",
        o.insight("results_in_input_order")
    );
    let callbacks = o.insight("callbacks_in_parent");
    match method {
        "map_async" | "starmap_async" => {
            assert!(callbacks.observed, "{callbacks:#?}");
            assert!(
                out.contains(&format!("callback: {tasks} results in MainProcess/Thread-3 (_handle_results)")),
                "{}",
                o.console()
            );
        }
        "apply_async" => {
            assert!(callbacks.observed, "{callbacks:#?}");
            assert!(
                callbacks.detail.en.starts_with(&format!("{tasks} callback calls, {tasks} of them in MainProcess")),
                "{callbacks:#?}"
            );
        }
        _ => assert!(!callbacks.observed, "{callbacks:#?}"),
    }
    assert_eq!(o.observed("none_without_return"), !returns, "{:#?}", o.insight("none_without_return"));
    if !returns {
        assert!(
            out.iter().any(|l| l.ends_with(&format!("the first: [{}]", vec!["None"; tasks.min(5)].join(", ")))),
            "{}",
            o.console()
        );
    }
}

#[test]
fn every_method_gives_every_result() {
    let l = lesson(ID);
    for (i, method) in METHODS.iter().enumerate() {
        let returns = i % 2 == 0;
        let p = params(
            l,
            &[
                ("processes", "3"),
                ("tasks", "9"),
                ("task_s", "1"),
                ("method", method),
                ("returns", if returns { "True" } else { "False" }),
            ],
        );
        let o = run(l, &p, 50.0);
        check(&o, 3, 9, method, returns);
    }
}

#[test]
fn completion_order_differs_while_map_keeps_input_order() {
    let l = lesson(ID);
    let p = params(l, &[("processes", "4"), ("tasks", "12"), ("task_s", "1"), ("method", "map")]);
    // Random task lengths: in some run of a few, the calls finish out of order.
    let mut differed = false;
    for _ in 0..4 {
        let o = run(l, &p, 20.0);
        check(&o, 4, 12, "map", true);
        differed |= o.insight("results_in_input_order").detail.en.contains(", not in input order;");
        if differed {
            break;
        }
    }
    assert!(differed, "the calls always finished in input order");
}

#[test]
fn many_tiny_tasks_and_one_process() {
    let l = lesson(ID);
    let p = params(l, &[("processes", "2"), ("tasks", "10000"), ("task_s", "0"), ("method", "map")]);
    check(&run(l, &p, 100.0), 2, 10000, "map", true);
    let p = params(l, &[("processes", "1"), ("tasks", "5"), ("task_s", "0.5"), ("method", "imap_unordered")]);
    let o = run(l, &p, 50.0);
    check(&o, 1, 5, "imap_unordered", true);
    // One worker runs them one after the other: in input order even unordered.
    assert!(o.observed("results_in_input_order"), "{:#?}", o.insight("results_in_input_order"));
}

#[test]
fn stop_ends_every_process_within_200ms() {
    let l = lesson(ID);
    let p = params(l, &[("processes", "4"), ("tasks", "1000"), ("task_s", "1")]);
    stops_within_200ms(l, &p, 1.0, 4);
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 100.0, Duration::from_millis(300));
}
