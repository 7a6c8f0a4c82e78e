//! Litmus: event.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "event";

#[test]
fn every_waiter_wakes_at_set_and_the_flag_stays_up() {
    let l = lesson(ID);
    let p = l.defaults();
    let mut at_once = 0;
    for _ in 0..6 {
        let o = run(l, &p, 20.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        let i = o.insight("all_wake_at_set");
        // Guaranteed: all 10 woke, none before set().
        assert!(i.detail.en.contains("10 of 10 waiters woke, none before"), "{i:?}\n{}", o.console());
        at_once += i.observed as usize;
        assert!(o.observed("flag_stays_set"), "{:?}\n{}", o.insight("flag_stays_set"), o.console());
        assert!(o.stdout().iter().any(|s| s.starts_with("late-1: wait() returned True after 0.0")), "{}", o.console());
    }
    assert!(at_once >= 5, "woke at once in {at_once} of 6 runs");
}

#[test]
fn at_speed_1_with_short_times() {
    let l = lesson(ID);
    // (Without clear(): late-2's two-second timeout would cost two real seconds here.)
    let p = params(l, &[("set_after", "0.1"), ("waiters", "20")]);
    for _ in 0..3 {
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        assert!(o.observed("all_wake_at_set"), "{:?}", o.insight("all_wake_at_set"));
        assert!(o.observed("flag_stays_set"), "{:?}\n{}", o.insight("flag_stays_set"), o.console());
    }
}

#[test]
fn after_clear_a_latecomer_waits_and_gets_false() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("waiters", "3"), ("set_after", "1"), ("clear_after", "1")]), 10.0);
    assert!(o.observed("flag_stays_set"), "{:?}", o.insight("flag_stays_set"));
    assert!(o.insight("flag_stays_set").detail.en.contains("late-2 waited"));
    let out = o.stdout();
    assert!(out.iter().any(|s| s.starts_with("main: clear() at ") && s.ends_with("is_set() = False")));
    // The whole timeout, and not much more: 0.5 lesson s of margin is 50 ms of real time, for
    // a busy machine's scheduling delays.
    let waited: f64 = out
        .iter()
        .find_map(|s| s.strip_prefix("late-2: wait() returned False after ")?.strip_suffix(" s")?.parse().ok())
        .unwrap_or_else(|| panic!("late-2 timed out: {out:?}"));
    assert!((2.0..2.5).contains(&waited), "late-2 waited {waited} s: {out:?}");
}

#[test]
fn set_at_once_lets_late_waiters_straight_through() {
    let l = lesson(ID);
    // set() at 0: some waiters come to a raised flag; none may pass before it.
    for _ in 0..4 {
        let o = run(l, &params(l, &[("set_after", "0")]), 50.0);
        assert!(
            o.insight("all_wake_at_set").detail.en.contains("10 of 10 waiters woke, none before"),
            "{:?}",
            o.insight("all_wake_at_set")
        );
    }
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 2000.0, Duration::from_millis(500));
}

// The same program on processes: `multiprocessing.Event`, workers that are processes.

#[test]
fn on_processes_every_waiter_wakes_at_set_and_the_flag_stays_up() {
    let l = lesson(ID);
    let p = params(l, &[("waiters", "6"), ("set_after", "0.3"), ("clear_after", "0.1"), ("model", "processes")]);
    let mut at_once = 0;
    for _ in 0..3 {
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        workers_are_processes(&o, 8, &["proc-0", "proc-5", "late-1", "late-2"]);
        let i = o.insight("all_wake_at_set");
        assert!(i.detail.en.contains("6 of 6 waiters woke, none before"), "{i:?}\n{}", o.console());
        at_once += i.observed as usize;
        assert!(o.observed("flag_stays_set"), "{:?}\n{}", o.insight("flag_stays_set"), o.console());
        assert!(o.stdout().iter().any(|s| s.starts_with("late-2: wait() returned False after 2.0")), "{}", o.console());
    }
    assert!(at_once >= 2, "woke at once in {at_once} of 3 runs");
}
