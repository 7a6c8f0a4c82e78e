//! Litmus: barrier.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "barrier";

#[test]
fn defaults_cross_together_right_after_the_last_arrival() {
    let l = lesson(ID);
    let p = l.defaults();
    let mut together = 0;
    for _ in 0..6 {
        // Arrivals over 3..7 lesson s = 75..175 ms of real time.
        let o = run(l, &p, 40.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        together += o.observed("cross_together") as usize;
        assert!(
            o.insight("cross_together").detail.en.starts_with("Groups that crossed: 1."),
            "{:?}",
            o.insight("cross_together")
        );
        assert!(!o.observed("leftovers_never_cross"));
        assert!(o.insight("leftovers_never_cross").detail.en.contains("with none left over"));
        let out = o.stdout();
        assert_eq!(out.iter().filter(|s| s.contains(": crossed at ")).count(), 5);
        // Arrival indexes 0..4, each once.
        let mut idx: Vec<String> =
            out.iter().filter_map(|s| s.rsplit_once("arrival index ").map(|x| x.1.to_owned())).collect();
        idx.sort();
        assert_eq!(idx, ["0", "1", "2", "3", "4"]);
    }
    assert!(together >= 5, "crossed together in {together} of 6 runs");
}

#[test]
fn at_speed_1_two_rounds_each_after_its_last_arrival() {
    let l = lesson(ID);
    let p = params(l, &[("parties", "3"), ("threads", "6"), ("delay_min", "0.02"), ("delay_max", "0.25")]);
    for _ in 0..3 {
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        let i = o.insight("cross_together");
        assert!(i.detail.en.starts_with("Groups that crossed: 2."), "{i:?}");
        assert!(i.observed, "{i:?}\n{}", o.console());
    }
}

#[test]
fn leftovers_without_a_timeout_deadlock_and_the_watchdog_says_who_waits() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("threads", "7")]), 50.0);
    assert_eq!(o.end(), Some(EndState::Deadlocked));
    let i = o.insight("leftovers_never_cross");
    assert!(i.observed, "{i:?}");
    assert!(i.detail.en.starts_with("2 threads waited at a barrier that lacked parties (3 missing)"), "{i:?}");
    assert!(o.insight("cross_together").detail.en.starts_with("Groups that crossed: 1."));
    // Too few for even one group.
    let o = run(l, &params(l, &[("threads", "3"), ("delay_min", "0"), ("delay_max", "0.5")]), 50.0);
    assert_eq!(o.end(), Some(EndState::Deadlocked));
    assert!(o.observed("leftovers_never_cross"));
    assert!(!o.observed("cross_together"));
}

#[test]
fn leftovers_with_a_timeout_get_broken_barrier_error() {
    let l = lesson(ID);
    let p = params(l, &[("threads", "7"), ("delay_min", "1"), ("delay_max", "1.2"), ("timeout", "2")]);
    for _ in 0..3 {
        let o = run(l, &p, 20.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        let i = o.insight("leftovers_never_cross");
        assert!(i.observed, "{i:?}");
        assert!(i.detail.en.contains("2 threads got BrokenBarrierError"), "{i:?}\n{}", o.console());
        assert_eq!(o.stdout().iter().filter(|s| s.contains(": the barrier is broken")).count(), 2);
    }
}

#[test]
fn the_delay_range_is_checked() {
    let l = lesson(ID);
    let err = l.parse_params([("delay_min", "8")]).unwrap_err();
    assert_eq!(err[0].0, "delay_max");
    assert!(err[0].1.en.contains("must not be below"));
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[("delay_min", "0"), ("delay_max", "30")], 2000.0, Duration::from_millis(500));
}

// The same program on processes: `multiprocessing.Barrier`, workers that are processes.

#[test]
fn on_processes_a_group_crosses_together_right_after_its_last_arrival() {
    let l = lesson(ID);
    let p = params(
        l,
        &[("parties", "3"), ("threads", "6"), ("delay_min", "0.02"), ("delay_max", "0.3"), ("model", "processes")],
    );
    let mut together = 0;
    for _ in 0..3 {
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        workers_are_processes(&o, 6, &["proc-0", "proc-5"]);
        let i = o.insight("cross_together");
        assert!(i.detail.en.starts_with("Groups that crossed: 2."), "{i:?}\n{}", o.console());
        together += i.observed as usize;
        assert_eq!(o.stdout().last().map(String::as_str), Some("main: every process is done"));
    }
    assert!(together >= 2, "crossed together in {together} of 3 runs");
}

#[test]
fn on_processes_leftovers_deadlock_across_processes_or_break_on_the_timeout() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("threads", "7"), ("model", "processes")]), 40.0);
    assert_eq!(o.end(), Some(EndState::Deadlocked), "{}", o.console());
    let i = o.insight("leftovers_never_cross");
    assert!(i.observed, "{i:?}\n{}", o.console());
    assert!(i.detail.en.contains("proc-5") && i.detail.en.contains("proc-6"), "{i:?}");
    let o = run(
        l,
        &params(
            l,
            &[("threads", "7"), ("delay_min", "3"), ("delay_max", "3.5"), ("timeout", "2"), ("model", "processes")],
        ),
        20.0,
    );
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    assert!(o.observed("leftovers_never_cross"), "{:?}\n{}", o.insight("leftovers_never_cross"), o.console());
    assert_eq!(o.stdout().iter().filter(|s| s.contains("the barrier is broken")).count(), 2, "{}", o.console());
}
