//! The wasm-bindgen-test tier: the runtime in headless Chromium, on real Web Workers that
//! share the module's memory. Tests block, so they run in a dedicated worker; the pool's
//! workers are created before any test blocks (a blocked worker cannot start another).
#![cfg(target_arch = "wasm32")]

use parlab::prims::Lock;
use parlab::runtime::{browser, Run, RunConfig};
use parlab::threading::Thread;
use parlab::trace::{EndState, Kind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Enough workers for every test here; created once, reused across tests and runs.
async fn pool() {
    browser::init_pool(12).await.expect("the test page is cross-origin isolated");
}

/// Waits for a run without blocking this worker's event loop, ticking the page-side
/// watchdog like the page does. Bounded: fails after `secs`.
async fn finish(run: &Arc<Run>, secs: f64) -> EndState {
    let start = parlab::clock::now_ns();
    while !run.is_done() {
        browser::tick(run);
        assert!((parlab::clock::now_ns() - start) as f64 / 1e9 < secs, "run did not end within {secs} s");
        gloo_sleep(5).await;
    }
    run.end_state().expect("a done run has an end state")
}

async fn gloo_sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let g: web_sys::WorkerGlobalScope = JsCast::unchecked_into(js_sys::global());
        g.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
async fn memory_is_shared() {
    let mem: js_sys::WebAssembly::Memory = JsCast::unchecked_into(wasm_bindgen::memory());
    assert!(mem.buffer().is_instance_of::<js_sys::SharedArrayBuffer>(), "the module's memory must be a SharedArrayBuffer");
}

#[wasm_bindgen_test]
async fn contended_counter_is_exact_across_workers() {
    pool().await;
    let total = Arc::new(AtomicU64::new(0));
    let t2 = total.clone();
    let run = browser::start(&RunConfig::default(), move || {
        let lock = Arc::new(Lock::named("counter"));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (lock, total) = (lock.clone(), t2.clone());
                Thread::new("add", move || {
                    for _ in 0..5_000 {
                        lock.with(|| {
                            // Non-atomic read-modify-write: exact only under the lock.
                            let v = total.load(Ordering::Relaxed);
                            total.store(v + 1, Ordering::Relaxed);
                            Ok(())
                        })?;
                    }
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
        Ok(())
    });
    assert_eq!(finish(&run, 60.0).await, EndState::Finished);
    assert_eq!(total.load(Ordering::Relaxed), 30_000);
    let starts = run.trace.snapshot().iter().filter(|e| e.kind == Kind::ThreadStart).count();
    assert_eq!(starts, 7, "main + 6 workers");
}

#[wasm_bindgen_test]
async fn a_self_deadlock_is_reported() {
    pool().await;
    let run = browser::start(&RunConfig::default(), || {
        let lock = Lock::named("lock");
        lock.acquire()?;
        lock.acquire()
    });
    assert_eq!(finish(&run, 30.0).await, EndState::Deadlocked);
    assert!(run.trace.snapshot().iter().any(|e| e.kind == Kind::WaitEdge && e.actor == 1 && e.arg == 1));
}

#[wasm_bindgen_test]
async fn stop_interrupts_blocked_sleeping_and_spinning_threads() {
    pool().await;
    let run = browser::start(&RunConfig::default(), || {
        let lock = Arc::new(Lock::new());
        lock.acquire()?;
        let l2 = lock.clone();
        Thread::new("blocked", move || l2.acquire()).start()?;
        Thread::new("sleeper", || parlab::runtime::sleep(3600.0)).start()?;
        Thread::new("spinner", || loop {
            parlab::runtime::checkpoint()?;
        })
        .start()?;
        parlab::runtime::sleep(3600.0)
    });
    let t0 = parlab::clock::now_ns();
    while run.live_threads() < 4 {
        assert!(parlab::clock::now_ns() - t0 < 20_000_000_000, "threads did not start");
        gloo_sleep(2).await;
    }
    let stopped = parlab::clock::now_ns();
    run.stop();
    assert_eq!(finish(&run, 5.0).await, EndState::Stopped);
    let ms = (parlab::clock::now_ns() - stopped) as f64 / 1e6;
    assert!(ms < 200.0, "Stop took {ms} ms");
}

#[wasm_bindgen_test]
async fn repeated_runs_reuse_the_pool_and_do_not_grow_memory() {
    pool().await;
    let one_run = || async {
        let run = browser::start(&RunConfig::default(), || {
            let lock = Arc::new(Lock::new());
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let l = lock.clone();
                    Thread::new("w", move || l.with(|| parlab::runtime::sleep(0.001)))
                })
                .collect();
            for t in &threads {
                t.start()?;
            }
            for t in &threads {
                t.join(None)?;
            }
            Ok(())
        });
        assert_eq!(finish(&run, 30.0).await, EndState::Finished);
    };
    // Warm up: the pool and the allocator reach their working size.
    for _ in 0..5 {
        one_run().await;
    }
    let (workers, _) = browser::pool_size();
    let mem = || JsCast::unchecked_into::<js_sys::WebAssembly::Memory>(wasm_bindgen::memory()).buffer().unchecked_into::<js_sys::SharedArrayBuffer>().byte_length();
    let before = mem();
    for _ in 0..30 {
        one_run().await;
    }
    assert_eq!(browser::pool_size().0, workers, "no stray workers after repeated runs");
    assert_eq!(mem(), before, "wasm memory grew over 30 identical runs");
}
