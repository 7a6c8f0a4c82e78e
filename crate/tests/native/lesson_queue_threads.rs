//! Litmus: queue-threads.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "queue-threads";

#[test]
fn defaults_every_item_once_in_order_and_an_unbounded_queue_never_blocks() {
    let l = lesson(ID);
    let p = l.defaults();
    for _ in 0..5 {
        let o = run(l, &p, 25.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        assert!(o.observed("each_item_consumed_once"), "{:?}\n{}", o.insight("each_item_consumed_once"), o.console());
        assert!(o.observed("fifo_per_producer"), "{:?}", o.insight("fifo_per_producer"));
        assert!(!o.observed("put_blocks_when_full"));
        assert!(o.insight("put_blocks_when_full").detail.en.starts_with("maxsize = 0"));
        assert_eq!(o.stdout().last().unwrap(), "main: consumed 20 of 20, 20 distinct");
    }
}

#[test]
fn a_small_maxsize_makes_put_wait_and_is_never_exceeded() {
    let l = lesson(ID);
    let p = params(l, &[("maxsize", "3")]);
    for _ in 0..5 {
        let o = run(l, &p, 25.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        let i = o.insight("put_blocks_when_full");
        assert!(i.observed, "{i:?}");
        assert!(i.detail.en.contains("with maxsize = 3.") && !i.detail.en.contains("over the limit"), "{i:?}");
        assert!(o.observed("each_item_consumed_once") && o.observed("fifo_per_producer"));
    }
}

#[test]
fn at_speed_1_with_short_times() {
    let l = lesson(ID);
    let p = params(
        l,
        &[("maxsize", "2"), ("produce_s", "0.005"), ("consume_s", "0.02"), ("producers", "3"), ("consumers", "2")],
    );
    for _ in 0..2 {
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        for id in ["each_item_consumed_once", "fifo_per_producer", "put_blocks_when_full"] {
            assert!(o.observed(id), "{id}: {:?}", o.insight(id));
        }
    }
}

#[test]
fn many_items_are_checked_by_the_summary() {
    let l = lesson(ID);
    let p = params(
        l,
        &[
            ("items", "5000"),
            ("produce_s", "0"),
            ("consume_s", "0"),
            ("producers", "4"),
            ("consumers", "4"),
            ("maxsize", "10"),
        ],
    );
    for _ in 0..2 {
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        assert!(o.observed("each_item_consumed_once"), "{:?}", o.insight("each_item_consumed_once"));
        assert!(!o.observed("fifo_per_producer"));
        assert!(o.insight("fifo_per_producer").detail.en.contains("SHOW = False"));
        assert_eq!(o.stdout().last().unwrap(), "main: consumed 5000 of 5000, 5000 distinct");
    }
}

#[test]
fn more_producers_than_items() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("items", "3"), ("producers", "8"), ("consumers", "5")]), 50.0);
    assert_eq!(o.end(), Some(EndState::Finished));
    assert!(o.observed("each_item_consumed_once"), "{:?}", o.insight("each_item_consumed_once"));
    assert_eq!(o.stdout().last().unwrap(), "main: consumed 3 of 3, 3 distinct");
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 2000.0, Duration::from_millis(500));
}
