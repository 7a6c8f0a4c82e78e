//! `multiprocessing.Pool` natively, on real worker processes: CPython's sizes, names,
//! states and errors; `map` in input order while the calls complete in another; never
//! more than `processes` calls at once; callbacks in the parent's result-handler thread;
//! a worker's exception raised again with its remote traceback; `AsyncResult`'s API.

use crate::mp_process::run_with;
use parlab::analysis::TraceView;
use parlab::multiprocessing::{cpu_count, current_process, pool, Pool};
use parlab::runtime::Run;
use parlab::threading;
use parlab::trace::{EndState, Kind, ObjKind, Op};
use parlab::PyResult;
use std::sync::{Arc, Mutex};

fn view(run: &Run) -> TraceView {
    run.with_traces(TraceView::from_traces)
}

/// The calls the workers ran, from their traces: (start, end, item index, pid).
fn calls(v: &TraceView) -> Vec<(f64, f64, u32, u32)> {
    let mut open = std::collections::HashMap::new();
    let mut out = vec![];
    for e in v.events.iter().filter(|e| e.op == Op::Task) {
        match e.kind {
            Kind::Signal => {
                open.insert((e.actor.pid, e.arg), v.t(e));
            }
            Kind::Ok => {
                if let Some(t0) = open.remove(&(e.actor.pid, e.arg)) {
                    out.push((t0, v.t(e), e.arg as u32, e.actor.pid));
                }
            }
            _ => {}
        }
    }
    out
}

/// The most calls running at one moment.
fn most_at_once(calls: &[(f64, f64, u32, u32)]) -> usize {
    let mut edges: Vec<(f64, i32)> = calls.iter().flat_map(|c| [(c.0, 1), (c.1, -1)]).collect();
    edges.sort_by(|a, b| a.partial_cmp(b).unwrap());
    edges
        .iter()
        .scan(0, |n, e| {
            *n += e.1;
            Some(*n)
        })
        .max()
        .unwrap_or(0) as usize
}

#[test]
fn sizes_names_states_and_cpythons_errors() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let mut notes = vec![];
        notes.push(Pool::new(Some(0)).err().map(|e| e.to_string()).unwrap_or_default());
        let p = Pool::new(None)?;
        notes.push(format!("default {}", p.processes() == cpu_count()));
        p.terminate()?;
        p.join()?;
        let p = Pool::new(Some(2))?;
        notes.push(p.workers().iter().map(|w| w.name().to_owned()).collect::<Vec<_>>().join(" "));
        notes.push(p.handlers().iter().map(|t| format!("{}/{}", t.name(), t.daemon())).collect::<Vec<_>>().join(" "));
        notes.push(format!("daemon workers {}", p.workers().iter().all(|w| w.daemon())));
        notes.push(p.join().unwrap_err().to_string());
        notes.push(p.to_string());
        let q = p.clone();
        p.with(|p| p.map::<_, i64>(&pool::SQUARE, &[1i64, 2, 3], None).map(|v| notes.push(format!("{v:?}"))))?;
        notes.push(q.to_string());
        notes.push(q.map::<_, i64>(&pool::SQUARE, &[1i64], None).unwrap_err().to_string());
        notes.push(q.apply::<_, i64>(&pool::SQUARE, &1i64).unwrap_err().to_string());
        // SIGTERM (-15), or 0 for a worker that got the task handler's sentinel first (as
        // in CPython, which joins the worker handler before it terminates the workers).
        let ended = q.workers().iter().all(|w| matches!(w.exitcode(), Some(-15) | Some(0)));
        notes.push(format!("ended {ended}"));
        // close, then join: the workers end by themselves.
        let c = Pool::new(Some(2))?;
        let r = c.map_async::<_, i64>(&pool::SQUARE, &[4i64, 5], None, None, None)?;
        c.close();
        notes.push(c.apply::<_, i64>(&pool::SQUARE, &1i64).unwrap_err().to_string());
        c.join()?;
        notes.push(format!("{:?} {:?}", r.get(None)?, c.workers().iter().map(|w| w.exitcode()).collect::<Vec<_>>()));
        *out.lock().unwrap() = notes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished), "{:?}", view(&run).stdout());
    assert_eq!(
        got,
        vec![
            "ValueError: Number of processes must be at least 1",
            "default true",
            // The first pool's workers were SpawnPoolWorker-1.. as the run numbers processes.
            &format!("SpawnPoolWorker-{} SpawnPoolWorker-{}", cpu_count() + 1, cpu_count() + 2),
            "Thread-4 (_handle_workers)/true Thread-5 (_handle_tasks)/true Thread-6 (_handle_results)/true",
            "daemon workers true",
            "ValueError: Pool is still running",
            "<multiprocessing.pool.Pool state=RUN pool_size=2>",
            "[1, 4, 9]",
            "<multiprocessing.pool.Pool state=TERMINATE pool_size=2>",
            "ValueError: Pool not running",
            "ValueError: Pool not running",
            "ended true",
            "ValueError: Pool not running",
            "[16, 25] [Some(0), Some(0)]",
        ]
    );
}

