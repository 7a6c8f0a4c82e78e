//! asyncio's tasks, futures, gather, shield and wait_for against the semantics of
//! CPython 3.11's `Lib/test/test_asyncio/test_tasks.py` and `test_futures.py`, each on a
//! real loop inside a real run (its clock at a high speed, so lesson seconds are short).

use parlab::asyncio::{self, cancelled_error, is_cancelled_error, sleep, Future, Task};
use parlab::runtime::native;
use parlab::trace::EndState;
use parlab::{PyErr, PyResult};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use crate::prim_kit::cfg;

/// Runs `main` with `asyncio.run` in a run at `speed` (tasks whose order the test checks
/// sleep 0.1 lesson s apart or more: 10 ms at speed 10, more than a loaded machine
/// delays one task's first step after another's); returns the run's end and what
/// the program logged.
fn run_async<F>(speed: f64, main: impl FnOnce(Log) -> F + Send + 'static) -> (Option<EndState>, Vec<String>)
where
    F: std::future::Future<Output = PyResult<()>> + 'static,
{
    let out = Arc::new(Mutex::new(Vec::new()));
    let o = out.clone();
    let run = native::run(cfg(speed), move || {
        let log = Log(Rc::new(RefCell::new(Vec::new())));
        let r = asyncio::run(main(log.clone()));
        *o.lock().unwrap() = log.0.borrow().clone();
        r
    });
    let lines = out.lock().unwrap().clone();
    (run.end_state(), lines)
}

#[derive(Clone)]
struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    fn add(&self, s: impl Into<String>) {
        self.0.borrow_mut().push(s.into());
    }
}

fn finished(r: &(Option<EndState>, Vec<String>), want: &[&str]) {
    assert_eq!(r.0, Some(EndState::Finished), "the run ends; it logged {:?}", r.1);
    assert_eq!(r.1, want);
}

#[test]
fn sleep_zero_yields_exactly_one_iteration_so_two_tasks_alternate() {
    let r = run_async(100.0, |log| async move {
        let step = |name: &'static str, log: Log| async move {
            log.add(format!("{name}1"));
            sleep(0.0).await?;
            log.add(format!("{name}2"));
            sleep(0.0).await?;
            log.add(format!("{name}3"));
            Ok(())
        };
        let a = asyncio::create_task(step("a", log.clone()));
        let b = asyncio::create_task(step("b", log.clone()));
        log.add(format!("{} {} {}", a.get_name(), b.get_name(), asyncio::current_task().unwrap().get_name()));
        (&a).await?;
        (&b).await
    });
    finished(&r, &["Task-2 Task-3 Task-1", "a1", "b1", "a2", "b2", "a3", "b3"]);
}

#[test]
fn timers_fire_in_deadline_order_and_call_soon_in_fifo_order() {
    let r = run_async(100.0, |log| async move {
        let lp = asyncio::get_running_loop()?;
        let done = lp.create_future::<()>();
        for (delay, name) in [(0.3, "late"), (0.1, "early"), (0.2, "middle")] {
            let log = log.clone();
            lp.call_later(delay, move || log.add(name));
        }
        let d = done.clone();
        lp.call_later(0.35, move || d.set_result(()).unwrap());
        let cancelled = lp.call_later(0.05, {
            let log = log.clone();
            move || log.add("cancelled timer ran")
        });
        cancelled.cancel();
        for k in 0..3 {
            let log = log.clone();
            let lp2 = lp.clone();
            lp.call_soon(move || {
                log.add(format!("soon{k}"));
                // Scheduled from a callback: runs in the next iteration, after soon2.
                if k == 0 {
                    let log = log.clone();
                    lp2.call_soon(move || log.add("nested"));
                }
            });
        }
        let t0 = lp.time();
        done.await?;
        assert!(lp.time() - t0 >= 0.35, "the loop's time moved by the timers' delays");
        Ok(())
    });
    finished(&r, &["soon0", "soon1", "soon2", "nested", "early", "middle", "late"]);
}

#[test]
fn gather_keeps_input_order_while_tasks_finish_in_reverse() {
    let r = run_async(100.0, |log| async move {
        // Deadlines from one instant: their order does not hang on when each first step ran.
        let lp = asyncio::get_running_loop()?;
        let t0 = lp.time();
        let work = |i: u32, log: Log| async move {
            sleep(t0 + 0.1 * f64::from(3 - i) - asyncio::get_running_loop()?.time()).await?;
            log.add(format!("done {i}"));
            Ok(i * 10)
        };
        let tasks: Vec<Task<u32>> = (0..3).map(|i| asyncio::create_task(work(i, log.clone()))).collect();
        let results = asyncio::gather(tasks).await?;
        log.add(format!("{results:?}"));
        Ok(())
    });
    finished(&r, &["done 2", "done 1", "done 0", "[0, 10, 20]"]);
}

