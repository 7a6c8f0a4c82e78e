//! Litmus: manager. The count through the manager's proxies is exact for every type and
//! every worker's operation is four traced round trips; the proxy refuses an unexposed
//! method with CPython's text; the same count in shared memory is faster.

use crate::lesson_kit::*;
use parlab::trace::EndState;

const ID: &str = "manager";

fn run_manager(processes: usize, operations: usize, kind: &str) -> Outcome {
    let l = lesson(ID);
    let (p, n) = (processes.to_string(), operations.to_string());
    let o = run(l, &params(l, &[("processes", &p), ("operations", &n), ("type", kind)]), 1.0);
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    o
}

#[test]
fn every_type_counts_exactly_through_round_trips() {
    for (processes, operations, kind, proxy) in [
        (3, 100, "dict", "'DictProxy' object has no attribute 'increment'"),
        (2, 30, "list", "'ListProxy' object has no attribute 'increment'"),
        (4, 10, "Namespace", "'Namespace' object has no attribute 'increment'"),
        (1, 50, "Value", "'ValueProxy' object has no attribute 'increment'"),
    ] {
        let o = run_manager(processes, operations, kind);
        let out = o.stdout();
        let total = processes * operations;
        assert!(out.contains(&format!("main: {kind} in the manager: {total} of {total}")), "{}", o.console());
        assert!(out.contains(&format!("main: Value in shared memory: {total} of {total}")), "{}", o.console());
        assert!(out.contains(&format!("main: AttributeError: {proxy}")), "{}", o.console());
        for n in 1..=processes {
            for label in ["manager-user", "shm-user"] {
                let head = format!("{label}-{n}: {operations} operations, ");
                assert_eq!(out.iter().filter(|l| l.starts_with(&head)).count(), 1, "{}", o.console());
            }
        }
        assert!(o.observed("every_operation_a_round_trip"), "{:?}", o.insight("every_operation_a_round_trip"));
        assert!(o.observed("round_trip_cost"));
        assert!(o.observed("exact_and_only_exposed"), "{:?}", o.insight("exact_and_only_exposed"));
    }
}

#[test]
fn the_manager_is_slower_than_shared_memory() {
    let o = run_manager(2, 400, "dict");
    assert!(o.observed("slower_than_shared_memory"), "{:?}\n{}", o.insight("slower_than_shared_memory"), o.console());
}
