//! The browser backend: lesson threads on Web Workers that share the page's wasm memory.
//!
//! The page never blocks, and a blocked worker cannot start a nested worker, so workers
//! are created only by the page, ahead of need, and pooled across runs:
//!
//! - a lesson thread's start pushes a job on a lock-free queue and takes one spare
//!   worker; when there is none it raises `WANTED`, and the page, which listens with
//!   `Atomics.waitAsync`, creates more;
//! - idle workers sleep on `JOB_SIGNAL` and pop jobs;
//! - once the pool has been quiet a while (no thread running, none asked for), the page
//!   retires idle workers beyond [`KEEP_IDLE`]: a worker is a JS realm of several MB, and a
//!   100-thread run would otherwise leave the tab holding a hundred of them;
//! - [`tick`] (every few tens of ms on the page) runs the watchdog and enforces Stop: a
//!   worker still running a thread of an ended run 150 ms after the end was decided is
//!   terminated and replaced, and the run is closed.
//!
//! The JS glue is one small worker script, created from a Blob so it works wherever the
//! module is served (Trunk's hashed names, the wasm-bindgen test runner).

use super::{Job, Run, RunConfig, Spawner};
use crate::error::PyResult;
use crossbeam_queue::SegQueue;
use std::cell::RefCell;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Most workers the pool will have (lesson threads of a run are capped well below).
pub const MAX_WORKERS: usize = 320;
/// Stack of each worker: lesson threads are shallow; wasm has no guard page, so keep a
/// margin.
const STACK_BYTES: u32 = 512 * 1024;
/// Real time a stopped run's threads get to unwind before their workers are terminated.
const STOP_GRACE_MS: f64 = 150.0;
/// Idle workers the pool keeps once it has been quiet for [`QUIET_MS`]: enough for most
/// runs to start at once; a bigger run grows the pool again before its program starts.
pub const KEEP_IDLE: i32 = 8;
/// How long no thread must run and none be asked for before the pool shrinks: a learner
/// re-running a big lesson right away finds its workers still there.
const QUIET_MS: f64 = 15_000.0;

static JOBS: SegQueue<(u32, Job)> = SegQueue::new();
/// Bumped on every push; idle workers sleep on it.
static JOB_SIGNAL: AtomicU32 = AtomicU32::new(0);
/// Idle workers minus jobs nobody has taken yet. Negative: the page must add workers.
static SPARE: AtomicI32 = AtomicI32::new(0);
/// Workers asked of the page, in total; the page sleeps on it with `Atomics.waitAsync`.
static WANTED: AtomicU32 = AtomicU32::new(0);
static NEXT_RUN: AtomicU32 = AtomicU32::new(1);
/// Per worker: the run whose thread it is running (0: idle).
static BUSY: [AtomicU32; MAX_WORKERS] = [const { AtomicU32::new(0) }; MAX_WORKERS];
/// Per worker: it booted and entered the pool loop.
static READY: [AtomicU32; MAX_WORKERS] = [const { AtomicU32::new(0) }; MAX_WORKERS];
/// Per worker: the page asked it to leave the pool (and already took back its spare).
static RETIRE: [AtomicU32; MAX_WORKERS] = [const { AtomicU32::new(0) }; MAX_WORKERS];
/// Preparations for a run under way: the pool is not quiet while one waits for workers.
static PREPARING: AtomicU32 = AtomicU32::new(0);
/// Workers created and not booted yet: a preparation counts them as on their way, so two
/// preparations at once (the page's ahead of need, then Run's) do not both create them.
static BOOTING: AtomicI32 = AtomicI32::new(0);

