//! The browser side of the bench: lesson threads on the pooled Web Workers of
//! `parlab::runtime::browser`. `bench/web/driver.js` (a dedicated worker, so that nothing
//! here runs on the page's thread) calls [`bench_browser`] and posts the JSON back to the
//! page, where `bench/run-browser.mjs` reads it.

use crate::{procs, suite, threads_ms, Platform, Program, Sizes};
use parlab::runtime::{browser, Run, RunConfig};
use parlab::trace::EndState;
use serde::Deserialize;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

struct Browser;

async fn sleep_ms(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let g: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let _ = g.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// Posts `{ log }` to the page (a worker's console is not the page's).
fn post_log(line: &str) {
    let g = js_sys::global();
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"log".into(), &line.into());
    if let Ok(f) = js_sys::Reflect::get(&g, &"postMessage".into()).and_then(|f| f.dyn_into::<js_sys::Function>()) {
        let _ = f.call1(&g, &msg);
    }
}

impl Platform for Browser {
    async fn run(&self, cfg: RunConfig, main: Program) -> Result<Arc<Run>, String> {
        let run = browser::start(&cfg, main);
        let t0 = parlab::clock::now_ns();
        // Await the run the way the page does: never block this worker (it creates the
        // pool's workers on demand), tick the watchdog once a frame. (Every 2 ms, as this
        // once did, the ticks took a share of a core from the measured threads, which the
        // parallel sum on 2 cores showed.)
        while !run.is_done() {
            browser::tick(&run);
            if parlab::clock::now_ns() - t0 > 120_000_000_000 {
                run.stop();
            }
            sleep_ms(16).await;
        }
        match run.end_state() {
            Some(EndState::Finished) => Ok(run),
            other => {
                let trace = &run.trace;
                let why: Vec<String> = trace
                    .snapshot()
                    .iter()
                    .filter(|e| e.is_stderr() || e.kind == parlab::trace::Kind::RunEnd)
                    .map(|e| trace.text(e.str_arg()))
                    .filter(|s| !s.is_empty())
                    .collect();
                Err(format!("run ended {other:?}: {}", why.join(" | ")))
            }
        }
    }

    fn cores(&self) -> u32 {
        browser::cores()
    }

    fn progress(&self, line: &str) {
        post_log(&format!("browser: {line}"));
    }

    async fn settle(&self) {
        sleep_ms(300).await;
    }

    /// Boots spare instances of the module (each a process's memory and first workers)
    /// and waits until `n` are ready, then [`settle`](Platform::settle)s: an instance
    /// counts as ready once its first worker has booted, while the worker for its
    /// `MainThread` (and a replacement for the spare the last sample used) may still be
    /// booting, on the cores the sample needs. So a warm sample meets a page whose spares
    /// booted at load, long before the learner presses Run.
    async fn prepare_processes(&self, n: u32) -> Result<(), String> {
        browser::prepare_processes(n).await.map_err(|e| e.to_string())?;
        self.settle().await;
        Ok(())
    }
}

// ---------------------------------------------------------------- clock probes (wasm only)

#[wasm_bindgen]
extern "C" {
    /// `performance.now()` called as a plain import, without the `Performance` object
    /// that `parlab::clock` looks up in a thread-local and passes through the externref
    /// table on every call.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

#[wasm_bindgen(inline_js = "export const perf_now_bound = Function.prototype.call.bind(Performance.prototype.now);")]
extern "C" {
    /// `performance.now` as `Function.prototype.call.bind(Performance.prototype.now)`:
    /// the shape V8 recognizes to call a Web API from wasm without a JS frame.
    fn perf_now_bound(perf: &JsValue) -> f64;
}

#[inline(never)]
fn bound_calls(perf: &JsValue, n: u64) -> f64 {
    let mut acc = 0.0;
    for _ in 0..n {
        acc += perf_now_bound(perf);
    }
    acc
}

/// ns per bound `Performance.prototype.now` call.
fn clock_bound_ns(n: u64) -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    let t0 = parlab::clock::now_ns();
    std::hint::black_box(bound_calls(&perf, n));
    (parlab::clock::now_ns() - t0) as f64 / n as f64
}

#[inline(never)]
fn direct_calls(n: u64) -> f64 {
    let mut acc = 0.0;
    for _ in 0..n {
        acc += performance_now();
    }
    acc
}

/// ns per direct `performance.now()` import call.
fn clock_direct_ns(n: u64) -> f64 {
    let t0 = parlab::clock::now_ns();
    std::hint::black_box(direct_calls(n));
    (parlab::clock::now_ns() - t0) as f64 / n as f64
}

/// The smallest step `performance.now()` takes here, in µs.
fn clock_step_us() -> f64 {
    let mut steps = Vec::new();
    let mut last = performance_now();
    while steps.len() < 200 {
        let t = performance_now();
        if t != last {
            steps.push(t - last);
            last = t;
        }
    }
    steps.sort_by(f64::total_cmp);
    steps[steps.len() / 2] * 1e3
}

#[derive(Deserialize)]
struct Spec {
    /// "suite": every row on a warm pool; "cold_threads": one start+join of `threads`
    /// lesson threads on a fresh page whose pool has one worker (for the main thread);
    /// "cold_process": one process started and joined on a fresh page with no spare
    /// instance, so that its start boots one.
    mode: String,
    #[serde(default)]
    smoke: bool,
    #[serde(default)]
    runs: Option<usize>,
    /// Only the rows whose key starts with this (as the native `--only`).
    #[serde(default)]
    only: Option<String>,
}

/// Runs the bench described by `spec` (JSON) and resolves to its results (JSON).
#[wasm_bindgen]
pub async fn bench_browser(spec: String) -> Result<String, JsValue> {
    let spec: Spec = serde_json::from_str(&spec).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let mut sizes = if spec.smoke { Sizes::smoke() } else { Sizes::full() };
    if let Some(r) = spec.runs {
        sizes.runs = r;
    }
    sizes.only = spec.only;
    let out = match spec.mode.as_str() {
        "suite" => {
            browser::init_pool(browser::cores() + 2).await.map_err(|e| JsValue::from_str(&e.to_string()))?;
            let mut out = suite(&Browser, &sizes, false).await;
            let direct: Vec<f64> = (0..5).map(|_| clock_direct_ns(200_000)).collect();
            out["_probe"]["clock_direct_import_ns"] = serde_json::json!(direct[2]);
            let bound: Vec<f64> = (0..5).map(|_| clock_bound_ns(200_000)).collect();
            out["_probe"]["clock_bound_ns"] = serde_json::json!(bound[2]);
            out["_probe"]["clock_step_us"] = serde_json::json!(clock_step_us());
            out
        }
        "cold_threads" => {
            browser::init_pool(1).await.map_err(|e| JsValue::from_str(&e.to_string()))?;
            let ms = threads_ms(&Browser, sizes.threads).await.map_err(|e| JsValue::from_str(&e))?;
            serde_json::json!({ "threads_cold_ms": ms, "pool": browser::pool_size().0 })
        }
        "cold_process" => {
            browser::init_pool(1).await.map_err(|e| JsValue::from_str(&e.to_string()))?;
            let spares = browser::process_instances();
            let ms = procs::start_join_ms(&Browser, false).await.map_err(|e| JsValue::from_str(&e))?;
            serde_json::json!({ "proc_start_cold_ms": ms, "instances_before": spares })
        }
        m => return Err(JsValue::from_str(&format!("unknown mode {m}"))),
    };
    Ok(out.to_string())
}
