//! The native side of the bench: lesson threads on OS threads. Prints one JSON object
//! (row key -> samples) on stdout; progress goes to stderr.
//!
//! `parlab-bench [--smoke] [--runs N] [--only ROW_KEY_PREFIX]`

use parlab::runtime::{native, Run, RunConfig};
use parlab::trace::EndState;
use parlab_bench::{block_on, suite, Platform, Program, Sizes};
use std::sync::Arc;

struct Native;

impl Platform for Native {
    async fn run(&self, cfg: RunConfig, main: Program) -> Result<Arc<Run>, String> {
        let run = native::run(cfg, main);
        match run.end_state() {
            Some(EndState::Finished) => Ok(run),
            other => Err(format!("run ended {other:?}: {}", run_error(&run))),
        }
    }

    fn cores(&self) -> u32 {
        std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
    }

    fn progress(&self, line: &str) {
        eprintln!("    native: {line}");
    }

    /// The same loop on std threads, no Parlab: if this does not speed up either, the
    /// machine (other load) is the limit, not the runtime.
    fn plain_sum_ms(&self, n: u64, k: u32) -> Option<f64> {
        let k = k as u64;
        let t0 = std::time::Instant::now();
        let total: u64 = std::thread::scope(|sc| {
            let hs: Vec<_> =
                (0..k).map(|i| sc.spawn(move || parlab_bench::sum_range(1 + n * i / k, n * (i + 1) / k))).collect();
            hs.into_iter().map(|h| h.join().unwrap()).fold(0, u64::wrapping_add)
        });
        assert_eq!(total, n * (n + 1) / 2);
        Some(t0.elapsed().as_secs_f64() * 1e3)
    }
}

/// The last lines printed to stderr by the run (tracebacks), for the error message.
fn run_error(run: &Run) -> String {
    let trace = &run.trace;
    trace
        .snapshot()
        .iter()
        .filter(|e| e.is_stderr() || e.kind == parlab::trace::Kind::RunEnd)
        .map(|e| trace.text(e.str_arg()))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn main() {
    // The bench starts processes of its own: a start of it as a child runs that child.
    parlab::runtime::process::native::child_main();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut sizes = if args.iter().any(|a| a == "--smoke") { Sizes::smoke() } else { Sizes::full() };
    if let Some(i) = args.iter().position(|a| a == "--runs") {
        sizes.runs = args.get(i + 1).and_then(|v| v.parse().ok()).expect("--runs N");
    }
    if let Some(i) = args.iter().position(|a| a == "--only") {
        sizes.only = Some(args.get(i + 1).expect("--only ROW_KEY_PREFIX").clone());
    }
    let out = block_on(suite(&Native, &sizes, true));
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
