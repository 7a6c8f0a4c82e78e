//! Litmus: lock-vs-rlock. Every outcome here is a guarantee.

use crate::lesson_kit::*;
use parlab::trace::{EndState, Kind};
use std::time::Duration;

const ID: &str = "lock-vs-rlock";
const ERR: &str = "RuntimeError: cannot release un-acquired lock";

fn go(kind: &str, scenario: &str) -> Outcome {
    let l = lesson(ID);
    run(l, &params(l, &[("kind", kind), ("scenario", scenario)]), 1.0)
}

#[test]
fn lock_reacquired_by_its_holder_deadlocks_and_says_who_waits_on_whom() {
    for _ in 0..3 {
        let o = go("Lock", "reacquire");
        assert_eq!(o.end(), Some(EndState::Deadlocked));
        assert_eq!(o.stdout(), ["worker: acquired once"]);
        assert!(o.observed("self_deadlock") && !o.observed("rlock_counts_acquisitions"), "{:#?}", o.insights);
        let d = &o.insight("self_deadlock").detail;
        assert!(d.en.contains("worker waits for Lock 'lock', held by worker itself"), "{}", d.en);
        assert!(d.en.contains("MainThread waits for thread worker to finish (join)"), "{}", d.en);
        assert!(d.ru.contains("worker ждёт Lock «lock», а держит его сам worker"), "{}", d.ru);
        assert!(o.view.events.iter().any(|e| e.kind == Kind::WaitEdge));
    }
}

#[test]
fn rlock_counts_recursion() {
    for _ in 0..3 {
        let o = go("RLock", "reacquire");
        assert_eq!(o.end(), Some(EndState::Finished));
        assert_eq!(
            o.stdout(),
            [
                "worker: acquired once",
                "worker: acquired twice",
                "worker: released once",
                "worker: released twice",
                "finish"
            ]
        );
        assert!(o.observed("rlock_counts_acquisitions") && !o.observed("self_deadlock"), "{:#?}", o.insights);
        assert!(
            o.insight("rlock_counts_acquisitions").detail.en.contains("1 → 2 → 1 → 0"),
            "{:?}",
            o.insight("rlock_counts_acquisitions")
        );
    }
}

#[test]
fn rlock_released_by_another_thread_raises_pythons_error() {
    let o = go("RLock", "release_other");
    assert_eq!(o.end(), Some(EndState::Finished));
    assert!(o.observed("foreign_release_raises") && !o.observed("any_thread_releases"), "{:#?}", o.insights);
    let stderr: Vec<_> = o.view.lines().into_iter().filter(|l| l.stderr).map(|l| l.text).collect();
    assert_eq!(stderr.len(), 1);
    // The traceback names the listing's function, as CPython's would.
    assert!(
        stderr[0].starts_with(
            "Exception in thread other:\nTraceback (most recent call last):\n  File \"lesson.py\", in give_back\n"
        ),
        "{}",
        stderr[0]
    );
    assert!(stderr[0].ends_with(ERR), "{}", stderr[0]);
    assert_eq!(
        o.stdout(),
        ["owner: acquired, ending without release()", "other: release() of a lock that owner took", "finish"]
    );
}

#[test]
fn lock_released_by_another_thread_is_fine() {
    let o = go("Lock", "release_other");
    assert_eq!(o.end(), Some(EndState::Finished));
    assert!(o.observed("any_thread_releases") && !o.observed("foreign_release_raises"), "{:#?}", o.insights);
    assert!(o.insight("any_thread_releases").detail.en.contains("owner took the Lock and other released it"));
    assert_eq!(o.stdout().last().map(String::as_str), Some("finish"));
}