thread_local! {
    static WORKER_INDEX: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// Hands lesson threads to pooled workers, tagged with their run.
struct Pool {
    run_id: u32,
}

impl Spawner for Pool {
    fn spawn(&self, job: Job) -> Result<(), String> {
        JOBS.push((self.run_id, job));
        JOB_SIGNAL.fetch_add(1, Ordering::SeqCst);
        crate::futex::wake_one(&JOB_SIGNAL);
        if SPARE.fetch_sub(1, Ordering::SeqCst) <= 0 {
            WANTED.fetch_add(1, Ordering::SeqCst);
            crate::futex::wake_all_including_async(&WANTED);
        }
        Ok(())
    }
}

/// The loop of every pooled worker: take a job, run it, repeat, until the page retires it.
/// Called by the worker script once the module is instantiated on the shared memory; when
/// it returns, the script frees the thread's stack and tells the page, which terminates
/// the worker.
#[wasm_bindgen]
pub fn parlab_worker_main(index: u32, segment: JsValue) {
    super::install_panic_hook();
    if !segment.is_undefined() {
        crate::shm::Segment::adopt(&segment);
    }
    let index = index as usize;
    WORKER_INDEX.with(|w| w.set(index));
    READY[index].store(1, Ordering::SeqCst);
    BOOTING.fetch_sub(1, Ordering::SeqCst);
    SPARE.fetch_add(1, Ordering::SeqCst);
    // Checked before each pop: a worker asked to leave while it ran a job leaves after it.
    // Either way the page's decrement of SPARE stood for this worker's one idle count.
    while RETIRE[index].load(Ordering::SeqCst) == 0 {
        let seen = JOB_SIGNAL.load(Ordering::SeqCst);
        match JOBS.pop() {
            Some((run_id, job)) => {
                BUSY[index].store(run_id, Ordering::SeqCst);
                job();
                BUSY[index].store(0, Ordering::SeqCst);
                SPARE.fetch_add(1, Ordering::SeqCst);
            }
            None => {
                crate::futex::wait(&JOB_SIGNAL, seen, None);
            }
        }
    }
    // A thread's start wakes one sleeper: if that was this worker, on its way out, the
    // wake-up goes on to another, which finds the job.
    crate::futex::wake_one(&JOB_SIGNAL);
}

/// The trace clock's ticker (see `clock::ticker`), in a worker of its own.
#[wasm_bindgen]
pub fn parlab_clock_main() {
    TICKER_READY.store(1, Ordering::SeqCst);
    crate::clock::ticker::run()
}

/// Set once the ticker worker has booted (its stack and TLS allocated).
static TICKER_READY: AtomicU32 = AtomicU32::new(0);

// ---------------------------------------------------------------- page side

// Three kinds of worker run this script: a thread's (`memory` given: it joins that
// memory), the clock's, and a process's first one (`process`: no memory given, so the
// module makes a fresh one; it reports that memory and then waits for `go`, the pid and
// arena it is to run as, which only the page sends once a run asks for a process).
const WORKER_JS: &str = r#"
let m;
self.onmessage = async (e) => {
  const d = e.data;
  try {
    if (d.go) {
      m.parlab_process_main(d.pid, d.base);
      self.postMessage({ ended: true });
      return;
    }
    m = await import(d.glue);
    if (d.process) {
      await m.default({ module_or_path: d.module });
      self.postMessage({ booted: true, memory: m.parlab_process_boot(d.segment) });
      return;
    }
    const wasm = await m.default({ module_or_path: d.module, memory: d.memory, thread_stack_size: d.stack });
    if (d.clock) { m.parlab_clock_main(); return; }
    m.parlab_worker_main(d.index, d.segment);
    // Retired by the page: free this thread's stack and TLS (the last call into the module
    // on this thread), then say so; the page terminates the worker.
    wasm.__wbindgen_thread_destroy();
    self.postMessage({ retired: d.index });
  } catch (err) {
    self.postMessage({ dead: d.index, error: String((err && err.stack) || err) });
  }
};
"#;

#[wasm_bindgen]
extern "C" {
    type ImportMeta;
    #[wasm_bindgen(thread_local_v2, js_namespace = import, js_name = meta)]
    static IMPORT_META: ImportMeta;
    #[wasm_bindgen(method, getter)]
    fn url(this: &ImportMeta) -> String;
}

#[derive(Default)]
pub(crate) struct Page {
    workers: Vec<Option<web_sys::Worker>>,
    script_url: String,
    glue_url: String,
    asked: u32,
    /// Runs whose end was decided, with the time (ms) it was first seen.
    ending: Vec<(u32, f64)>,
    listening: bool,
    /// The trace clock's ticker worker.
    ticker: Option<web_sys::Worker>,
}

thread_local! {
    static PAGE: RefCell<Page> = RefCell::new(Page::default());
}

/// Why the pool cannot run here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolError {
    /// No SharedArrayBuffer: the page is not cross-origin isolated.
    NotIsolated,
    /// Creating a worker failed.
    Worker(String),
}

