//! Litmus: shared-memory. The counter is exact with the lock, always; without it, several
//! processes with many increments lose some in most runs. Every process's slots show in
//! the parent's Array.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "shared-memory";

/// main's `counter expected E, got G, lost L`.
fn counter(o: &Outcome) -> (i64, i64, i64) {
    let line = o
        .stdout()
        .into_iter()
        .find_map(|l| l.strip_prefix("main: counter expected ").map(str::to_owned))
        .unwrap_or_else(|| panic!("no counter line:\n{}", o.console()));
    let n: Vec<i64> = line.split([',', ' ']).filter_map(|w| w.parse().ok()).collect();
    assert_eq!(n.len(), 3, "{line}");
    assert_eq!(n[0] - n[1], n[2], "{line}");
    (n[0], n[1], n[2])
}

fn check_array(o: &Outcome, procs: usize, size: usize) {
    let out = o.stdout();
    assert!(out.contains(&format!("main: array slots as written {size} of {size}")), "{}", o.console());
    if size <= 20 {
        let slots: Vec<String> = (0..size).map(|i| (i % procs + 1).to_string()).collect();
        assert!(out.contains(&format!("main: array [{}]", slots.join(", "))), "{}", o.console());
    } else {
        assert!(!out.iter().any(|l| l.starts_with("main: array [")));
    }
    for n in 1..=procs {
        let written = (n - 1..size).step_by(procs).count();
        let done = out
            .iter()
            .filter(|l| {
                l.starts_with(&format!("worker-{n}: done ")) && l.ends_with(&format!("slots written: {written}"))
            })
            .count();
        assert_eq!(done, 1, "worker-{n} reports its {written} slots once:\n{}", o.console());
    }
    assert!(o.observed("writes_visible_in_parent"), "{:#?}", o.insight("writes_visible_in_parent"));
}

#[test]
fn with_the_lock_the_counter_is_always_exact() {
    let l = lesson(ID);
    for (procs, incs, size) in [(5, 1000, 10), (2, 20_000, 1), (8, 2000, 3), (1, 7, 1000), (16, 300, 17)] {
        let p = params(
            l,
            &[("processes", &procs.to_string()), ("increments", &incs.to_string()), ("array_size", &size.to_string())],
        );
        for _ in 0..2 {
            let o = run(l, &p, 100.0);
            assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
            assert_eq!(counter(&o), (procs * incs, procs * incs, 0), "{}", o.console());
            let exact = o.insight("counter_exact_only_with_lock");
            assert!(exact.observed && exact.detail.en.contains("exact"), "{exact:#?}");
            check_array(&o, procs as usize, size as usize);
        }
    }
}

#[test]
fn without_the_lock_increments_are_lost_in_most_runs() {
    let l = lesson(ID);
    let p = params(l, &[("processes", "4"), ("increments", "100000"), ("lock", "False")]);
    let runs = 10;
    let mut lossy = 0;
    for _ in 0..runs {
        let o = run(l, &p, 100.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        let (expected, got, lost) = counter(&o);
        assert_eq!(expected, 400_000);
        // Never more; a process that read early and wrote late may wipe out many of the
        // others' increments at once, so the total may be below one process's share.
        assert!(got <= expected && got > 0, "{got}");
        let insight = o.insight("counter_exact_only_with_lock");
        assert_eq!(insight.observed, lost > 0, "{insight:#?}");
        if lost > 0 {
            assert!(insight.detail.en.contains(&format!("{lost} of {expected} increments were lost")), "{insight:#?}");
        }
        // The array is written by each process to its own slots: exact with or without.
        check_array(&o, 4, 10);
        lossy += (lost > 0) as usize;
    }
    assert!(lossy * 10 >= runs * 7, "increments were lost in only {lossy} of {runs} runs");
}

#[test]
fn stop_ends_every_process_within_200ms() {
    let l = lesson(ID);
    for lock in ["True", "False"] {
        // Far more increments than 200 ms allow, with the lock contended.
        let p = params(l, &[("processes", "6"), ("increments", "100000"), ("lock", lock)]);
        stops_within_200ms(l, &p, 1.0, 6);
    }
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[("increments", "100")], 100.0, Duration::from_millis(300));
}