#[test]
fn a_lock_never_released_blocks_the_next_thread_forever() {
    for kind in ["Lock", "RLock"] {
        let o = go(kind, "never_release");
        assert_eq!(o.end(), Some(EndState::Deadlocked), "{kind}");
        assert!(o.observed("held_forever") && o.observed("waiter_never_gets_it"), "{kind}: {:#?}", o.insights);
        let d = &o.insight("held_forever").detail.en;
        assert!(d.contains(&format!("waiter waits for {kind} 'lock', held by owner, which ended at")), "{d}");
        assert_eq!(o.stdout(), ["owner: acquired, ending without release()", "waiter: waiting for the lock"]);
    }
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 1.0, Duration::from_secs(2));
    assert!(l.listing_with(&params(l, &[("kind", "RLock")])).contains("lock = threading.RLock()"));
    let on_processes = l.listing_with(&params(l, &[("kind", "RLock"), ("model", "processes")]));
    for line in [
        "import multiprocessing\n",
        "from multiprocessing import Process, current_process\n",
        "    lock = multiprocessing.RLock()\n",
        "    name = current_process().name\n",
        "    workers = [Process(target=target, args=(lock, owner_done), name=name)\n",
    ] {
        assert!(on_processes.contains(line), "{line:?} not in\n{on_processes}");
    }
    assert!(!on_processes.contains("threading") && !on_processes.contains("{{"), "{on_processes}");
}

// The same program on processes: `multiprocessing`'s locks, workers that are processes.

fn go_processes(kind: &str, scenario: &str) -> Outcome {
    let l = lesson(ID);
    run(l, &params(l, &[("kind", kind), ("scenario", scenario), ("model", "processes")]), 1.0)
}

#[test]
fn on_processes_a_lock_reacquired_by_its_holder_deadlocks_across_processes() {
    let o = go_processes("Lock", "reacquire");
    assert_eq!(o.end(), Some(EndState::Deadlocked), "{}", o.console());
    assert_eq!(o.stdout(), ["worker: acquired once"]);
    workers_are_processes(&o, 1, &["worker"]);
    assert!(o.observed("self_deadlock") && !o.observed("rlock_counts_acquisitions"), "{:#?}", o.insights);
    let d = &o.insight("self_deadlock").detail;
    assert!(d.en.contains("worker waits for Lock 'lock', held by worker itself"), "{}", d.en);
}

#[test]
fn on_processes_an_rlock_counts_recursion() {
    let o = go_processes("RLock", "reacquire");
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    workers_are_processes(&o, 1, &["worker"]);
    assert_eq!(
        o.stdout(),
        [
            "worker: acquired once",
            "worker: acquired twice",
            "worker: released once",
            "worker: released twice",
            "finish"
        ]
    );
    assert!(o.observed("rlock_counts_acquisitions") && !o.observed("self_deadlock"), "{:#?}", o.insights);
    assert!(o.insight("rlock_counts_acquisitions").detail.en.contains("1 → 2 → 1 → 0"), "{:#?}", o.insights);
}

#[test]
fn on_processes_a_foreign_release_of_an_rlock_raises_multiprocessings_error() {
    let o = go_processes("RLock", "release_other");
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    workers_are_processes(&o, 2, &["other", "owner"]);
    assert!(o.observed("foreign_release_raises") && !o.observed("any_thread_releases"), "{:#?}", o.insights);
    let stderr: Vec<_> = o.view.lines().into_iter().filter(|l| l.stderr).map(|l| l.text).collect();
    assert_eq!(stderr.len(), 1, "{stderr:?}");
    assert!(stderr[0].starts_with("Process other:\nTraceback (most recent call last):\n"), "{}", stderr[0]);
    assert!(
        stderr[0].ends_with("AssertionError: attempt to release recursive lock not owned by thread"),
        "{}",
        stderr[0]
    );
}

#[test]
fn on_processes_any_process_may_release_a_lock() {
    let o = go_processes("Lock", "release_other");
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    assert!(o.observed("any_thread_releases") && !o.observed("foreign_release_raises"), "{:#?}", o.insights);
    assert!(o.insight("any_thread_releases").detail.en.contains("owner took the Lock and other released it"));
}

#[test]
fn on_processes_a_lock_never_released_blocks_the_next_process_forever() {
    for kind in ["Lock", "RLock"] {
        let o = go_processes(kind, "never_release");
        assert_eq!(o.end(), Some(EndState::Deadlocked), "{kind}: {}", o.console());
        workers_are_processes(&o, 2, &["waiter", "owner"]);
        assert!(o.observed("held_forever") && o.observed("waiter_never_gets_it"), "{kind}: {:#?}", o.insights);
        let d = &o.insight("held_forever").detail.en;
        assert!(d.contains(&format!("waiter waits for {kind} 'lock', held by owner, which ended at")), "{d}");
        assert_eq!(o.stdout(), ["owner: acquired, ending without release()", "waiter: waiting for the lock"]);
    }
}
