//! Litmus: remote-manager. Clients with the right key get every answer, served on a thread
//! per connection and one at a time under the service's lock; with a wrong key every
//! client is refused with CPython's AuthenticationError before any call.

use crate::lesson_kit::*;
use parlab::trace::EndState;

const ID: &str = "remote-manager";

fn run_remote(clients: usize, calls: usize, delay_ms: usize, key: &str) -> Outcome {
    let l = lesson(ID);
    let (c, n, d) = (clients.to_string(), calls.to_string(), delay_ms.to_string());
    let o = run(l, &params(l, &[("clients", &c), ("calls", &n), ("delay_ms", &d), ("authkey", key)]), 1.0);
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    assert!(o.stdout().contains(&"main: server shut down".to_owned()), "{}", o.console());
    o
}

#[test]
fn clients_with_the_key_are_served_one_call_at_a_time() {
    for (clients, calls, delay) in [(2, 5, 0), (3, 4, 20), (1, 50, 0), (6, 2, 5)] {
        let o = run_remote(clients, calls, delay, "right");
        let out = o.stdout();
        let sum: usize = (1..=calls).map(|i| i * i).sum();
        for n in 1..=clients {
            let head = format!("client-{n}: {calls} calls, sum of squares {sum}, ");
            assert_eq!(out.iter().filter(|l| l.starts_with(&head)).count(), 1, "{}", o.console());
        }
        let zeros = vec!["0"; clients].join(", ");
        assert!(out.contains(&format!("main: client exit codes [{zeros}]")), "{}", o.console());
        assert!(o.observed("a_thread_per_connection"), "{:?}", o.insight("a_thread_per_connection"));
        assert!(o.observed("calls_one_by_one"), "{:?}", o.insight("calls_one_by_one"));
        assert!(!o.observed("wrong_key_refused"));
    }
}

#[test]
fn a_wrong_key_is_refused_before_any_call() {
    for clients in [1, 3] {
        let o = run_remote(clients, 3, 0, "wrong");
        let out = o.stdout();
        for n in 1..=clients {
            let line = format!("client-{n}: refused: AuthenticationError: digest sent was rejected");
            assert!(out.contains(&line), "{}", o.console());
        }
        let ones = vec!["1"; clients].join(", ");
        assert!(out.contains(&format!("main: client exit codes [{ones}]")), "{}", o.console());
        assert!(o.observed("wrong_key_refused"), "{:?}", o.insight("wrong_key_refused"));
        assert!(!o.observed("calls_one_by_one"));
    }
}
