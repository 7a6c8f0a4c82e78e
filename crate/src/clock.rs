//! One clock for every thread. Workers each have their own `performance.now()` origin, so
//! the wasm clock reads `timeOrigin + now()`, which is common to all of them.

/// Monotonic nanoseconds on a base shared by every thread of this process.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ns() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

#[cfg(target_arch = "wasm32")]
pub fn now_ns() -> u64 {
    use wasm_bindgen::JsCast;
    thread_local! {
        static PERF: (web_sys::Performance, f64) = {
            let perf: web_sys::Performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
                .expect("performance exists in windows and workers")
                .unchecked_into();
            let origin = perf.time_origin();
            (perf, origin)
        };
    }
    PERF.with(|(perf, origin)| ((origin + perf.now()) * 1e6) as u64)
}
