//! The machine's reference: the sum that `divide-and-conquer` splits over processes and
//! threads, computed on rayon's work-stealing pool instead, so that a learner sees what
//! this machine's cores give when nobody pays for a process, a queue or a Python-like
//! thread. Natively the pool is rayon's default one (a thread per core); in the browser it
//! is wasm-bindgen-rayon's workers on the page's memory, which the page starts with
//! `runtime::browser::init_rayon` (the pool's `init_pool` does).
//!
//! The loop is the bench's (`bench/src/lib.rs` `sum_range`): one scalar add per number of a
//! value LLVM must treat as unknown, so that no build turns a range into its formula.

use crate::error::PyErr;
use crate::text::Msg;
use rayon::prelude::*;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};

/// Numbers summed between two looks at whether the run stopped: some 50 µs of adds, so
/// Stop reaches a long sum at once and the look costs nothing beside the adds.
const BLOCK: u64 = 1 << 16;

/// Why [`rayon_sum`] did not sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RayonError {
    /// No rayon pool in this memory. In the browser rayon's workers exist only once
    /// `init_rayon` has completed, and only in the page's memory: a child process (a wasm
    /// instance with a memory of its own) has none. Natively this never happens.
    NoPool,
    /// The run stopped while the sum ran (Stop, a deadlock or a failure elsewhere).
    Interrupted,
}

impl RayonError {
    /// What a learner reads about it, in both languages.
    pub fn msg(self) -> Msg {
        match self {
            RayonError::NoPool => Msg::new(
                "пул rayon здесь не запущен: его рабочие потоки есть только у главного процесса страницы, \
                 после того как страница их запустила",
                "rayon's pool is not running here: its workers belong to the page's main process, \
                 once the page has started them",
            ),
            RayonError::Interrupted => {
                Msg::new("запуск остановлен во время суммы на rayon", "the run stopped during the sum on rayon")
            }
        }
    }
}

impl std::fmt::Display for RayonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg().en)
    }
}

impl std::error::Error for RayonError {}

/// A lesson propagates it with `?`: a stopped run unwinds as every other wait does; a
/// missing pool is a `RuntimeError` with the message above.
impl From<RayonError> for PyErr {
    fn from(e: RayonError) -> PyErr {
        match e {
            RayonError::Interrupted => PyErr::Interrupted,
            RayonError::NoPool => PyErr::RuntimeError(e.msg().en),
        }
    }
}

/// Sums every number of every inclusive range `(from, to)` on rayon's global pool (an empty
/// range, `from > to`, adds nothing; the total wraps like the bench's), and returns the
/// total with the seconds it took on the run's clock ([`crate::runtime::monotonic`], which
/// a lesson's `time.perf_counter()` reads too: lesson seconds inside a run, real ones
/// outside). Each range is cut into blocks that rayon's workers steal from each other.
///
/// Called from a lesson thread, it blocks that thread until the pool has summed (under the
/// GIL policy it keeps the GIL meanwhile, as a C extension that does not release it would;
/// under the controlled policy the run's clock is virtual and the seconds are 0); the
/// pool's workers look at the run between blocks, so a stopped run ends the sum with
/// [`RayonError::Interrupted`]. Where there is no pool it returns [`RayonError::NoPool`] at
/// once rather than waiting for workers that will never come: in the browser, rayon's pool
/// is known to be up by a flag in this memory that `init_rayon` sets once
/// wasm-bindgen-rayon's workers run. (Rayon itself cannot be asked: without a pool its
/// first use builds a one-thread pool on the caller, and a later start of the real one then
/// fails.)
///
/// ```
/// let (sum, secs) = parlab::reference::rayon_sum(&[(1, 50), (51, 100)]).unwrap();
/// assert_eq!(sum, 5050);
/// assert!(secs >= 0.0);
/// ```
pub fn rayon_sum(ranges: &[(u64, u64)]) -> Result<(u64, f64), RayonError> {
    if !pool_ready() {
        return Err(RayonError::NoPool);
    }
    let run = crate::runtime::with_current(|c| c.run.clone());
    let stopped = AtomicBool::new(false);
    // rayon's workers are not the run's threads: they read its own stop flag only (in the
    // browser they have no view of the run's shared memory, which `interrupted` may read).
    let go_on = || {
        let gone = stopped.load(Ordering::Relaxed) || run.as_ref().is_some_and(|run| run.stopping_here());
        if gone {
            stopped.store(true, Ordering::Relaxed);
        }
        !gone
    };
    let start = crate::hooks::monotonic();
    let total = ranges
        .par_iter()
        .map(|&(from, to)| {
            let blocks = if from > to { 0 } else { (to - from) / BLOCK + 1 };
            (0..blocks)
                .into_par_iter()
                .map(|k| {
                    let lo = from + k * BLOCK;
                    if go_on() {
                        sum_range(lo, to.min(lo.saturating_add(BLOCK - 1)))
                    } else {
                        0
                    }
                })
                .reduce(|| 0, u64::wrapping_add)
        })
        .reduce(|| 0, u64::wrapping_add);
    let secs = crate::hooks::monotonic() - start;
    if stopped.load(Ordering::Relaxed) {
        return Err(RayonError::Interrupted);
    }
    Ok((total, secs))
}