impl std::fmt::Display for PoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PoolError::NotIsolated => {
                f.write_str("SharedArrayBuffer is unavailable: the page is not cross-origin isolated")
            }
            PoolError::Worker(e) => write!(f, "could not start a worker: {e}"),
        }
    }
}

/// True when threads can run here: SharedArrayBuffer exists and the page is isolated.
pub fn isolated() -> bool {
    let global = js_sys::global();
    let isolated = js_sys::Reflect::get(&global, &"crossOriginIsolated".into()).map(|v| v.is_truthy()).unwrap_or(false);
    let sab = js_sys::Reflect::has(&global, &"SharedArrayBuffer".into()).unwrap_or(false);
    isolated && sab
}

/// Logical cores, as the browser reports them.
pub fn cores() -> u32 {
    let nav = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).ok();
    nav.and_then(|n| js_sys::Reflect::get(&n, &"hardwareConcurrency".into()).ok())
        .and_then(|v| v.as_f64())
        .map_or(1, |c| c as u32)
}

fn now_ms() -> f64 {
    crate::clock::now_ns() as f64 / 1e6
}

/// Creates `n` workers now, starts listening for requests for more, and resolves once the
/// `n` are ready. Call once on the page (or in a test's worker) before the first run.
pub async fn init_pool(n: u32) -> Result<(), PoolError> {
    if !isolated() {
        return Err(PoolError::NotIsolated);
    }
    PAGE.with(|p| {
        let mut p = p.borrow_mut();
        if p.script_url.is_empty() {
            let parts = js_sys::Array::of1(&JsValue::from_str(WORKER_JS));
            let opts = web_sys::BlobPropertyBag::new();
            opts.set_type("text/javascript");
            let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
                .map_err(|e| PoolError::Worker(format!("{e:?}")))?;
            p.script_url =
                web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| PoolError::Worker(format!("{e:?}")))?;
            p.glue_url = IMPORT_META.with(|m| m.url());
        }
        Ok::<_, PoolError>(())
    })?;
    // The memory processes share, handed to every worker at boot; the page holds its
    // views too (it hands processes out and reads their table).
    if crate::shm::Segment::here().is_none() {
        let buffer =
            crate::shm::Segment::create_buffer(super::process::browser::SEGMENT_BYTES).map_err(PoolError::Worker)?;
        crate::shm::Segment::adopt(&buffer);
    }
    start_ticker()?;
    super::process::browser::start_service()?;
    let have = PAGE.with(|p| p.borrow().workers.iter().flatten().count() as u32);
    for _ in have..n {
        add_worker()?;
    }
    listen();
    // rayon's pool, a worker per core, for the machine's reference sum
    // (`reference::rayon_sum`). Its workers boot while the pool's do, and the wait for it
    // below then adds almost nothing: in the test tier (a debug build, 2 cores) two rayon
    // workers took 80-90 ms alone, the 12 pool workers 250-530 ms, and both together
    // 2-40 ms more than the pool alone.
    wasm_bindgen_futures::spawn_local(async {
        let _ = init_rayon(cores()).await;
    });
    // Resolve once the workers and the ticker have booted (each worker adds itself to
    // SPARE), so that nothing boots, and allocates, behind a caller's back later.
    let deadline = now_ms() + 30_000.0;
    while SPARE.load(Ordering::SeqCst) < n as i32 || TICKER_READY.load(Ordering::SeqCst) == 0 {
        if now_ms() > deadline {
            return Err(PoolError::Worker("workers did not start within 30 s".into()));
        }
        sleep_ms(5).await;
    }
    // The rayon start above, or its outcome: lesson threads run without rayon, so its
    // failure fails only `reference::rayon_sum` (with `RayonError::NoPool`).
    if let Err(e) = init_rayon(cores()).await {
        web_sys::console::error_1(&format!("parlab: rayon's pool did not start: {e}").into());
    }
    Ok(())
}