#[test]
fn gather_raises_the_first_exception_and_the_other_children_go_on() {
    let r = run_async(10.0, |log| async move {
        let ok = |log: Log| async move {
            sleep(0.2).await?;
            log.add("slow one finished");
            Ok(1)
        };
        let bad = || async move {
            sleep(0.1).await?;
            Err::<i32, _>(PyErr::value("boom"))
        };
        let slow = asyncio::create_task(ok(log.clone()));
        let err = asyncio::gather(vec![slow.clone(), asyncio::create_task(bad())]).await.unwrap_err();
        log.add(format!("gather raised {err}; slow done: {}", slow.done()));
        sleep(0.2).await?;
        log.add(format!("slow result {}", slow.result()?));
        Ok(())
    });
    finished(&r, &["gather raised ValueError: boom; slow done: false", "slow one finished", "slow result 1"]);
}

#[test]
fn gather_with_return_exceptions_gives_every_outcome_in_order() {
    let r = run_async(100.0, |log| async move {
        let t1 = asyncio::create_task(async { Err::<i32, _>(PyErr::value("no")) });
        let t2 = asyncio::create_task(async {
            sleep(0.1).await?;
            Ok(2)
        });
        let t3 = asyncio::create_task(async {
            sleep(1.0).await?;
            Ok(3)
        });
        t3.cancel(None);
        let all = asyncio::gather_return_exceptions(vec![t1, t2, t3]).await?;
        let shown: Vec<String> = all
            .iter()
            .map(|r| match r {
                Ok(v) => v.to_string(),
                Err(e) if is_cancelled_error(e) => "CancelledError".into(),
                Err(e) => e.to_string(),
            })
            .collect();
        log.add(shown.join(", "));
        Ok(())
    });
    finished(&r, &["ValueError: no, 2, CancelledError"]);
}

#[test]
fn a_cancelled_child_makes_gather_raise_but_does_not_cancel_the_others() {
    let r = run_async(100.0, |log| async move {
        let slow = |x: u32| async move {
            sleep(0.05).await?;
            Ok(x)
        };
        let ts: Vec<Task<u32>> = (0..3).map(|i| asyncio::create_task(slow(i))).collect();
        let g = asyncio::gather(ts.clone());
        ts[0].cancel(None);
        let e = g.await.unwrap_err();
        log.add(format!("{} {:?}", is_cancelled_error(&e), ts.iter().map(|t| t.done()).collect::<Vec<_>>()));
        sleep(0.1).await?;
        log.add(format!("{:?}", ts.iter().map(|t| t.cancelled()).collect::<Vec<_>>()));
        Ok(())
    });
    finished(&r, &["true [true, false, false]", "[true, false, false]"]);
}

#[test]
fn cancelling_the_gather_cancels_every_child() {
    let r = run_async(100.0, |log| async move {
        let ts: Vec<Task<()>> = (0..3).map(|_| asyncio::create_task(sleep(10.0))).collect();
        let g = asyncio::gather(ts.clone());
        let waiter = asyncio::create_task(async move { g.await.map(|_| ()) });
        sleep(0.0).await?;
        waiter.cancel(None);
        let e = (&waiter).await.unwrap_err();
        log.add(format!(
            "{} waiter cancelled {} children {:?}",
            is_cancelled_error(&e),
            waiter.cancelled(),
            ts.iter().map(|t| t.cancelled()).collect::<Vec<_>>()
        ));
        Ok(())
    });
    finished(&r, &["true waiter cancelled true children [true, true, true]"]);
}

#[test]
fn a_task_cancelled_while_it_sleeps_gets_cancelled_error_at_its_await() {
    let r = run_async(100.0, |log| async move {
        let l = log.clone();
        let t = asyncio::create_task(async move {
            l.add("started");
            match sleep(10.0).await {
                Err(e) if is_cancelled_error(&e) => {
                    l.add(format!("caught {e}"));
                    Err(e)
                }
                other => other,
            }
        });
        sleep(0.05).await?;
        assert!(t.cancel(Some("enough")));
        assert_eq!(t.cancelling(), 1);
        let e = (&t).await.unwrap_err();
        log.add(format!("{e}; cancelled {}; cancel again {}", t.cancelled(), t.cancel(None)));
        Ok(())
    });
    finished(
        &r,
        &[
            "started",
            "caught asyncio.exceptions.CancelledError: enough",
            "asyncio.exceptions.CancelledError: enough; cancelled true; cancel again false",
        ],
    );
}

#[test]
fn a_task_cancelled_before_its_first_step_never_runs() {
    let r = run_async(100.0, |log| async move {
        let l = log.clone();
        let t = asyncio::create_task(async move {
            l.add("the body ran");
            Ok(())
        });
        t.cancel(None);
        let e = (&t).await.unwrap_err();
        log.add(format!("{} {} {}", is_cancelled_error(&e), t.cancelled(), t.cancelling()));
        Ok(())
    });
    finished(&r, &["true true 1"]);
}

