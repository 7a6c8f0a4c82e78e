//! Litmus: semaphore.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "semaphore";

#[test]
fn never_more_than_n_inside_and_waves_at_speed_1() {
    let l = lesson(ID);
    // Short holds at real speed: 0.15 s inside, 3 waves of 4, 4, 2.
    let p = params(l, &[("max_connections", "4"), ("threads", "10"), ("hold", "0.15")]);
    let mut waves = 0;
    for _ in 0..4 {
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        assert!(o.observed("never_more_than_n"), "{:?}\n{}", o.insight("never_more_than_n"), o.console());
        waves += o.observed("enters_in_waves") as usize;
        assert!(!o.observed("bounded_refuses_extra_release"));
        assert_eq!(o.stdout().iter().filter(|s| s.contains(": connected at ")).count(), 10);
        assert_eq!(
            o.stdout().last().unwrap(),
            &format!("main: all 10 threads done at {}", o.stdout().last().unwrap().rsplit(' ').next().unwrap())
        );
    }
    assert!(waves >= 3, "waves seen in {waves} of 4 runs");
}

#[test]
fn defaults_at_high_speed_keep_their_meaning() {
    let l = lesson(ID);
    let p = l.defaults();
    let mut waves = 0;
    for _ in 0..6 {
        // 6 lesson s inside = 100 ms of real time.
        let o = run(l, &p, 60.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        assert!(o.observed("never_more_than_n"), "{:?}", o.insight("never_more_than_n"));
        let w = o.insight("enters_in_waves");
        waves += w.observed as usize;
        assert!(w.detail.en.contains("expected 2"), "{w:?}");
    }
    assert!(waves >= 5, "waves seen in {waves} of 6 runs");
}

#[test]
fn a_bounded_semaphore_refuses_the_extra_release() {
    let l = lesson(ID);
    let p = params(l, &[("threads", "8"), ("hold", "0.5"), ("extra_release", "True")]);
    for _ in 0..4 {
        let o = run(l, &p, 50.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        assert!(o.observed("bounded_refuses_extra_release"), "{:?}", o.insight("bounded_refuses_extra_release"));
        assert!(o.observed("never_more_than_n"));
        assert!(
            o.stdout().contains(&"main: ValueError: Semaphore released too many times".to_owned()),
            "{}",
            o.console()
        );
    }
}

#[test]
fn a_plain_semaphore_takes_the_extra_release_and_lets_one_more_in() {
    let l = lesson(ID);
    let p = params(l, &[("threads", "8"), ("hold", "0.2"), ("bounded", "False"), ("extra_release", "True")]);
    let mut over = 0;
    for _ in 0..4 {
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        assert!(o.stdout().contains(&"main: the extra release() was accepted".to_owned()));
        assert!(!o.observed("bounded_refuses_extra_release"));
        let i = o.insight("never_more_than_n");
        if !i.observed {
            over += 1;
            assert!(i.detail.en.contains("there were 6 threads inside"), "{i:?}");
        }
    }
    assert!(over >= 3, "6 inside in {over} of 4 runs");
}

#[test]
fn no_hold_no_waves_and_few_threads_no_waiting() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("hold", "0")]), 10.0);
    assert!(!o.observed("enters_in_waves"));
    assert!(o.insight("enters_in_waves").detail.en.contains("HOLD = 0"));
    assert!(o.observed("never_more_than_n"));
    let o = run(l, &params(l, &[("threads", "3"), ("hold", "0.1")]), 10.0);
    assert!(!o.observed("enters_in_waves"));
    assert!(o.insight("enters_in_waves").detail.en.contains("nobody had to wait"));
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 2000.0, Duration::from_millis(500));
}

// The same program on processes: `multiprocessing`'s semaphores, workers that are processes.

#[test]
fn on_processes_never_more_than_n_inside_and_waves() {
    let l = lesson(ID);
    let p = params(l, &[("max_connections", "2"), ("threads", "5"), ("hold", "0.3"), ("model", "processes")]);
    let mut waves = 0;
    for _ in 0..3 {
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        workers_are_processes(&o, 5, &["proc-0", "proc-4"]);
        let i = o.insight("never_more_than_n");
        assert!(
            i.observed && i.detail.en.contains("At most 2 processes were inside at once"),
            "{i:?}\n{}",
            o.console()
        );
        waves += o.observed("enters_in_waves") as usize;
        assert_eq!(o.stdout().iter().filter(|s| s.contains(": connected at ")).count(), 5);
        assert!(o.stdout().last().unwrap().starts_with("main: all 5 processes done at "), "{}", o.console());
    }
    assert!(waves >= 2, "waves seen in {waves} of 3 runs");
}

#[test]
fn on_processes_the_extra_release_is_refused_by_a_bounded_one_and_taken_by_a_plain_one() {
    let l = lesson(ID);
    let bounded = params(l, &[("threads", "4"), ("hold", "0.5"), ("extra_release", "True"), ("model", "processes")]);
    let o = run(l, &bounded, 20.0);
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    assert!(o.observed("bounded_refuses_extra_release") && o.observed("never_more_than_n"), "{:#?}", o.insights);
    assert!(o.stdout().contains(&"main: ValueError: semaphore or lock released too many times".to_owned()));
    let plain = params(
        l,
        &[
            ("max_connections", "2"),
            ("threads", "3"),
            ("hold", "1.2"),
            ("bounded", "False"),
            ("extra_release", "True"),
            ("model", "processes"),
        ],
    );
    let o = run(l, &plain, 10.0);
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    assert!(!o.observed("never_more_than_n"), "{:?}\n{}", o.insight("never_more_than_n"), o.console());
    assert!(o.insight("never_more_than_n").detail.en.contains("there were 3 processes inside with a limit of 2"));
}
