//! Litmus: divide-and-conquer. The sum of 1..N is exact sequentially, on K processes and on
//! K threads, for several N and K, more parts than numbers included; the speed-up and the
//! efficiency are measured and printed as the insights read them.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "divide-and-conquer";

/// The three `main: <phase>: sum S, exact E, ...` lines, by phase.
fn sums(o: &Outcome) -> Vec<(String, u128, String)> {
    o.stdout()
        .iter()
        .filter_map(|l| {
            let rest = l.strip_prefix("main: ")?;
            let (phase, rest) = rest.split_once(": sum ")?;
            let (sum, rest) = rest.split_once(", exact ")?;
            Some((phase.to_owned(), sum.parse().unwrap(), rest.split(',').next().unwrap().to_owned()))
        })
        .collect()
}

#[test]
fn the_sum_is_exact_for_every_n_and_k() {
    let l = lesson(ID);
    for (n, k) in [(1, 1), (10, 16), (1, 3), (7, 7), (1000, 2), (123_457, 5), (1_000_000, 3), (3, 63)] {
        let p = params(l, &[("n", &n.to_string()), ("k", &k.to_string())]);
        let o = run(l, &p, 1.0);
        assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
        let out = o.stdout();
        let expected = n as u128 * (n as u128 + 1) / 2;
        assert!(out[0].starts_with(&format!("main: N = {n}, K = {k}, cores ")), "{}", o.console());
        assert!(out[0].ends_with(&format!(", expected {expected}")), "{}", o.console());
        let got = sums(&o);
        let phases: Vec<&str> = got.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(phases, ["sequential", "processes", "threads"], "{}", o.console());
        for (phase, sum, exact) in &got {
            assert_eq!((*sum, exact.as_str()), (expected, "True"), "{phase} with N={n} K={k}:\n{}", o.console());
        }
        // The chunks cover 1..N once, empty ones (a > b) where K > N.
        if k <= 8 {
            let chunks: Vec<String> =
                (0..k as u64).map(|i| format!("({}, {})", n * i / k + 1, n * (i + 1) / k)).collect();
            assert!(out.contains(&format!("main: chunks [{}]", chunks.join(", "))), "{}", o.console());
        } else {
            assert!(!out.iter().any(|l| l.starts_with("main: chunks")));
        }
        let started = o.view.events.iter().filter(|e| e.kind == parlab::trace::Kind::ProcStart).count();
        assert_eq!(started, k as usize, "one process per chunk");
        let exact = o.insight("sum_exact");
        assert!(exact.observed && exact.detail.en.contains(&format!("All three sums are {expected}")), "{exact:#?}");
        assert!(o.observed("efficiency_is_speedup_over_cores"), "{:#?}", o.insight("efficiency_is_speedup_over_cores"));
        // Speed-up and efficiency are printed for the split phases, never for the sequential.
        for l in &out {
            assert_eq!(
                l.contains("speed-up"),
                l.starts_with("main: processes:") || l.starts_with("main: threads:"),
                "{l}"
            );
        }
    }
}

/// The `speed-up X` of `phase`'s line.
fn speedup(o: &Outcome, phase: &str) -> f64 {
    let line = o.stdout().into_iter().find(|l| l.starts_with(&format!("main: {phase}: "))).unwrap();
    let rest = &line[line.find("speed-up ").unwrap() + 9..];
    rest.split(',').next().unwrap().parse().unwrap()
}

#[test]
fn the_speedup_insight_reads_the_printed_measures() {
    let l = lesson(ID);
    // Whether processes beat threads here depends on what else keeps this machine's cores
    // busy; what the insight says must follow from the numbers printed, either way.
    let p = params(l, &[("n", "200000000"), ("k", "2")]);
    let _alone = alone();
    for _ in 0..2 {
        let o = run(l, &p, 1.0);
        let (ps, ts) = (speedup(&o, "processes"), speedup(&o, "threads"));
        let insight = o.insight("speedup_measured");
        // Printed to two decimals: a tie there may go either way.
        if (ps - ts).abs() > 0.011 {
            assert_eq!(insight.observed, ps > ts, "{insight:#?}\n{}", o.console());
        }
        assert!(insight.detail.en.starts_with(&format!("2 processes: {ps:.2}x one core")), "{insight:#?}");
        assert!(insight.detail.en.contains(&format!("2 threads: {ts:.2}x")), "{insight:#?}");
    }
}

#[test]
fn stop_ends_every_process_within_200ms() {
    let l = lesson(ID);
    // The processes are started after the sequential sum: a sum long enough to be still
    // counting in each of them when Stop comes.
    stops_within_200ms(l, &params(l, &[("n", "1000000000"), ("k", "2")]), 1.0, 2);
    stops_within_200ms(l, &params(l, &[("n", "1000000000"), ("k", "1")]), 1.0, 1);
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[("n", "1000")], 1.0, Duration::from_millis(300));
}