#[test]
fn a_task_that_swallows_its_cancel_and_uncancels_goes_on() {
    let r = run_async(100.0, |log| async move {
        let t = asyncio::create_task(async move {
            let me = asyncio::current_task().unwrap();
            if let Err(e) = sleep(10.0).await {
                assert!(is_cancelled_error(&e));
                assert_eq!(me.uncancel(), 0);
            }
            sleep(0.01).await?;
            Ok(42)
        });
        sleep(0.0).await?;
        t.cancel(None);
        let v = (&t).await?;
        log.add(format!("{v} cancelled {}", t.cancelled()));
        Ok(())
    });
    finished(&r, &["42 cancelled false"]);
}

#[test]
fn cancelling_a_task_that_awaits_another_cancels_that_one_too() {
    let r = run_async(100.0, |log| async move {
        let inner = asyncio::create_task(sleep(10.0));
        let i2 = inner.clone();
        let outer = asyncio::create_task(async move { (&i2).await });
        sleep(0.0).await?;
        sleep(0.0).await?;
        outer.cancel(None);
        let _ = (&outer).await;
        log.add(format!("outer {} inner {}", outer.cancelled(), inner.cancelled()));
        Ok(())
    });
    finished(&r, &["outer true inner true"]);
}

#[test]
fn shield_keeps_the_inner_task_running_when_the_outer_is_cancelled() {
    let r = run_async(100.0, |log| async move {
        let l = log.clone();
        let inner = asyncio::create_task(async move {
            sleep(0.1).await?;
            l.add("inner finished");
            Ok(7)
        });
        let i2 = inner.clone();
        let outer = asyncio::create_task(async move { asyncio::shield(&i2).await });
        sleep(0.01).await?;
        outer.cancel(None);
        let e = (&outer).await.unwrap_err();
        log.add(format!("outer {} inner cancelled {}", is_cancelled_error(&e), inner.cancelled()));
        log.add(format!("inner result {}", (&inner).await?));
        Ok(())
    });
    finished(&r, &["outer true inner cancelled false", "inner finished", "inner result 7"]);
}

#[test]
fn wait_for_cancels_a_task_past_its_timeout_and_raises_timeout_error() {
    let r = run_async(100.0, |log| async move {
        let slow = asyncio::create_task(async {
            sleep(1.0).await?;
            Ok(1)
        });
        let e = asyncio::wait_for(slow.clone(), Some(0.1)).await.unwrap_err();
        log.add(format!("{e:?} slow cancelled {}", slow.cancelled()));
        let quick = asyncio::create_task(async {
            sleep(0.05).await?;
            Ok(2)
        });
        log.add(format!("quick {}", asyncio::wait_for(quick, Some(1.0)).await?));
        Ok(())
    });
    finished(&r, &["TimeoutError(\"\") slow cancelled true", "quick 2"]);
}

#[test]
fn futures_keep_cpython_states_errors_and_callback_order() {
    let r = run_async(100.0, |log| async move {
        let f: Future<i32> = Future::new()?;
        let l = log.clone();
        f.add_done_callback(move |f| l.add(format!("callback sees {}", f.result().unwrap())));
        log.add(format!("{}", f.result().unwrap_err()));
        f.set_result(5)?;
        // Done callbacks are scheduled, never called from set_result itself.
        log.add("after set_result");
        log.add(format!("{}", f.set_result(6).unwrap_err()));
        sleep(0.0).await?;
        let g: Future<i32> = Future::new()?;
        let g2 = g.clone();
        let waiter = asyncio::create_task(async move { (&g2).await });
        sleep(0.0).await?;
        g.set_exception(PyErr::value("from a future"))?;
        log.add(format!("{}", (&waiter).await.unwrap_err()));
        let h: Future<i32> = Future::new()?;
        assert!(h.cancel(None) && !h.cancel(None) && h.cancelled());
        log.add(format!("{}", h.result().unwrap_err() == cancelled_error(None)));
        Ok(())
    });
    finished(
        &r,
        &[
            "asyncio.exceptions.InvalidStateError: Result is not set.",
            "after set_result",
            "asyncio.exceptions.InvalidStateError: invalid state",
            "callback sees 5",
            "ValueError: from a future",
            "true",
        ],
    );
}

#[test]
fn asyncio_run_cancels_the_tasks_left_pending_when_main_returns() {
    let r = run_async(100.0, |log| async move {
        let l = log.clone();
        let _orphan = asyncio::create_task(async move {
            if let Err(e) = sleep(100.0).await {
                l.add(format!("orphan got {}", e.class()));
                return Err(e);
            }
            Ok(())
        });
        sleep(0.0).await?;
        log.add("main returns");
        Ok(())
    });
    finished(&r, &["main returns", "orphan got asyncio.exceptions.CancelledError"]);
}