/// rayon's pool in this memory: none, starting, ready, failed.
static RAYON: AtomicU32 = AtomicU32::new(RAYON_NONE);
const RAYON_NONE: u32 = 0;
const RAYON_STARTING: u32 = 1;
const RAYON_READY: u32 = 2;
const RAYON_FAILED: u32 = 3;

thread_local! {
    /// Why rayon's pool failed to start, for later callers of [`init_rayon`].
    static RAYON_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Starts rayon's global pool: `n` workers (at least one) that wasm-bindgen-rayon creates
/// from here on this memory, each an instance of the module; resolves once they run. Call
/// from the page or a test's worker, never from a lesson thread (a worker that blocks
/// cannot start workers); it never blocks. Once: later calls, whatever their `n`, wait for
/// the first one's outcome, and a failure is final (rayon's global pool can be built only
/// once). [`init_pool`] calls it with a worker per core.
///
/// Lesson threads of this memory may then use rayon ([`crate::reference::rayon_sum`]);
/// until then, and in a child process's instance (a memory of its own), it reports that
/// there is no pool rather than letting rayon build one on the calling thread.
pub async fn init_rayon(n: u32) -> Result<(), PoolError> {
    if !isolated() {
        return Err(PoolError::NotIsolated);
    }
    let failed = || Err(PoolError::Worker(RAYON_ERROR.with(|e| e.borrow().clone())));
    if RAYON.compare_exchange(RAYON_NONE, RAYON_STARTING, Ordering::SeqCst, Ordering::SeqCst).is_err() {
        let deadline = now_ms() + 30_000.0;
        loop {
            match RAYON.load(Ordering::SeqCst) {
                RAYON_READY => return Ok(()),
                RAYON_FAILED => return failed(),
                _ if now_ms() > deadline => {
                    return Err(PoolError::Worker("rayon's pool did not start within 30 s".into()))
                }
                _ => sleep_ms(5).await,
            }
        }
    }
    let started = wasm_bindgen_futures::JsFuture::from(wasm_bindgen_rayon::init_thread_pool(n.max(1) as usize)).await;
    match started {
        Ok(_) => {
            RAYON.store(RAYON_READY, Ordering::SeqCst);
            Ok(())
        }
        Err(e) => {
            let why = format!("rayon's pool: {}", e.as_string().unwrap_or_else(|| format!("{e:?}")));
            RAYON_ERROR.with(|r| *r.borrow_mut() = why);
            RAYON.store(RAYON_FAILED, Ordering::SeqCst);
            failed()
        }
    }
}

/// Whether rayon's pool of this memory runs ([`init_rayon`] has completed here).
pub(crate) fn rayon_ready() -> bool {
    RAYON.load(Ordering::SeqCst) == RAYON_READY
}

/// Makes sure at least `n` workers are idle and ready, creating the missing ones and
/// waiting (without blocking) until they have booted. Call before a run that will start
/// `n` threads: a worker created mid-run delays its thread's start by the worker's boot.
pub async fn prepare(n: u32) -> Result<(), PoolError> {
    prepare_unless(n, || false).await
}

/// [`prepare`], giving up early (with `Ok`) once `cancelled()` says so.
async fn prepare_unless(n: u32, cancelled: impl Fn() -> bool) -> Result<(), PoolError> {
    PREPARING.fetch_add(1, Ordering::SeqCst);
    let r = prepare_counted(n, cancelled).await;
    PREPARING.fetch_sub(1, Ordering::SeqCst);
    r
}

async fn prepare_counted(n: u32, cancelled: impl Fn() -> bool) -> Result<(), PoolError> {
    let n = n.min(MAX_WORKERS as u32);
    let on_their_way = (SPARE.load(Ordering::SeqCst).max(0) + BOOTING.load(Ordering::SeqCst).max(0)) as u32;
    for _ in on_their_way..n {
        add_worker()?;
    }
    let deadline = now_ms() + 30_000.0;
    while SPARE.load(Ordering::SeqCst) < n as i32 && !cancelled() {
        if now_ms() > deadline {
            return Err(PoolError::Worker("workers did not start within 30 s".into()));
        }
        sleep_ms(5).await;
    }
    Ok(())
}

async fn sleep_ms(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let _ = global.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

fn add_worker() -> Result<(), PoolError> {
    PAGE.with(|p| {
        let mut p = p.borrow_mut();
        let index = match p.workers.iter().position(|w| w.is_none()) {
            Some(i) => i,
            None if p.workers.len() < MAX_WORKERS => {
                p.workers.push(None);
                p.workers.len() - 1
            }
            None => return Err(PoolError::Worker(format!("the pool is at its cap of {MAX_WORKERS} workers"))),
        };
        let w = boot_worker(&p, &format!("parlab-{index}"), index as u32, STACK_BYTES, false, &wasm_bindgen::memory())?;
        BOOTING.fetch_add(1, Ordering::SeqCst);
        let onmsg = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            // A worker says it left the pool (retired), or it died (a trap or a failed start).
            if js_sys::Reflect::has(&e.data(), &"retired".into()).unwrap_or(false) {
                retired(index);
                return;
            }
            let msg =
                js_sys::Reflect::get(&e.data(), &"error".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
            web_sys::console::error_2(&format!("parlab worker {index} died").into(), &msg.into());
            replace_worker(index);
        });
        w.set_onmessage(Some(onmsg.as_ref().unchecked_ref()));
        onmsg.forget();
        p.workers[index] = Some(w);
        Ok(())
    })
}

/// Creates a worker on the shared module and on `memory` (the page's, or a child
/// process's); it runs the pool loop, or the ticker when `clock`. A `memory` of
/// `undefined` boots a process's first worker on a memory of its own.
pub(crate) fn boot_worker(
    p: &Page,
    name: &str,
    index: u32,
    stack: u32,
    clock: bool,
    memory: &JsValue,
) -> Result<web_sys::Worker, PoolError> {
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    opts.set_name(name);
    let w = web_sys::Worker::new_with_options(&p.script_url, &opts).map_err(|e| PoolError::Worker(format!("{e:?}")))?;
    let init = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&init, &k.into(), v).map(drop);
    let _ = set("glue", &p.glue_url.as_str().into());
    let _ = set("module", &wasm_bindgen::module());
    let _ = set("memory", memory);
    let _ = set("process", &memory.is_undefined().into());
    let _ = set("index", &index.into());
    let _ = set("stack", &stack.into());
    let _ = set("clock", &clock.into());
    let _ = set("segment", &crate::shm::Segment::buffer().unwrap_or(JsValue::UNDEFINED));
    w.post_message(&init).map_err(|e| PoolError::Worker(format!("{e:?}")))?;
    Ok(w)
}

