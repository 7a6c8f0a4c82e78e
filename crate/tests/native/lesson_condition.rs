//! Litmus: condition.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "condition";

#[test]
fn notify_wakes_one_and_the_early_notify_is_lost() {
    let l = lesson(ID);
    let p = l.defaults();
    for _ in 0..6 {
        let o = run(l, &p, 20.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        assert!(o.observed("notify_wakes_one_or_all"), "{:?}\n{}", o.insight("notify_wakes_one_or_all"), o.console());
        assert!(o.observed("early_notify_lost"), "{:?}", o.insight("early_notify_lost"));
        let out = o.stdout();
        assert_eq!(out.iter().filter(|s| s.contains(": took item-")).count(), 3);
        // With notify() nobody wakes for nothing.
        assert!(!out.iter().any(|s| s.contains("items: 0")), "{}", o.console());
    }
}

#[test]
fn notify_all_wakes_everyone_and_the_extra_ones_sleep_again() {
    let l = lesson(ID);
    let p = params(l, &[("mode", "notify_all"), ("consumers", "5")]);
    for _ in 0..6 {
        let o = run(l, &p, 20.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        assert!(o.observed("notify_wakes_one_or_all"), "{:?}\n{}", o.insight("notify_wakes_one_or_all"), o.console());
        assert!(o.observed("early_notify_lost"));
        let out = o.stdout();
        assert_eq!(out.iter().filter(|s| s.contains(": took item-")).count(), 5);
        assert!(out.iter().any(|s| s.contains("items: 0")), "notify_all woke nobody for nothing:\n{}", o.console());
    }
}

#[test]
fn at_speed_1_with_a_short_period() {
    let l = lesson(ID);
    for mode in ["notify", "notify_all"] {
        let o = run(l, &params(l, &[("mode", mode), ("period", "0.1"), ("consumers", "4")]), 1.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        assert!(o.observed("notify_wakes_one_or_all"), "{mode}: {:?}", o.insight("notify_wakes_one_or_all"));
        assert!(o.observed("early_notify_lost"), "{mode}: {:?}", o.insight("early_notify_lost"));
    }
}

#[test]
fn one_consumer_cannot_show_the_difference_and_says_so() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("consumers", "1")]), 50.0);
    assert!(!o.observed("notify_wakes_one_or_all"));
    assert!(o.insight("notify_wakes_one_or_all").detail.en.contains("Never were two waiting at once"));
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 2000.0, Duration::from_millis(500));
}

// The same program on processes: `multiprocessing.Condition` and shared counters.

#[test]
fn on_processes_notify_wakes_one_notify_all_wakes_all_and_the_early_notify_is_lost() {
    let l = lesson(ID);
    for (mode, n) in [("notify", "3"), ("notify_all", "4")] {
        let p = params(l, &[("mode", mode), ("consumers", n), ("model", "processes")]);
        let o = run(l, &p, 10.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{mode}: {}", o.console());
        workers_are_processes(&o, n.parse().unwrap(), &["consumer-0"]);
        assert!(
            o.observed("notify_wakes_one_or_all"),
            "{mode}: {:?}\n{}",
            o.insight("notify_wakes_one_or_all"),
            o.console()
        );
        assert!(o.observed("early_notify_lost"), "{mode}: {:?}", o.insight("early_notify_lost"));
        let mut took: Vec<String> =
            o.stdout().iter().filter_map(|s| s.split_once(": took ").map(|x| x.1.to_owned())).collect();
        took.sort();
        let expected: Vec<String> = (0..n.parse().unwrap()).map(|i| format!("item-{i}")).collect();
        assert_eq!(took, expected, "{mode}: each item taken once\n{}", o.console());
    }
}
