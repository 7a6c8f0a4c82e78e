//! Litmus: cancel-timeout.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "cancel-timeout";

fn texts(o: &Outcome) -> Vec<String> {
    o.stdout().iter().map(|s| s.split_once(' ').map_or(String::new(), |(_, t)| t.to_owned())).collect()
}

#[test]
fn the_timeout_cancels_job_1_and_cancel_ends_job_2() {
    let l = lesson(ID);
    for _ in 0..3 {
        let o = run(l, &l.defaults(), 50.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        assert!(o.observed("wait_for_times_out_and_cancels"), "{:#?}\n{}", o.insights, o.console());
        assert!(o.observed("cancelled_task_ends_with_cancelled_error"), "{:#?}\n{}", o.insights, o.console());
        assert!(!o.observed("shield_keeps_it_running"));
        assert_eq!(
            texts(&o),
            [
                "job-1: started, needs 10.00 s",
                "job-1: cancelled at its await",
                "main: TimeoutError, job-1 cancelled() = True",
                "job-2: started, needs 10.00 s",
                "main: job-2.cancel() returned True",
                "job-2: cancelled at its await",
                "main: job-2 ended with CancelledError, cancelled() = True",
                "main: job-1 was cancelled",
            ],
            "{}",
            o.console()
        );
    }
}

#[test]
fn a_shielded_job_survives_the_timeout() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("shield", "True")]), 50.0);
    assert!(o.observed("shield_keeps_it_running"), "{:#?}\n{}", o.insights, o.console());
    assert!(!o.observed("wait_for_times_out_and_cancels"));
    let t = texts(&o);
    assert!(t.contains(&"main: TimeoutError, job-1 cancelled() = False".to_owned()), "{t:?}");
    assert_eq!(t.last().map(String::as_str), Some("main: job-1 finished"), "{t:?}");
    assert!(t.contains(&"job-1: finished".to_owned()), "{t:?}");
}

#[test]
fn in_time_nothing_is_cancelled() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("job_time", "2"), ("cancel_after", "None")]), 50.0);
    let t = texts(&o);
    assert!(t.contains(&"main: wait_for returned job-1".to_owned()), "{t:?}");
    assert!(!o.observed("cancelled_task_ends_with_cancelled_error") && !o.observed("wait_for_times_out_and_cancels"));
    // A cancel after the job ended returns False.
    let o = run(l, &params(l, &[("job_time", "1"), ("cancel_after", "3")]), 50.0);
    assert!(texts(&o).contains(&"main: job-2.cancel() returned False".to_owned()), "{}", o.console());
    assert!(o.insight("cancelled_task_ends_with_cancelled_error").detail.en.contains("came too late"));
}

#[test]
fn a_zero_timeout_cancels_job_1_before_it_starts() {
    let l = lesson(ID);
    let o = run(l, &params(l, &[("timeout", "0"), ("cancel_after", "None"), ("job_time", "1")]), 50.0);
    let t = texts(&o);
    assert_eq!(t[0], "main: TimeoutError, job-1 cancelled() = True", "its coroutine never ran: {t:?}");
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 2000.0, Duration::from_millis(500));
}