/// Runs `f` on the page's pool state (the worker script's URL, for a process's workers).
pub(crate) fn with_page<R>(f: impl FnOnce(&Page) -> R) -> R {
    PAGE.with(|p| f(&p.borrow()))
}

/// Where the pool's words lie in a memory of this module: every instance has them at the
/// same addresses, so the page finds a child process's in that child's memory.
pub(crate) struct PoolWords {
    pub wanted: u32,
    pub spare: u32,
}

pub(crate) fn pool_words() -> PoolWords {
    PoolWords { wanted: &WANTED as *const AtomicU32 as u32, spare: &SPARE as *const AtomicI32 as u32 }
}

/// The pool's worker stack size, for a child process's workers too.
pub(crate) const WORKER_STACK_BYTES: u32 = STACK_BYTES;

/// Starts the trace clock's ticker worker, once.
fn start_ticker() -> Result<(), PoolError> {
    PAGE.with(|p| {
        let mut p = p.borrow_mut();
        if p.ticker.is_some() {
            return Ok(());
        }
        let w = boot_worker(&p, "parlab-clock", 0, 64 * 1024, true, &wasm_bindgen::memory())?;
        p.ticker = Some(w);
        Ok(())
    })
}

/// Terminates worker `index` and starts a fresh one in its place. A worker that died
/// before it ever booted is not replaced: the next would fail the same way (a broken
/// deployment), and replacing it would spin forever.
fn replace_worker(index: usize) {
    let old = PAGE.with(|p| p.borrow_mut().workers.get_mut(index).and_then(Option::take));
    let Some(w) = old else { return };
    w.terminate();
    if READY[index].swap(0, Ordering::SeqCst) == 0 {
        BOOTING.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    // A worker cut off mid-job never gave back its spare; an idle one had counted itself
    // spare, which its end takes back.
    if BUSY[index].swap(0, Ordering::SeqCst) == 0 {
        SPARE.fetch_sub(1, Ordering::SeqCst);
    }
    let _ = add_worker();
}

/// Worker `index` left the pool loop when asked: it is gone for good.
fn retired(index: usize) {
    if let Some(w) = PAGE.with(|p| p.borrow_mut().workers.get_mut(index).and_then(Option::take)) {
        w.terminate();
    }
    READY[index].store(0, Ordering::SeqCst);
    RETIRE[index].store(0, Ordering::SeqCst);
}

/// Asks idle workers beyond `keep` to leave the pool; returns how many were asked. Each
/// claim takes one from `SPARE` first, so a thread started meanwhile still finds its
/// worker, or asks the page for one. The page calls it once the pool has been quiet for
/// [`QUIET_MS`], with [`KEEP_IDLE`].
pub fn shrink_idle(keep: i32) -> u32 {
    let mut asked = 0;
    loop {
        let spare = SPARE.load(Ordering::SeqCst);
        if spare <= keep.max(0) {
            break;
        }
        let candidate = PAGE.with(|p| {
            let p = p.borrow();
            (0..p.workers.len()).find(|&i| {
                p.workers[i].is_some()
                    && READY[i].load(Ordering::SeqCst) == 1
                    && BUSY[i].load(Ordering::SeqCst) == 0
                    && RETIRE[i].load(Ordering::SeqCst) == 0
            })
        });
        let Some(index) = candidate else { break };
        if SPARE.compare_exchange(spare, spare - 1, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            continue;
        }
        RETIRE[index].store(1, Ordering::SeqCst);
        asked += 1;
    }
    if asked > 0 {
        JOB_SIGNAL.fetch_add(1, Ordering::SeqCst);
        crate::futex::wake_all(&JOB_SIGNAL);
    }
    asked
}

/// True while a lesson thread runs, one waits for a worker, or a run prepares workers.
fn pool_in_use() -> bool {
    PREPARING.load(Ordering::SeqCst) > 0 || !JOBS.is_empty() || BUSY.iter().any(|b| b.load(Ordering::SeqCst) != 0)
}

/// Listens (without blocking) for lesson threads asking for workers, and shrinks the pool
/// once it has been quiet for [`QUIET_MS`].
fn listen() {
    let first = PAGE.with(|p| !std::mem::replace(&mut p.borrow_mut().listening, true));
    if !first {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let index = (&WANTED as *const AtomicU32 as u32) / 4;
        let mut quiet_since = now_ms();
        loop {
            if pool_in_use() {
                quiet_since = now_ms();
            } else if now_ms() - quiet_since >= QUIET_MS {
                shrink_idle(KEEP_IDLE);
                quiet_since = now_ms();
            }
            let wanted = WANTED.load(Ordering::SeqCst);
            let asked = PAGE.with(|p| p.borrow().asked);
            if wanted > asked {
                // Grow ahead of need: threads usually come in batches.
                let more = (wanted - asked).max(4);
                for _ in 0..more {
                    if add_worker().is_err() {
                        break;
                    }
                }
                PAGE.with(|p| p.borrow_mut().asked = wanted);
                continue;
            }
            // A fresh view each time: the memory's buffer object changes when it grows.
            let buffer = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>().buffer();
            let view = js_sys::Int32Array::new(&buffer);
            match js_sys::Atomics::wait_async_with_timeout(&view, index, wanted as i32, 1000.0) {
                Ok(res) => {
                    let value = js_sys::Reflect::get(&res, &"value".into()).unwrap_or(JsValue::UNDEFINED);
                    if let Ok(p) = value.dyn_into::<js_sys::Promise>() {
                        let _ = wasm_bindgen_futures::JsFuture::from(p).await;
                    }
                }
                // No waitAsync: poll.
                Err(_) => sleep_ms(4).await,
            }
        }
    });
}

