//! Litmus: timer. Timing-sensitive: checked at speed 1 and at high speed.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "timer";

fn hello_lines(o: &Outcome) -> Vec<String> {
    o.stdout().into_iter().filter(|l| l.starts_with("hello:")).collect()
}

#[test]
fn the_function_starts_only_after_the_interval() {
    // Compares the trace's times at speed 200: a millisecond of clock lag is 0.2 s here.
    let _alone = alone();
    let l = lesson(ID);
    for interval in ["5", "0", "0.5", "12"] {
        let p = params(l, &[("interval", interval)]);
        for _ in 0..5 {
            let o = run(l, &p, 200.0);
            assert_eq!(o.end(), Some(EndState::Finished));
            assert!(o.observed("starts_after_interval"), "{interval}: {:#?}", o.insight("starts_after_interval"));
            assert_eq!(
                hello_lines(&o).len(),
                5,
                "not a daemon, never cancelled: hello runs to its end\n{}",
                o.console()
            );
            assert!(!o.observed("cancel_prevents") && !o.observed("daemon_timer_does_not_keep_alive"));
            assert!(o.stdout().contains(&"main: finish".to_owned()));
        }
    }
}

// A cancel "before" the interval and a daemon cut "before" it fires are races against
// the clock, as in Python: these runs keep 50 ms or more of real time between the two
// moments, so that a loaded machine's scheduling delays cannot swap them.
#[test]
fn a_cancel_before_the_interval_means_it_never_runs() {
    let l = lesson(ID);
    for (interval, cancel, speed, runs) in [("5", "2", 50.0, 4), ("3", "0", 50.0, 4), ("60", "30", 200.0, 1)] {
        let p = params(l, &[("interval", interval), ("cancel_after", cancel)]);
        for _ in 0..runs {
            let o = run(l, &p, speed);
            assert_eq!(o.end(), Some(EndState::Finished));
            assert!(o.observed("cancel_prevents"), "{:#?}\n{}", o.insight("cancel_prevents"), o.console());
            assert!(hello_lines(&o).is_empty(), "{}", o.console());
            assert!(!o.observed("starts_after_interval"));
        }
    }
}

#[test]
fn a_cancel_after_it_fired_changes_nothing() {
    let l = lesson(ID);
    // Fired at 1 s, cancelled at 2.5 s: 75 ms of real margin at 20x.
    let o = run(l, &params(l, &[("interval", "1"), ("cancel_after", "2.5")]), 20.0);
    assert!(!o.observed("cancel_prevents"));
    assert!(o.insight("cancel_prevents").detail.en.contains("came too late"), "{:?}", o.insight("cancel_prevents"));
    assert_eq!(hello_lines(&o).len(), 5);
    assert!(o.stdout().contains(&"main: cancel() after 2.5 s".to_owned()));
}

#[test]
fn a_daemon_timer_dies_with_the_program() {
    let l = lesson(ID);
    // Main ends at 3 s. Interval 5: never fires (2 s = 50 ms of margin at 40x).
    for _ in 0..4 {
        let o = run(l, &params(l, &[("interval", "5"), ("daemon", "True")]), 40.0);
        assert!(
            o.observed("daemon_timer_does_not_keep_alive") && hello_lines(&o).is_empty(),
            "{:#?}\n{}",
            o.insights,
            o.console()
        );
        assert_eq!(o.stdout().last().map(String::as_str), Some("main: finish"));
    }
    // Interval 1.5: hello prints at 1.5, 2.5, 3.5 and main ends at 3: cut off after two
    // lines (0.5 s = 50 ms of margin at 10x).
    let o = run(l, &params(l, &[("interval", "1.5"), ("daemon", "True")]), 10.0);
    assert!(o.observed("daemon_timer_does_not_keep_alive") && o.observed("starts_after_interval"), "{:#?}", o.insights);
    assert_eq!(hello_lines(&o), ["hello: the timer fired", "hello: working 1/3"], "{}", o.console());
}

// The main thread works three lesson seconds: each of these takes about 3 s of real time,
// so they are two tests that run in parallel.
#[test]
fn cancel_holds_at_speed_one() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("interval", "0.4"), ("cancel_after", "0.2")]), 1.0);
    assert!(o.observed("cancel_prevents") && hello_lines(&o).is_empty(), "{}", o.console());
}

#[test]
fn daemon_holds_at_speed_one() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("interval", "3.5"), ("daemon", "True")]), 1.0);
    assert!(o.observed("daemon_timer_does_not_keep_alive") && hello_lines(&o).is_empty(), "{}", o.console());
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 1000.0, Duration::from_millis(500));
    assert!(l.listing_with(&l.defaults()).contains("cancel_after = None"));
}
