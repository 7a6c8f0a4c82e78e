//! Litmus: process-queue. Every item put by a producer process arrives once, at one
//! consumer process, each producer's items in order; empty() right after put() is a hint.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::collections::BTreeMap;
use std::time::Duration;

const ID: &str = "process-queue";

/// The number in `line` after `key`, up to a space or comma.
fn after(line: &str, key: &str) -> usize {
    let rest = &line[line.find(key).unwrap_or_else(|| panic!("no {key} in {line}")) + key.len()..];
    rest.split([' ', ',']).next().unwrap().parse().unwrap()
}

fn check(o: &Outcome, producers: usize, consumers: usize, items: usize) {
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    let out = o.stdout();
    assert!(out.contains(&format!("main: received {items} of {items}, distinct {items}")), "{}", o.console());
    assert!(out.contains(&"main: each producer's items in order in every batch: True".to_owned()), "{}", o.console());
    // Each consumer stops once, after its sentinel; together they got every item.
    let stopped: Vec<usize> = out
        .iter()
        .filter(|l| l.starts_with("consumer-") && l.contains(": stopped after "))
        .map(|l| after(l, "stopped after "))
        .collect();
    assert_eq!(stopped.len(), consumers, "{}", o.console());
    assert_eq!(stopped.iter().sum::<usize>(), items);
    // Each producer put its share, and said so once.
    for p in 0..producers {
        let share = (p..items).step_by(producers).count();
        assert!(out.contains(&format!("producer-{p}: done, {share} items")), "producer-{p}:\n{}", o.console());
    }
    if items <= 20 {
        // Every item got exactly once, by whichever consumer, each producer's in order.
        let mut got: BTreeMap<String, usize> = BTreeMap::new();
        let mut last: BTreeMap<(String, usize), usize> = BTreeMap::new();
        for l in out.iter().filter(|l| l.starts_with("consumer-")) {
            let Some((who, item)) = l.split_once(": got ") else { continue };
            *got.entry(item.to_owned()).or_default() += 1;
            let (p, seq) = item[1..].split_once('-').unwrap();
            let (p, seq): (usize, usize) = (p.parse().unwrap(), seq.parse().unwrap());
            let prev = last.insert((who.to_owned(), p), seq);
            assert!(prev.is_none_or(|s| s < seq), "{who} got p{p}-{seq} out of order:\n{}", o.console());
        }
        let expected: BTreeMap<String, usize> = (0..producers)
            .flat_map(|p| (0..(p..items).step_by(producers).count()).map(move |s| (format!("p{p}-{s}"), 1)))
            .collect();
        assert_eq!(got, expected, "{}", o.console());
    } else {
        assert!(!out.iter().any(|l| l.contains(": got ")), "too many to print each");
    }
    let once = o.insight("every_item_arrives_once");
    assert!(once.observed, "{once:#?}");
    assert!(once.detail.en.starts_with(&format!("{items} of {items} received, {items} distinct")), "{once:#?}");
    assert!(o.observed("order_per_producer_kept"), "{:#?}", o.insight("order_per_producer_kept"));
    // empty() is printed once per producer with items, whatever it said.
    let hints = out.iter().filter(|l| l.contains(", then empty() = ")).count();
    assert_eq!(hints, producers.min(items), "{}", o.console());
}

#[test]
fn every_item_sent_arrives_once() {
    let l = lesson(ID);
    for (producers, consumers, items) in
        [(2, 1, 10), (3, 2, 12), (1, 4, 3), (4, 3, 5000), (5, 5, 1), (1, 1, 20), (16, 16, 21), (2, 3, 100_000)]
    {
        let p = params(
            l,
            &[
                ("producers", &producers.to_string()),
                ("consumers", &consumers.to_string()),
                ("items", &items.to_string()),
            ],
        );
        let o = run(l, &p, 100.0);
        check(&o, producers, consumers, items);
    }
}

#[test]
fn stop_ends_every_process_within_200ms() {
    let l = lesson(ID);
    // A hundred thousand items through one queue: still crossing when Stop comes.
    let p = params(l, &[("producers", "2"), ("consumers", "2"), ("items", "100000")]);
    stops_within_200ms(l, &p, 1.0, 4);
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 100.0, Duration::from_millis(300));
}