/// Starts a run on the pool. Never blocks: safe on the page.
pub fn start(cfg: &RunConfig, main: impl FnOnce() -> PyResult<()> + Send + 'static) -> Arc<Run> {
    start_with_threads(cfg, 0, main)
}

/// Starts a run that will start up to `threads` threads. When fewer workers are idle, the
/// missing ones are created first and the program begins once they have booted, its lesson
/// clock starting then: a worker booted mid-run would delay its thread's start and bend the
/// lesson's timing. Never blocks: safe on the page.
pub fn start_with_threads(
    cfg: &RunConfig,
    threads: u32,
    main: impl FnOnce() -> PyResult<()> + Send + 'static,
) -> Arc<Run> {
    start_with(cfg, threads, 0, main)
}

/// [`start_with_threads`] for a run that will also start up to `processes` processes:
/// that many instances of the module are booted first too.
pub fn start_with(
    cfg: &RunConfig,
    threads: u32,
    processes: u32,
    main: impl FnOnce() -> PyResult<()> + Send + 'static,
) -> Arc<Run> {
    super::process::browser::keep_spares(processes as usize);
    let run_id = NEXT_RUN.fetch_add(1, Ordering::SeqCst);
    let run = Run::new(cfg, Arc::new(Pool { run_id }));
    PAGE.with(|p| p.borrow_mut().ending.retain(|(id, _)| *id != run_id));
    RUN_IDS.with(|m| m.borrow_mut().push((Arc::as_ptr(&run) as usize, run_id)));
    let ready = || super::process::browser::ready_spares() >= processes as usize;
    if SPARE.load(Ordering::SeqCst) >= threads as i32 && ready() {
        super::thread::start_main(&run, Box::new(main));
        return run;
    }
    let r = run.clone();
    let stopped = run.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let ready = match prepare_unless(threads, || stopped.end_state().is_some()).await {
            Ok(()) => prepare_processes_unless(processes, || stopped.end_state().is_some()).await,
            e => e,
        };
        match ready {
            // Stopped while the workers booted: nothing ran, so the run ends here.
            _ if r.end_state().is_some() => r.force_finish(),
            Ok(()) => {
                r.trace.set_start_ns(crate::clock::now_ns());
                super::thread::start_main(&r, Box::new(main));
            }
            Err(e) => {
                r.request_end(crate::trace::EndState::Failed, &e.to_string());
                r.force_finish();
            }
        }
    });
    run
}

