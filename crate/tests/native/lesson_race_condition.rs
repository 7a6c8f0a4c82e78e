//! Litmus: race-condition. Without the lock updates are lost in most runs; with it, never.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "race-condition";

fn printed(o: &Outcome, key: &str) -> i64 {
    let line = o
        .stdout()
        .into_iter()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no {key} line:\n{}", o.console()));
    line[key.len()..].trim().parse().unwrap()
}

#[test]
fn without_the_lock_deposits_are_lost_in_most_runs() {
    let l = lesson(ID);
    let p = l.defaults();
    let runs = 12;
    let mut lossy = 0;
    for _ in 0..runs {
        // Speed 1: the 10 ms gap is longer than starting a hundred threads takes.
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        let lost = printed(&o, "lost:");
        // The insight reads the same numbers from the trace as the program printed.
        assert_eq!(printed(&o, "expected:"), 100);
        assert_eq!(o.observed("updates_lost"), lost > 0);
        assert!(
            o.insight("updates_lost").detail.en.contains(&format!("the balance is {}", printed(&o, "balance:"))),
            "{:?}",
            o.insight("updates_lost")
        );
        assert!(!o.observed("exact_with_lock") && !o.observed("lock_costs_time"));
        lossy += (lost > 0) as usize;
    }
    assert!(lossy * 10 >= runs * 9, "updates were lost in only {lossy} of {runs} runs");
}

#[test]
fn with_the_lock_nothing_is_ever_lost() {
    let l = lesson(ID);
    for pairs in [
        vec![("lock", "True")],
        vec![("lock", "True"), ("gap_ms", "0"), ("threads", "8"), ("deposits", "300")],
        vec![("lock", "True"), ("gap_ms", "1"), ("threads", "2"), ("deposits", "50")],
    ] {
        let p = params(l, &pairs);
        for _ in 0..6 {
            let o = run(l, &p, 100.0);
            assert_eq!(o.end(), Some(EndState::Finished));
            assert_eq!(printed(&o, "lost:"), 0, "{}", o.console());
            assert!(o.observed("exact_with_lock"), "{:#?}", o.insight("exact_with_lock"));
            assert!(!o.observed("updates_lost"));
        }
    }
}

#[test]
fn the_lock_costs_time() {
    let l = lesson(ID);
    // 100 deposits of 10 ms one at a time: at least a lesson second; without: about 10 ms.
    let with = run(l, &params(l, &[("lock", "True")]), 50.0);
    assert!(with.observed("lock_costs_time"), "{:#?}", with.insight("lock_costs_time"));
    let took = printed_f(&with, "time:");
    assert!(took >= 1.0, "with the lock: {took}");
    let without = run(l, &l.defaults(), 1.0);
    assert!(printed_f(&without, "time:") < took / 4.0, "{}", without.console());
}

fn printed_f(o: &Outcome, key: &str) -> f64 {
    let line = o.stdout().into_iter().find(|l| l.starts_with(key)).unwrap();
    line[key.len()..].trim().trim_end_matches(" s").parse().unwrap()
}

#[test]
fn too_many_deposits_for_the_trace_are_refused_with_a_message() {
    let l = lesson(ID);
    let err = l.parse_params([("threads", "100"), ("deposits", "10000")]).unwrap_err();
    assert_eq!(err[0].0, "deposits");
    assert!(err[0].1.en.contains("at most 100,000") && err[0].1.ru.contains("100 000"), "{err:?}");
    assert!(l.parse_params([("threads", "10"), ("deposits", "10000")]).is_ok());
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    // Two threads, so that deposits=10000 stays within the cross-check.
    check_param_edges(l, &[("threads", "2")], 1000.0, Duration::from_millis(300));
}
