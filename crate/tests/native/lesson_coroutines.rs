//! Litmus: coroutines.

use crate::lesson_kit::*;
use parlab::trace::{EndState, Kind};
use std::time::Duration;

const ID: &str = "coroutines";

#[test]
fn calling_runs_nothing_and_awaits_add_up() {
    let l = lesson(ID);
    for (d1, d2, d3, sum) in [("1", "2", "0.5", "3.50"), ("0", "0", "0", "0.00"), ("3", "0", "1.25", "4.25")] {
        let p = params(l, &[("delay_1", d1), ("delay_2", d2), ("delay_3", d3)]);
        for _ in 0..3 {
            let o = run(l, &p, 50.0);
            assert_eq!(o.end(), Some(EndState::Finished), "{}", o.console());
            for id in ["calling_runs_nothing", "awaits_add_up", "one_task_runs_them_all"] {
                assert!(o.observed(id), "{d1} {d2} {d3}: {:#?}\n{}", o.insight(id), o.console());
            }
            let out = o.stdout();
            let texts: Vec<&str> = out.iter().map(|s| s.split_once(' ').map_or("", |(_, t)| t)).collect();
            assert_eq!(texts[0], "main: step() returned a coroutine object", "{out:?}");
            let d1: f64 = d1.parse().unwrap();
            assert_eq!(texts[1], format!("step-1: started, waits {d1:.2} s"), "{out:?}");
            assert_eq!(texts[texts.len() - 2], format!("main: 3 steps, {sum} s of waits in all"));
            assert_eq!(texts[texts.len() - 1], "finish");
            // The whole run took at least the delays' sum, on the lesson clock.
            let finish: f64 = out.last().unwrap().split(' ').next().unwrap().parse().unwrap();
            assert!(finish >= sum.parse::<f64>().unwrap() - 0.005, "{out:?}");
        }
    }
}

#[test]
fn the_task_and_the_loop_are_in_the_trace() {
    let l = lesson(ID);
    let o = run(l, &l.defaults(), 50.0);
    let tasks: Vec<_> = o.view.events.iter().filter(|e| e.kind == Kind::TaskNew).collect();
    assert_eq!(tasks.len(), 1, "asyncio.run makes the one task");
    assert_eq!(o.view.thread_name(tasks[0].actor), "Task-1");
    let prints = o.view.events.iter().filter(|e| e.kind == Kind::Print);
    let in_task = prints.clone().filter(|e| e.actor.task == tasks[0].actor.task).count();
    assert_eq!(in_task, prints.count() - 1, "every line but 'finish' is Task-1's\n{}", o.console());
    assert!(o.view.events.iter().any(|e| e.kind == Kind::LoopIter), "the loop's iterations are recorded");
}

#[test]
fn stop_ends_a_long_wait_at_once() {
    let l = lesson(ID);
    let o = run_bounded(l, &params(l, &[("delay_1", "30")]), 1.0, Duration::from_millis(300));
    assert_eq!(o.end(), Some(EndState::Stopped));
}

#[test]
fn listing_and_parameter_edges() {
    let l = lesson(ID);
    check_listing(l);
    check_param_edges(l, &[], 2000.0, Duration::from_millis(500));
}