thread_local! {
    static RUN_IDS: RefCell<Vec<(usize, u32)>> = const { RefCell::new(Vec::new()) };
}

fn run_id_of(run: &Arc<Run>) -> Option<u32> {
    RUN_IDS.with(|m| m.borrow().iter().find(|(p, _)| *p == Arc::as_ptr(run) as usize).map(|(_, id)| *id))
}

/// The page's heartbeat for a run, every few tens of milliseconds: runs the watchdog and,
/// once the run's end is decided, gives its threads [`STOP_GRACE_MS`] to unwind before
/// terminating and replacing the workers still running them. Never blocks.
pub fn tick(run: &Arc<Run>) {
    run.watchdog_tick();
    super::process::browser::tick_run(run);
    let Some(run_id) = run_id_of(run) else { return };
    if run.is_done() {
        RUN_IDS.with(|m| m.borrow_mut().retain(|(_, id)| *id != run_id));
        PAGE.with(|p| p.borrow_mut().ending.retain(|(id, _)| *id != run_id));
        return;
    }
    if run.end_state().is_none() {
        return;
    }
    let now = now_ms();
    let since = PAGE.with(|p| {
        let mut p = p.borrow_mut();
        match p.ending.iter().find(|(id, _)| *id == run_id) {
            Some((_, t)) => *t,
            None => {
                p.ending.push((run_id, now));
                now
            }
        }
    });
    if now - since < STOP_GRACE_MS {
        return;
    }
    for (index, busy) in BUSY.iter().enumerate() {
        if busy.load(Ordering::SeqCst) == run_id {
            replace_worker(index);
        }
    }
    run.force_finish();
}

