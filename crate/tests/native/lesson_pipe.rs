//! Litmus: pipe. Every message arrives once and in order; recv() raises EOFError once the
//! child closed early; the wrong end of a one-way pipe and a closed end raise OSError.

use crate::lesson_kit::*;
use parlab::trace::EndState;
use std::time::Duration;

const ID: &str = "pipe";

fn pipe_params(messages: usize, duplex: bool, close_early: bool, delay: &str) -> Vec<(&'static str, String)> {
    vec![
        ("messages", messages.to_string()),
        ("duplex", if duplex { "True" } else { "False" }.to_owned()),
        ("close_early", if close_early { "True" } else { "False" }.to_owned()),
        ("delay_s", delay.to_owned()),
    ]
}

fn run_pipe(messages: usize, duplex: bool, close_early: bool, delay: &str, speed: f64) -> Outcome {
    let l = lesson(ID);
    let pairs = pipe_params(messages, duplex, close_early, delay);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let o = run(l, &params(l, &pairs), speed);
    assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
    assert!(o.stdout().contains(&"main: child exitcode 0".to_owned()), "{}", o.console());
    o
}

/// The messages main printed as received, in its order.
fn received(o: &Outcome) -> Vec<String> {
    o.stdout()
        .iter()
        .filter_map(|l| l.split_once("recv() -> '").map(|(_, m)| m.split_once('\'').unwrap().0.to_owned()))
        .collect()
}

#[test]
fn every_message_arrives_once_and_in_order() {
    for (messages, duplex, delay) in
        [(5, true, "0"), (1, true, "0.5"), (20, false, "0"), (21, true, "0"), (2000, true, "0")]
    {
        let o = run_pipe(messages, duplex, false, delay, 100.0);
        let out = o.stdout();
        assert!(out.contains(&format!("main: received {messages} of {messages}")), "{}", o.console());
        if messages <= 20 {
            let expected: Vec<String> = (1..=messages).map(|i| format!("message {i}")).collect();
            assert_eq!(received(&o), expected, "{}", o.console());
            let sent = out.iter().filter(|l| l.starts_with("child: sent message ")).count();
            assert_eq!(sent, messages);
        } else {
            assert!(received(&o).is_empty());
        }
        // Duplex: main's answer comes back on the same end; one-way: the wrong end refuses.
        assert_eq!(out.contains(&format!("child: got back 'thanks for {messages}'")), duplex, "{}", o.console());
        assert_eq!(
            out.contains(&"main: send() on the receiving end: OSError: connection is read-only".to_owned()),
            !duplex,
            "{}",
            o.console()
        );
        assert!(!out.iter().any(|l| l.contains("EOFError")));
        assert!(!o.observed("closed_writer_gives_eof"));
        assert_eq!(o.observed("send_on_closed_end_fails"), !duplex);
    }
}

#[test]
fn closing_early_gives_eof_error_and_the_closed_end_an_os_error() {
    for (messages, duplex) in [(5, true), (1, true), (2, false), (9, false), (20, true), (101, true)] {
        let o = run_pipe(messages, duplex, true, "0.2", 50.0);
        let out = o.stdout();
        let half = messages / 2;
        assert!(out.contains(&format!("child: closed its end after {half} of {messages}")), "{}", o.console());
        assert!(
            out.contains(&"child: send() on the closed end: OSError: handle is closed".to_owned()),
            "{}",
            o.console()
        );
        let eof = out
            .iter()
            .filter(|l| {
                l.starts_with("main: poll() = ") && l.ends_with(", recv(): EOFError, every write end is closed")
            })
            .count();
        assert_eq!(eof, 1, "{}", o.console());
        assert!(out.contains(&format!("main: received {half} of {messages}")), "{}", o.console());
        if messages <= 20 {
            assert_eq!(received(&o), (1..=half).map(|i| format!("message {i}")).collect::<Vec<_>>());
        }
        // Nothing came back: main sends only after all its messages arrived.
        assert!(!out.iter().any(|l| l.starts_with("child: got back")));
        assert_eq!(
            out.contains(&"main: send() on the receiving end: OSError: connection is read-only".to_owned()),
            !duplex
        );
        assert!(o.observed("closed_writer_gives_eof"), "{:#?}", o.insight("closed_writer_gives_eof"));
        assert!(o.observed("send_on_closed_end_fails"), "{:#?}", o.insight("send_on_closed_end_fails"));
        assert!(o.insight("send_on_closed_end_fails").detail.en.contains("handle is closed"));
    }
}

#[test]
fn recv_waits_for_a_delayed_message() {
    let o = run_pipe(3, true, false, "1", 20.0);
    let blocks = o.insight("recv_blocks_until_data");
    assert!(blocks.observed, "{blocks:#?}");
    // Messages a second apart arrive a second apart.
    let at: Vec<f64> = o
        .stdout()
        .iter()
        .filter_map(|l| l.rsplit_once(" at ").filter(|_| l.contains("recv() ->")).map(|(_, t)| t.parse().unwrap()))
        .collect();
    assert_eq!(at.len(), 3);
    for w in at.windows(2) {
        assert!((w[1] - w[0] - 1.0).abs() < 0.5, "{at:?}\n{}", o.console());
    }
}

#[test]
fn stop_ends_every_process_within_200ms() {
    let l = lesson(ID);
    for (duplex, close) in [("True", "False"), ("False", "True")] {
        let p = params(l, &[("messages", "100000"), ("duplex", duplex), ("close_early", close), ("delay_s", "1")]);
        stops_within_200ms(l, &p, 1.0, 1);
    }
    // No delay: a stream of messages still crossing.
    stops_within_200ms(l, &params(l, &[("messages", "100000"), ("delay_s", "0")]), 1.0, 1);
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    // A delay: a hundred thousand messages at once would overflow the litmus trace.
    check_param_edges(l, &[("delay_s", "1")], 100.0, Duration::from_millis(300));
}
