//! The program: what runs when the learner presses Run (the listing, in Rust). Each phase
//! is timed on the run's clock as the listing times it with `perf_counter`; rayon's sum of
//! the same chunks is recorded as a measure (CPython has no rayon, so it is not printed).

use crate::error::PyResult;
use crate::lessons::Params;
use crate::multiprocessing::{cpu_count, Process, Queue, Target};
use crate::py_print;
use crate::runtime::{self, monotonic};
use crate::threading::Thread;
use std::hint::black_box;
use std::sync::{Arc, Mutex};

/// Numbers summed between two looks of the GIL (CPython's eval breaker is checked at
/// every backward jump; a look per number would cost more than the sum).
const SLICE: u64 = 1 << 16;

/// `sum(range(a, b + 1))`, one number at a time: `black_box` keeps LLVM from turning the
/// loop into `n(n+1)/2`, which would make every time nothing.
pub(super) fn chunk_sum(a: u64, b: u64) -> PyResult<u64> {
    let mut s = 0u64;
    let mut i = a;
    while i <= b {
        let end = b.min(i.saturating_add(SLICE - 1));
        for x in i..=end {
            s = s.wrapping_add(black_box(x));
        }
        runtime::checkpoint()?;
        if end == u64::MAX {
            break;
        }
        i = end + 1;
    }
    Ok(s)
}

/// `in_process(a, b, results)`, in a child.
pub(super) static IN_PROCESS: Target = crate::target!(in_process);

fn in_process((a, b, results): (u64, u64, Queue)) -> PyResult<()> {
    results.put(&chunk_sum(a, b)?, true, None)
}

/// The listing's `report` line.
fn report(what: &str, total: u64, n: u64, seconds: f64, sequential: Option<f64>, cores: usize) -> PyResult<()> {
    let exact = if total as u128 == n as u128 * (n as u128 + 1) / 2 { "True" } else { "False" };
    let mut line = format!("main: {what}: sum {total}, exact {exact}, {seconds:.2} s");
    if let Some(seq) = sequential {
        let speedup = seq / seconds;
        line += &format!(", speed-up {speedup:.2}, efficiency {:.2}", speedup / cores as f64);
    }
    crate::runtime::measure(&format!("{what}_s"), seconds);
    py_print!("{line}")
}

/// `[(a, b), ...]` as Python prints a list of tuples.
fn py_chunks(chunks: &[(u64, u64)]) -> String {
    let items: Vec<String> = chunks.iter().map(|(a, b)| format!("({a}, {b})")).collect();
    format!("[{}]", items.join(", "))
}

pub(super) fn run(p: &Params) -> PyResult<()> {
    let (n, k) = (p.int("n") as u64, p.int("k") as u64);
    let cores = cpu_count();
    let chunks: Vec<(u64, u64)> = (0..k).map(|i| (n * i / k + 1, n * (i + 1) / k)).collect();
    let expected = n as u128 * (n as u128 + 1) / 2;
    py_print!("main: N = {n}, K = {k}, cores {cores}, expected {expected}")?;
    if k <= 8 {
        py_print!("main: chunks {}", py_chunks(&chunks))?;
    }

    let start = monotonic();
    let total = chunk_sum(1, n)?;
    let sequential = monotonic() - start;
    report("sequential", total, n, sequential, None, cores)?;

    let start = monotonic();
    let results = Queue::named("results", 0)?;
    let processes: Vec<Process> = chunks
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| Process::named(&format!("proc-{i}"), &IN_PROCESS, &(a, b, results.clone())))
        .collect::<PyResult<_>>()?;
    for pr in &processes {
        pr.start()?;
    }
    let mut total = 0u64;
    for _ in &processes {
        total = total.wrapping_add(results.get::<u64>(true, None)?);
    }
    for pr in &processes {
        pr.join(None)?;
    }
    report("processes", total, n, monotonic() - start, Some(sequential), cores)?;

    let start = monotonic();
    let totals = Arc::new(Mutex::new(vec![0u64; k as usize]));
    let threads: Vec<Thread> = chunks
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| {
            let totals = totals.clone();
            Thread::named(&format!("thread-{i}"), "in_thread", move || {
                let s = chunk_sum(a, b)?;
                totals.lock().unwrap()[i] = s;
                Ok(())
            })
        })
        .collect();
    for t in &threads {
        t.start()?;
    }
    for t in &threads {
        t.join(None)?;
    }
    let total = totals.lock().unwrap().iter().fold(0u64, |a, b| a.wrapping_add(*b));
    report("threads", total, n, monotonic() - start, Some(sequential), cores)?;

    // The machine's reference, beside the listing: the same chunks on rayon's pool.
    match crate::reference::rayon_sum(&chunks) {
        Ok((sum, secs)) => {
            runtime::measure("rayon_s", secs);
            runtime::measure("rayon_exact", (sum as u128 == expected) as u8 as f64);
        }
        Err(crate::reference::RayonError::Interrupted) => return Err(crate::error::PyErr::Interrupted),
        Err(_) => runtime::measure("rayon_unavailable", 1.0),
    }
    Ok(())
}
