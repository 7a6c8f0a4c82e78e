//! The event loop inside the runtime: Stop and the watchdog reach it through the seam, the
//! trace makes every task an actor of its own, and exactly one task runs at a time.

use parlab::analysis::{Model, TraceView};
use parlab::asyncio::{self, sleep};
use parlab::runtime::native;
use parlab::trace::{Actor, EndState, Kind, ObjKind, Op};
use std::collections::BTreeMap;

use crate::prim_kit::{cfg, wait_until};

#[test]
fn stop_reaches_a_loop_that_waits_for_a_far_timer() {
    let run = native::start(cfg(1.0), || asyncio::run(sleep(3600.0)));
    wait_until("the loop waits in select", || {
        run.trace.snapshot().iter().any(|e| e.kind == Kind::Block && e.op == Op::Select)
    });
    run.stop();
    native::wait(&run);
    assert_eq!(run.end_state(), Some(EndState::Stopped));
}

#[test]
fn stop_reaches_a_loop_whose_tasks_never_wait() {
    let run = native::start(cfg(1.0), || {
        asyncio::run(async {
            loop {
                sleep(0.0).await?;
            }
        })
    });
    wait_until("the loop spins", || run.trace.snapshot().iter().filter(|e| e.kind == Kind::LoopIter).count() > 100);
    run.stop();
    native::wait(&run);
    assert_eq!(run.end_state(), Some(EndState::Stopped));
}

#[test]
fn awaiting_a_future_nobody_sets_is_a_deadlock_the_watchdog_reports() {
    let run = native::run(cfg(100.0), || {
        asyncio::run(async {
            let f = asyncio::get_running_loop()?.create_future::<()>();
            f.await
        })
    });
    assert_eq!(run.end_state(), Some(EndState::Deadlocked));
}

#[test]
fn every_task_is_an_actor_with_a_lane_and_one_runs_at_a_time() {
    let run = native::run(cfg(100.0), || {
        asyncio::run(async {
            let worker = |i: u32| async move {
                for _ in 0..3 {
                    parlab::py_print!("worker {i}")?;
                    sleep(0.01 * f64::from(i + 1)).await?;
                }
                Ok(i)
            };
            let tasks: Vec<_> = (0..3).map(|i| asyncio::create_task(worker(i))).collect();
            asyncio::gather(tasks).await.map(|_| ())
        })
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let view = TraceView::from_trace(&run.trace);
    let mut model = Model::default();
    model.update(&view);
    let names: Vec<&str> = model.lanes.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["MainThread", "Task-1", "Task-2", "Task-3", "Task-4"], "a lane per task, after its thread's");
    let task_of: BTreeMap<u32, u32> = view
        .events
        .iter()
        .filter(|e| e.kind == Kind::ObjNew && e.obj_kind() == Some(ObjKind::Task))
        .zip(view.events.iter().filter(|e| e.kind == Kind::TaskNew))
        .map(|(o, t)| (o.obj, t.actor.task))
        .collect();
    // Between two steps the loop runs, only the stepping task acts.
    let mut running = 0;
    for e in &view.events {
        match e.kind {
            Kind::TaskStep => running = task_of[&e.obj],
            // The loop's own wait for a timer comes after its iteration's last step.
            Kind::LoopIter => running = 0,
            Kind::Block if e.op == Op::Select => {
                assert_eq!(e.actor.task, 0, "only the loop selects");
                running = 0;
            }
            Kind::Print | Kind::Block | Kind::TaskEnd => {
                assert_eq!(e.actor.task, running, "{:?} by task {} while task {running} ran", e.kind, e.actor.task)
            }
            _ => {}
        }
    }
    let prints: Vec<Actor> = view.events.iter().filter(|e| e.kind == Kind::Print).map(|e| e.actor).collect();
    assert!(prints.iter().all(|a| a.task >= 2), "each worker's prints are its task's: {prints:?}");
    // A timer firing hands off from the loop (task 0) to the sleeper: an arrow per wake.
    let timer_wakes = model.arrows.iter().filter(|a| a.from.task == 0 && a.from.tid == 1 && a.to.task != 0).count();
    assert!(timer_wakes >= 9, "every sleep's end is an arrow from the loop: {timer_wakes}");
    assert!(model.lanes.iter().skip(1).all(|l| l.end.is_some()), "every task's lane ends");
}