/// The spawner of a child process's threads: this instance's own pool, which the page
/// grows in this instance's memory.
pub(crate) fn child_spawner() -> Arc<dyn super::Spawner> {
    Arc::new(Pool { run_id: NEXT_RUN.fetch_add(1, Ordering::SeqCst) })
}

/// Keeps `n` instances of the module booted for processes, beyond those running, so that a
/// process starts without a boot; resolves once they are ready (or after 30 s).
pub async fn prepare_processes(n: u32) -> Result<(), PoolError> {
    prepare_processes_unless(n, || false).await
}

/// [`prepare_processes`], giving up early (with `Ok`) once `cancelled()` says so.
async fn prepare_processes_unless(n: u32, cancelled: impl Fn() -> bool) -> Result<(), PoolError> {
    super::process::browser::keep_spares(n as usize);
    let deadline = now_ms() + 30_000.0;
    while super::process::browser::ready_spares() < n as usize && !cancelled() {
        if now_ms() > deadline {
            return Err(PoolError::Worker("process instances did not start within 30 s".into()));
        }
        sleep_ms(5).await;
    }
    Ok(())
}

/// Each child process's state in the run's arena and its exit code, by pid (diagnostics).
pub fn process_states(run: &Run) -> Vec<(u32, u32, Option<i32>)> {
    match run.procs.arena() {
        Some(a) => a.pids().skip(1).map(|p| (p, a.state(p), a.exit_code(p))).collect(),
        None => Vec::new(),
    }
}

/// Process instances running a process now (spares not counted).
pub fn live_processes() -> usize {
    super::process::browser::running_hosts()
}

/// Instances of the module kept for processes: running ones and spares.
pub fn process_instances() -> usize {
    super::process::browser::hosts()
}

/// Workers in the pool, and how many are idle.
pub fn pool_size() -> (u32, i32) {
    (PAGE.with(|p| p.borrow().workers.iter().flatten().count() as u32), SPARE.load(Ordering::SeqCst))
}
