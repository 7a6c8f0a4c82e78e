//! Litmus: responsive-ui. Natively there is no page: the program runs, and the insights
//! that need the page say so; with measurements given, they read them.

use crate::lesson_kit::*;
use parlab::lessons::Measurements;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "responsive-ui";

#[test]
fn the_work_runs_where_asked_and_page_numbers_are_honest_when_missing() {
    let l = lesson(ID);
    for (place, thread) in [("page", "MainThread"), ("worker", "download")] {
        let o = run(l, &params(l, &[("where", place), ("work", "1")]), 10.0);
        assert_eq!(o.end(), Some(EndState::Finished));
        let out = o.stdout();
        assert!(out.contains(&format!("{thread}: download started")), "{out:?}");
        // The work lasts at least its lesson seconds; a loaded machine may stretch it.
        let took =
            |s: &String| s.rsplit(" in ").next().and_then(|t| t.strip_suffix(" s")).and_then(|t| t.parse::<f64>().ok());
        assert!(
            out.iter()
                .any(|s| s.starts_with(&format!("{thread}: download finished, ")) && took(s).is_some_and(|t| t >= 1.0)),
            "{out:?}"
        );
        assert!(out.contains(&"UI: click handled".to_owned()));
        if place == "page" {
            assert_eq!(out.last().unwrap(), "UI: click handled", "the handler returns only after the work");
        }
        assert!(o.observed("work_takes_as_long"));
        assert!(o.insight("work_takes_as_long").detail.en.contains(&format!("ran in {thread}")));
        for id in ["page_work_stops_frames", "click_waits_for_page_work"] {
            assert!(!o.observed(id));
            assert!(o.insight(id).detail.en.contains("Only the page in a browser measures this"));
        }
    }
}

#[test]
fn measurements_from_the_page_are_read() {
    let l = lesson(ID);
    let p = params(l, &[("work", "1")]);
    let o = run(l, &p, 10.0);
    let m = |gap: f64, click: f64, place: f64| -> Measurements {
        [("frame_gap_max_ms".to_owned(), gap), ("click_delay_ms".to_owned(), click), ("where".to_owned(), place)]
            .into_iter()
            .collect()
    };
    let frozen = (l.insights)(&o.view, &p, &m(980.0, 940.0, 0.0));
    assert!(frozen.iter().all(|i| i.observed), "{frozen:#?}");
    assert!(frozen[0].detail.en.contains("980 ms (the page froze)"));
    let smooth = (l.insights)(&o.view, &p, &m(18.0, 12.0, 1.0));
    assert!(smooth.iter().all(|i| i.observed), "{smooth:#?}");
    assert!(smooth[1].detail.en.contains("after 12 ms"));
    // The page's own name for the gap, and no report of where the work ran.
    let m2: Measurements = [("max_frame_gap_ms".to_owned(), 16.0)].into_iter().collect();
    let asked = (l.insights)(&o.view, &params(l, &[("where", "worker"), ("work", "1")]), &m2);
    assert!(asked[0].observed, "{asked:#?}");
    assert!(asked[0].detail.en.starts_with("The work was to run in a thread of its own"), "{asked:#?}");
    assert!(!asked[1].observed && asked[1].detail.en.contains("Only the page"));
    // A worker run that still froze the page does not show the lesson's point.
    let odd = (l.insights)(&o.view, &p, &m(900.0, 900.0, 1.0));
    assert!(!odd[0].observed && !odd[1].observed);
}

#[test]
fn in_the_page_the_verdicts_speak_to_the_learner_and_hold_on_a_slow_machine() {
    let l = lesson(ID);
    let worker = params(l, &[("where", "worker"), ("work", "5")]);
    let o = run(l, &worker, 10.0);
    let at = |pairs: &[(&str, f64)]| -> Measurements { pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect() };
    // A slow machine's stutter, 69 to 100 ms, is one verdict: the page kept drawing.
    for gap in [69.0, 85.0, 100.0, 140.0] {
        let i =
            (l.insights)(&o.view, &worker, &at(&[("frame_gap_max_ms", gap), ("click_delay_ms", 3.0), ("where", 1.0)]));
        assert!(i[0].observed && !i[0].detail.en.contains("(the page froze)"), "{gap} ms: {:#?}", i[0]);
        // A 3 ms click in worker mode: the title says what happened.
        assert!(i[1].observed && i[1].title.en.contains("answered at once"), "{:#?}", i[1]);
    }
    // In the page, without a click: ask for one, never "open the lesson in the page".
    let i = (l.insights)(&o.view, &worker, &at(&[("frame_gap_max_ms", 20.0), ("where", 1.0)]));
    assert!(!i[1].observed && i[1].detail.en.starts_with("Click \"About\" while the work runs"), "{:#?}", i[1]);
    assert!(i.iter().all(|x| !x.detail.en.contains("Open the lesson")), "{i:#?}");
}

#[test]
fn stop_reaches_the_busy_loop() {
    let l = lesson(ID);
    let o = run_bounded(l, &params(l, &[("work", "30")]), 1.0, Duration::from_millis(200));
    assert_eq!(o.end(), Some(EndState::Stopped));
    assert!(!o.observed("work_takes_as_long"));
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 2000.0, Duration::from_millis(500));
}
