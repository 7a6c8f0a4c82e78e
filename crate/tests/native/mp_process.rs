//! `multiprocessing.Process` natively: real OS processes of the same program (the
//! command-line runner), with memories of their own and CPython's exit codes.

use parlab::multiprocessing::{probes, Process};
use parlab::runtime::process::native::set_child_exe;
use parlab::runtime::{native, RunConfig};
use parlab::trace::{EndState, Kind};
use parlab::{PyErr, PyResult};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

/// Children are started from the runner, which is built from this crate.
pub fn children_from_the_runner() {
    set_child_exe(env!("CARGO_BIN_EXE_parlab"));
}

/// Runs `main` natively with processes; returns the run and what `main` left in `out`.
pub fn run_with<T: Send + 'static + Default + Clone>(
    main: impl FnOnce(&Mutex<T>) -> PyResult<()> + Send + 'static,
) -> (Arc<parlab::runtime::Run>, T) {
    children_from_the_runner();
    let out = Arc::new(Mutex::new(T::default()));
    let o = out.clone();
    let run = native::run(RunConfig::default(), move || main(&o));
    let v = out.lock().unwrap().clone();
    (run, v)
}

#[test]
fn exit_codes_are_cpythons() {
    let (run, codes) = run_with::<Vec<Option<i32>>>(|out| {
        let ok = Process::new(&probes::NOTHING, &())?;
        let exits = Process::new(&probes::EXIT_WITH, &3)?;
        let raises = Process::new(&probes::RAISE, &"boom".to_string())?;
        let sleeper = Process::new(&probes::SLEEP, &30.0)?;
        let killed = Process::new(&probes::SLEEP, &30.0)?;
        let all = [&ok, &exits, &raises, &sleeper, &killed];
        let mut codes = vec![ok.exitcode()];
        for p in all {
            p.start()?;
        }
        sleeper.terminate()?;
        killed.kill()?;
        for p in all {
            p.join(Some(20.0))?;
            codes.push(p.exitcode());
        }
        *out.lock().unwrap() = codes;
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(codes, vec![None, Some(0), Some(3), Some(1), Some(-15), Some(-9)]);
}

#[test]
fn a_childs_global_is_its_own() {
    let (run, seen) = run_with::<Vec<i64>>(|out| {
        probes::GLOBAL.store(0, Ordering::SeqCst);
        let p = Process::new(&probes::BUMP_GLOBAL, &41i64)?;
        p.start()?;
        p.join(None)?;
        out.lock().unwrap().extend([p.exitcode().unwrap_or(-1) as i64, probes::GLOBAL.load(Ordering::SeqCst)]);
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(seen, vec![0, 0], "the child exited cleanly and the parent's global is untouched");
    let starts = run.trace.snapshot().iter().filter(|e| e.kind == Kind::ProcStart).count();
    assert_eq!(starts, 1, "the parent's trace records the start");
}

#[test]
fn active_children_lists_the_running_ones_in_start_order() {
    let (run, seen) = run_with::<Vec<Vec<(String, bool)>>>(|out| {
        let quick = Process::named("quick", &probes::NOTHING, &())?;
        let slow = Process::named("slow", &probes::SLEEP, &30.0)?;
        let none_yet = parlab::multiprocessing::active_children()?;
        quick.start()?;
        slow.start()?;
        quick.join(None)?;
        let listed = |ps: Vec<parlab::multiprocessing::ProcessInfo>| {
            ps.into_iter().map(|p| (p.name, p.pid == slow.pid().unwrap_or(0))).collect::<Vec<_>>()
        };
        let during = listed(parlab::multiprocessing::active_children()?);
        slow.terminate()?;
        slow.join(None)?;
        let after = listed(parlab::multiprocessing::active_children()?);
        out.lock().unwrap().extend([listed(none_yet), during, after]);
        Ok(())
    });
    assert_eq!(run.end_state(), Some(EndState::Finished));
    assert_eq!(
        seen,
        vec![vec![], vec![("slow".to_owned(), true)], vec![]],
        "only the running child, by its name and pid"
    );
}

#[test]
fn process_api_errors_are_cpythons() {
    let (_, errs) = run_with::<Vec<String>>(|out| {
        let p = Process::new(&probes::NOTHING, &())?;
        let mut errs = vec![p.join(None).unwrap_err().to_string()];
        p.start()?;
        errs.push(p.start().unwrap_err().to_string());
        p.join(None)?;
        p.close()?;
        errs.push(p.is_alive().unwrap_err().to_string());
        *out.lock().unwrap() = errs;
        Ok(())
    });
    assert_eq!(
        errs,
        vec![
            "AssertionError: can only join a started process",
            "AssertionError: cannot start a process twice",
            "ValueError: process object is closed"
        ]
    );
}

#[test]
fn stop_ends_every_process_of_a_run() {
    children_from_the_runner();
    let run = native::start(RunConfig::default(), || {
        let ps: Vec<Process> = (0..3).map(|_| Process::new(&probes::SLEEP, &60.0)).collect::<PyResult<_>>()?;
        for p in &ps {
            p.start()?;
        }
        for p in &ps {
            p.join(None)?;
        }
        Err(PyErr::runtime("the children should have been stopped first"))
    });
    // Wait (bounded) until the three children run, then Stop.
    let t0 = std::time::Instant::now();
    while run.trace.snapshot().iter().filter(|e| e.kind == Kind::ProcStart).count() < 3 {
        assert!(t0.elapsed().as_secs() < 20, "three children start");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let stop = std::time::Instant::now();
    run.stop();
    native::wait(&run);
    assert!(stop.elapsed().as_millis() < 1000, "stopped within a second, took {:?}", stop.elapsed());
    assert_eq!(run.end_state(), Some(EndState::Stopped));
    let ends = run.trace.snapshot().iter().filter(|e| e.kind == Kind::ProcEnd).count();
    assert_eq!(ends, 3, "every child's end is recorded: none is left running");
}

/// Whether `pid` is still a process started by this one (running, or not yet reaped).
fn still_our_child(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // pid (comm) state ppid ...: the comm may hold spaces, so split after ')'.
    let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
    ppid == Some(std::process::id())
}

/// The run segments this process maps now, and its descriptors of them. Other tests of
/// this binary may hold a few at any moment; a leak would hold one per run.
fn segments_held() -> (usize, usize) {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    let mapped = maps.lines().filter(|l| l.contains("parlab-shm")).count();
    let fds = std::fs::read_dir("/proc/self/fd")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| std::fs::read_link(e.path()).is_ok_and(|t| t.to_string_lossy().contains("parlab-shm")))
        .count();
    (mapped, fds)
}

#[test]
fn a_hundred_runs_leave_no_process_and_no_shared_memory_behind() {
    children_from_the_runner();
    let one_run = || {
        let (run, pids) = run_with::<Vec<u32>>(|out| {
            let ps: Vec<Process> = (0..2).map(|_| Process::new(&probes::NOTHING, &())).collect::<PyResult<_>>()?;
            for p in &ps {
                p.start()?;
            }
            ps.iter().try_for_each(|p| p.join(None))?;
            *out.lock().unwrap() = ps.iter().filter_map(|p| p.pid()).collect();
            Ok(())
        });
        assert_eq!(run.end_state(), Some(EndState::Finished));
        assert_eq!(pids.len(), 2);
        for pid in pids {
            assert!(!still_our_child(pid), "process {pid} outlived its run");
        }
    };
    for _ in 0..5 {
        one_run();
    }
    let (maps, fds) = segments_held();
    for _ in 0..100 {
        one_run();
    }
    let (maps_after, fds_after) = segments_held();
    assert!(maps_after <= maps + 8, "run segments mapped went from {maps} to {maps_after} over 100 runs");
    assert!(fds_after <= fds + 8, "descriptors of run segments went from {fds} to {fds_after} over 100 runs");
}

#[test]
fn a_deadlock_across_processes_is_reported() {
    // MainProcess joins a child that waits for an event nobody sets: neither process is
    // deadlocked alone, the run is.
    let (run, _) = run_with::<()>(|_| {
        let p = Process::new(&probes::HANG, &())?;
        p.start()?;
        p.join(None)
    });
    assert_eq!(run.end_state(), Some(EndState::Deadlocked));
    let edges = run.trace.snapshot().iter().filter(|e| e.kind == Kind::WaitEdge).count();
    assert_eq!(edges, 1, "MainProcess's part: its MainThread waits on the child");
}