#[test]
fn an_exception_in_main_is_what_asyncio_run_raises() {
    let run = native::run(cfg(100.0), || {
        let r: PyResult<()> = asyncio::run(async {
            sleep(0.01).await?;
            Err(PyErr::runtime("main failed"))
        });
        assert_eq!(r.unwrap_err().to_string(), "RuntimeError: main failed");
        let nested = asyncio::run(async { asyncio::run(async { Ok(()) }) });
        assert_eq!(
            nested.unwrap_err().to_string(),
            "RuntimeError: asyncio.run() cannot be called from a running event loop"
        );
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
}

fn napper(secs: f64, v: u32) -> Task<u32> {
    asyncio::create_task(async move {
        sleep(secs).await?;
        Ok(v)
    })
}

#[test]
fn as_completed_yields_in_completion_order_and_times_out_the_rest() {
    let r = run_async(10.0, |log| async move {
        let tasks = vec![napper(0.3, 3), napper(0.1, 1), napper(0.2, 2)];
        let mut it = asyncio::as_completed(tasks, None)?;
        while let Some(v) = it.next().await {
            log.add(v?.to_string());
        }
        let mut late = asyncio::as_completed(vec![napper(0.05, 5), napper(5.0, 6)], Some(0.2))?;
        while let Some(v) = late.next().await {
            log.add(match v {
                Ok(v) => v.to_string(),
                Err(e) => format!("{e:?}"),
            });
        }
        Ok(())
    });
    finished(&r, &["1", "2", "3", "5", "TimeoutError(\"\")"]);
}

#[test]
fn wait_returns_done_and_pending_by_its_rule() {
    let r = run_async(10.0, |log| async move {
        let names = |ts: &[Task<u32>]| {
            ts.iter().map(|t| t.result().map_or("err".into(), |v| v.to_string())).collect::<Vec<_>>().join(",")
        };
        let (done, pending) =
            asyncio::wait(vec![napper(0.2, 2), napper(0.1, 1)], None, asyncio::ReturnWhen::FirstCompleted).await?;
        log.add(format!("first: done {} pending {}", names(&done), pending.len()));
        let bad = asyncio::create_task(async {
            sleep(0.05).await?;
            Err::<u32, _>(PyErr::value("bad"))
        });
        let (done, pending) =
            asyncio::wait(vec![napper(1.0, 9), bad], None, asyncio::ReturnWhen::FirstException).await?;
        log.add(format!("exception: done {} pending {}", names(&done), pending.len()));
        let (done, pending) =
            asyncio::wait(vec![napper(0.05, 4), napper(5.0, 5)], Some(0.2), asyncio::ReturnWhen::AllCompleted).await?;
        log.add(format!("timeout: done {} pending {}", names(&done), pending.len()));
        let empty = asyncio::wait(Vec::<Task<u32>>::new(), None, asyncio::ReturnWhen::AllCompleted).await;
        log.add(empty.unwrap_err().to_string());
        Ok(())
    });
    finished(
        &r,
        &[
            "first: done 1 pending 1",
            "exception: done err pending 1",
            "timeout: done 4 pending 1",
            "ValueError: Set of Tasks/Futures is empty.",
        ],
    );
}

#[test]
fn timeout_turns_its_cancel_into_timeout_error_and_leaves_others_cancels_alone() {
    let r = run_async(100.0, |log| async move {
        let e = asyncio::timeout(Some(0.1), |cm| async move {
            let r = sleep(10.0).await;
            assert!(cm.expired());
            r
        })
        .await
        .unwrap_err();
        log.add(format!("{e:?} cancelling {}", asyncio::current_task().unwrap().cancelling()));
        let quick = asyncio::timeout(Some(1.0), |_| async {
            sleep(0.05).await?;
            Ok(5)
        })
        .await?;
        log.add(format!("in time {quick}"));
        // Cancelled from outside as well while it expires: the CancelledError goes on.
        let inner = asyncio::create_task(async {
            asyncio::timeout(Some(0.1), |_| async {
                let _ = sleep(10.0).await;
                // The timeout's cancel arrived; another arrives before the block ends.
                asyncio::current_task().unwrap().cancel(None);
                sleep(0.0).await
            })
            .await
        });
        let e = (&inner).await.unwrap_err();
        log.add(format!("{} {}", is_cancelled_error(&e), inner.cancelled()));
        let outside = asyncio::timeout(None, |_| async { Ok(1) });
        log.add(format!("no delay {}", outside.await?));
        Ok(())
    });
    finished(&r, &["TimeoutError(\"\") cancelling 0", "in time 5", "true true", "no delay 1"]);
}