/// Whether rayon's global pool can take work here without building one on the caller.
fn pool_ready() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        crate::runtime::browser::rayon_ready()
    }
    // Natively rayon starts its default pool (a thread per core) on first use.
    #[cfg(not(target_arch = "wasm32"))]
    {
        true
    }
}

/// `from..=to` summed one add at a time (the bench's loop).
#[inline(never)]
fn sum_range(from: u64, to: u64) -> u64 {
    let mut s = 0u64;
    for i in from..=to {
        s = s.wrapping_add(black_box(i));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sum_on_rayon_is_exact() {
        let n: u64 = 10_000_000;
        let k = 7;
        let ranges: Vec<(u64, u64)> = (0..k).map(|i| (n * i / k + 1, n * (i + 1) / k)).collect();
        let (sum, secs) = rayon_sum(&ranges).expect("natively rayon's pool is always there");
        assert_eq!(sum, n * (n + 1) / 2);
        assert!(secs > 0.0 && secs < 60.0, "{secs} s for 10^7 adds");
    }

    #[test]
    fn empty_and_edge_ranges_add_what_they_hold() {
        assert_eq!(rayon_sum(&[]).unwrap().0, 0);
        assert_eq!(rayon_sum(&[(5, 4)]).unwrap().0, 0, "from > to is empty");
        assert_eq!(rayon_sum(&[(7, 7)]).unwrap().0, 7);
        // A range ending at the top of u64 must not overflow its blocks' bounds.
        assert_eq!(rayon_sum(&[(u64::MAX, u64::MAX)]).unwrap().0, u64::MAX);
        // Blocks meet without a gap or an overlap.
        let (a, b) = (3, 3 * BLOCK + 17);
        assert_eq!(rayon_sum(&[(a, b)]).unwrap().0, (a..=b).sum::<u64>());
    }

    #[test]
    fn a_stopped_run_interrupts_the_sum() {
        let outcome = std::sync::Arc::new(std::sync::Mutex::new(None));
        let seen = outcome.clone();
        crate::runtime::native::run(crate::runtime::RunConfig::default(), move || {
            crate::runtime::current().expect("a lesson thread").run.stop();
            *seen.lock().unwrap() = Some(rayon_sum(&[(1, 1 << 20)]));
            Ok(())
        });
        assert_eq!(*outcome.lock().unwrap(), Some(Err(RayonError::Interrupted)));
    }

    #[test]
    fn a_measure_reaches_the_view_last_value_winning() {
        let run = crate::runtime::native::run(crate::runtime::RunConfig::default(), || {
            let (sum, secs) = rayon_sum(&[(1, 1000)])?;
            crate::runtime::measure("rayon_sum", sum as f64);
            crate::runtime::measure("rayon_seconds", -1.0);
            crate::runtime::print("between")?;
            crate::runtime::measure("rayon_seconds", secs);
            Ok(())
        });
        let view = crate::analysis::TraceView::from_trace(&run.trace);
        assert_eq!(view.measures.get("rayon_sum"), Some(&500_500.0));
        let secs = view.measures.get("rayon_seconds").copied();
        assert!(secs.is_some_and(|s| s >= 0.0), "the last value wins: {secs:?}");
        assert_eq!(view.stdout(), ["between"], "a measure prints nothing");
    }
}