#[test]
fn map_keeps_input_order_while_calls_complete_in_another_never_more_than_processes() {
    // Item i sleeps less the later it comes: later items finish first.
    let (run, got) = run_with::<Vec<i64>>(|out| {
        let items: Vec<(i64, f64)> = (0..8).map(|i| (i, 0.02 * (8 - i) as f64)).collect();
        let values = Pool::new(Some(3))?.with(|p| p.map(&pool::NAP, &items, Some(1)))?;
        *out.lock().unwrap() = values;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(got, (0..8).collect::<Vec<i64>>());
    let v = view(&run);
    let mut c = calls(&v);
    assert_eq!(c.len(), 8, "every call in the workers' traces");
    assert!(most_at_once(&c) <= 3, "three workers: never more than three calls at once");
    c.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
    let completion: Vec<u32> = c.iter().map(|c| c.2).collect();
    assert_ne!(completion, (0..8).collect::<Vec<u32>>(), "the calls completed out of input order");
    assert!(c.iter().all(|c| c.3 != 1), "the calls ran in the worker processes");
}

#[test]
fn chunksize_is_cpythons_and_tasks_cross_as_messages() {
    let (run, _) = run_with::<()>(|_| {
        let p = Pool::new(Some(2))?;
        // CPython: divmod(100, 2 * 4) = (12, 4), so chunks of 13: 8 tasks.
        let v: Vec<i64> = p.map(&pool::SQUARE, &(0..100i64).collect::<Vec<_>>(), None)?;
        assert_eq!(v, (0..100i64).map(|x| x * x).collect::<Vec<_>>());
        p.close();
        p.join()
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let v = view(&run);
    let inq = v.find_obj(ObjKind::SimpleQueue, "inqueue").expect("the inqueue");
    let puts = v.events.iter().filter(|e| e.kind == Kind::Signal && e.op == Op::Put && e.obj == inq).count();
    // 8 tasks and a sentinel per worker.
    assert_eq!(puts, 8 + 2);
    let gets = v.events.iter().filter(|e| e.kind == Kind::Ok && e.op == Op::Get && e.obj == inq && e.actor.pid != 1);
    assert_eq!(gets.count(), 10, "the workers got every task and sentinel");
    assert_eq!(calls(&v).len(), 100);
}

#[test]
fn callbacks_run_in_the_parents_result_handler() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let notes = Arc::new(Mutex::new(vec![]));
        let p = Pool::new(Some(2))?;
        let n = notes.clone();
        let ok = p.map_async::<_, i64>(
            &pool::SQUARE,
            &[1i64, 2, 3],
            None,
            Some(Box::new(move |v| {
                let here = format!("{}/{}", current_process()?.name, threading::current_thread().name());
                n.lock().unwrap().push(format!("callback {v:?} in {here}"));
                Ok(())
            })),
            None,
        )?;
        let n = notes.clone();
        let bad = p.apply_async::<_, i64>(
            &pool::FAIL_ON,
            &(2i64, 2i64),
            Some(Box::new(|_| panic!("no callback after an exception"))),
            Some(Box::new(move |e| {
                let here = threading::current_thread().name().to_owned();
                n.lock().unwrap().push(format!("error_callback {e} in {here}"));
                Ok(())
            })),
        )?;
        ok.wait(None)?;
        bad.wait(None)?;
        let mut notes = notes.lock().unwrap().clone();
        notes.sort();
        notes.push(format!("{} {}", ok.successful()?, bad.successful()?));
        notes.push(bad.get(None).unwrap_err().to_string());
        notes.push(bad.remote_traceback().unwrap_or_default());
        p.terminate()?;
        *out.lock().unwrap() = notes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    let tb = "\n\"\"\"\nTraceback (most recent call last):\n  File \"/usr/lib/python3.11/multiprocessing/pool.py\", line 125, in worker\n    result = (True, func(*args, **kwds))\n                    ^^^^^^^^^^^^^^^^^^^\n  File \"lesson.py\", in fail_on\nValueError: bad 2\n\"\"\"";
    assert_eq!(
        got,
        vec![
            "callback [1, 4, 9] in MainProcess/Thread-3 (_handle_results)",
            "error_callback ValueError: bad 2 in Thread-3 (_handle_results)",
            "true false",
            "ValueError: bad 2",
            tb,
        ]
    );
    let v = view(&run);
    let cbs: Vec<_> =
        v.ops(Kind::Signal, Op::Callback).map(|e| (e.actor.pid, v.thread_name(e.actor).to_owned())).collect();
    assert_eq!(cbs.len(), 2);
    assert!(cbs.iter().all(|(pid, t)| *pid == 1 && t == "Thread-3 (_handle_results)"), "{cbs:?}");
}

#[test]
fn a_workers_exception_comes_back_with_its_remote_traceback() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let p = Pool::new(Some(2))?;
        let items: Vec<(i64, i64)> = (0..6).map(|i| (i, 3)).collect();
        let r = p.map_async::<_, i64>(&pool::FAIL_ON, &items, Some(2), None, None)?;
        let e = r.get(None).unwrap_err();
        let tb = r.remote_traceback().unwrap_or_default();
        let star = p.starmap_async::<_, i64>(&pool::FAIL_ON, &[(1i64, 1i64)], None, None, None)?;
        let e2 = star.get(None).unwrap_err();
        let tb2 = star.remote_traceback().unwrap_or_default();
        p.terminate()?;
        *out.lock().unwrap() = vec![
            e.to_string(),
            tb.contains("line 48, in mapstar\n    return list(map(*args))\n").to_string(),
            tb.ends_with("  File \"lesson.py\", in fail_on\nValueError: bad 3\n\"\"\"").to_string(),
            e2.to_string(),
            tb2.contains("line 51, in starmapstar\n    return list(itertools.starmap(args[0], args[1]))\n").to_string(),
        ];
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(got, vec!["ValueError: bad 3", "true", "true", "ValueError: bad 1", "true"]);
}

#[test]
fn async_result_get_timeout_ready_successful_wait() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let p = Pool::new(Some(1))?;
        let slow = p.apply_async::<_, i64>(&pool::NAP, &(7i64, 0.5), None, None)?;
        let mut notes = vec![slow.get(Some(0.02)).unwrap_err().to_string()];
        notes.push(format!("ready {}", slow.ready()));
        let e = slow.successful().unwrap_err().to_string();
        notes.push(format!(
            "{} {}",
            e.starts_with("ValueError: <multiprocessing.pool.ApplyResult object at 0x"),
            e.ends_with("> not ready")
        ));
        slow.wait(Some(0.01))?;
        notes.push(format!("ready {}", slow.ready()));
        notes.push(format!("{}", slow.get(Some(30.0))?));
        notes.push(format!("ready {} successful {}", slow.ready(), slow.successful()?));
        slow.wait(None)?;
        // A function that returns nothing gives None.
        let nones: Vec<()> = p.map(&pool::NOTHING, &[1i64, 2, 3], None)?;
        notes.push(format!("{}", nones.len()));
        let empty: Vec<i64> = p.map(&pool::SQUARE, &[] as &[i64], None)?;
        notes.push(format!("{empty:?}"));
        p.terminate()?;
        *out.lock().unwrap() = notes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(
        got,
        vec![
            "multiprocessing.context.TimeoutError",
            "ready false",
            "true true",
            "ready false",
            "7",
            "ready true successful true",
            "3",
            "[]"
        ]
    );
}

#[test]
fn starmap_imap_and_imap_unordered() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let p = Pool::new(Some(3))?;
        let mut notes = vec![];
        let sums: Vec<i64> = p.starmap(&pool::ADD, &[(1i64, 2i64), (3, 4), (5, 6)], None)?;
        notes.push(format!("{sums:?}"));
        let items: Vec<(i64, f64)> = (0..6).map(|i| (i, 0.02 * (6 - i) as f64)).collect();
        let ordered: Vec<i64> = p.imap(&pool::NAP, &items, 1)?.collect::<PyResult<_>>()?;
        notes.push(format!("{ordered:?}"));
        let arrived: Vec<i64> = p.imap_unordered(&pool::NAP, &items, 1)?.collect::<PyResult<_>>()?;
        let mut sorted = arrived.clone();
        sorted.sort();
        notes.push(format!("{sorted:?} {}", arrived != sorted));
        let chunked: Vec<i64> = p.imap(&pool::SQUARE, &(0..10i64).collect::<Vec<_>>(), 3)?.collect::<PyResult<_>>()?;
        notes.push(format!("{chunked:?}"));
        let mut it = p.imap::<_, i64>(&pool::NAP, &[(1i64, 0.5)], 1)?;
        notes.push(it.next_timeout(Some(0.01)).unwrap_err().to_string());
        notes.push(format!("{:?}", it.next_timeout(Some(30.0))?));
        notes.push(format!("{:?}", it.next_timeout(None)?));
        notes.push(p.imap::<_, i64>(&pool::SQUARE, &[1i64], 0).err().map(|e| e.to_string()).unwrap_or_default());
        let with_error: Vec<String> = p
            .imap::<_, i64>(&pool::FAIL_ON, &[(0i64, 1i64), (1, 1), (2, 1)], 1)?
            .map(|r| r.map_or_else(|e| e.to_string(), |v| v.to_string()))
            .collect();
        notes.push(with_error.join(" "));
        p.terminate()?;
        *out.lock().unwrap() = notes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(
        got,
        vec![
            "[3, 7, 11]",
            "[0, 1, 2, 3, 4, 5]",
            "[0, 1, 2, 3, 4, 5] true",
            "[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]",
            "multiprocessing.context.TimeoutError",
            "Some(1)",
            "None",
            "ValueError: Chunksize must be 1+, not 0",
            "0 ValueError: bad 1 2",
        ]
    );
}

#[test]
fn who_ran_it_a_worker_process() {
    let (run, got) = run_with::<Vec<String>>(|out| {
        let p = Pool::new(Some(2))?;
        let who: Vec<(String, i64)> = p.map(&pool::WHO, &(0..20i64).collect::<Vec<_>>(), Some(1))?;
        p.close();
        p.join()?;
        *out.lock().unwrap() = who.into_iter().map(|(n, _)| n).collect();
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert!(got.iter().all(|n| n == "SpawnPoolWorker-1" || n == "SpawnPoolWorker-2"), "{got:?}");
}
