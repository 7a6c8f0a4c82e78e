//! Processes in the browser: each child is a separate instance of the module, with a
//! memory of its own, on workers of its own, all created by the page (which never blocks).
//!
//! - The page creates one `SharedArrayBuffer`, the machine's shared segment, and hands it
//!   to every worker it boots. A run that starts processes claims one of its arena blocks.
//! - It keeps a few *spare instances* booted ahead of need: a worker that instantiated the
//!   module on a fresh memory (the module's own start-up makes it), plus one worker for a
//!   thread on that memory. A process start is then a message, not a compile or a boot.
//! - `Process.start` writes the request into the arena and bumps the segment's signal; the
//!   page, listening with `Atomics.waitAsync`, hands the request to a spare instance, whose
//!   worker runs the child's `MainThread` itself (`parlab_process_main`). The child's further
//!   threads ask for workers the way the page's own threads do, in the child's memory: the
//!   pool's words lie at the same addresses in every instance of the module.
//! - Ending: a child that returns records its exit code; `terminate`/`kill`, Stop past its
//!   grace, or a child's worker dying end it by terminating its workers, and the page
//!   records -15, -9 or -6. Either way its workers and memory are then let go.
//!
//! The page records each child's end (`Kind::ProcEnd`) in `MainProcess`'s trace, since it
//! is the page that sees processes end.

use super::arena::{
    Arena, ARENA_BYTES, E_OS_PID, E_SIGNAL, E_STATE, E_TRACE, E_TRACE_LEN, P_EXITED, P_REQUESTED, P_RUNNING,
};
use super::procs::{child_run, child_wait};
use crate::runtime::browser::{boot_worker, pool_words, with_page, PoolError, WORKER_STACK_BYTES};
use crate::runtime::Run;
use crate::shm::Segment;
use crate::trace::{Kind, Op};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Runs that may have processes at once (each claims one arena block).
const BLOCKS: u32 = 4;
/// The segment's directory: a signal word, then each block's owner flag.
const DIR_BYTES: u32 = 64 * 1024;
const DIR_SIGNAL: u32 = 0;
const DIR_OWNER: u32 = 4;
/// The page's shared segment.
pub(crate) const SEGMENT_BYTES: u32 = DIR_BYTES + BLOCKS * ARENA_BYTES;
/// Events a child process's trace keeps: a child's memory is mostly its trace.
const CHILD_TRACE_CAPACITY: usize = 1 << 16;
/// Real time a stopped run's processes get to unwind before they are terminated.
const STOP_GRACE_MS: f64 = 150.0;

fn seg() -> Option<Segment> {
    Segment::here()
}

fn bump_signal(seg: &Segment) {
    seg.fetch_add(DIR_SIGNAL, 1);
    seg.wake(DIR_SIGNAL, u32::MAX);
}

/// Claims a free arena block for a run (in a lesson thread's worker).
pub(crate) fn claim_arena() -> Result<(Segment, u32), String> {
    let seg = seg().ok_or("this worker was not given the shared segment")?;
    for b in 0..BLOCKS {
        if seg.cas(DIR_OWNER + 4 * b, 0, 1).is_ok() {
            let base = DIR_BYTES + b * ARENA_BYTES;
            // A block is zeroed when claimed: an arena's layout starts from zero.
            seg.zero(base, ARENA_BYTES);
            return Ok((seg, base));
        }
    }
    Err(format!("{BLOCKS} runs with processes are already going on"))
}

/// Asks the page for an instance to run `pid` as.
pub(crate) fn request_process(arena: &Arena, pid: u32) {
    arena.store(arena.entry(pid) + E_STATE, P_REQUESTED);
    bump_signal(arena.segment());
}

/// Tells the page that a signal waits in a process's entry.
pub(crate) fn signal_process(arena: &Arena) {
    bump_signal(arena.segment());
}

// ---------------------------------------------------------------- the child's side

/// A process's first worker, once the module is instantiated on its fresh memory: takes
/// the shared segment and gives the page its memory.
#[wasm_bindgen]
pub fn parlab_process_boot(segment: JsValue) -> JsValue {
    crate::runtime::install_panic_hook();
    if !segment.is_undefined() {
        Segment::adopt(&segment);
    }
    wasm_bindgen::memory()
}

/// Runs this instance as process `pid` of the run whose arena is at `base`, on this very
/// worker, until every thread of it has ended; then records its exit code.
#[wasm_bindgen]
pub fn parlab_process_main(pid: u32, base: u32) {
    let Some(seg) = seg() else { return };
    let Ok(arena) = Arena::attach(seg.clone(), base) else { return };
    let spawner = crate::runtime::browser::child_spawner();
    let code = match child_run(&arena, pid, spawner, CHILD_TRACE_CAPACITY, None) {
        Ok((run, code, main)) => {
            // Where the page finds this process's trace in its memory.
            let (addr, len) = run.trace.region();
            arena.store(arena.entry(pid) + E_TRACE_LEN, len as u32);
            arena.store(arena.entry(pid) + E_TRACE, addr as u32);
            // `MainThread` runs on the instance's own pool (a worker was booted for it with
            // the instance), so that this worker keeps the process's watchdog, as a child's
            // first OS thread does natively.
            crate::runtime::thread::start_main(&run, main);
            child_wait(&run, &arena, || false);
            let c = *code.lock().unwrap();
            c
        }
        Err(e) => {
            web_sys::console::error_1(&format!("parlab process {pid}: {e}").into());
            70
        }
    };
    if arena.state(pid) != P_EXITED {
        arena.set_exited(pid, code);
    }
    bump_signal(&seg);
}

// ---------------------------------------------------------------- the page's side

/// One instance of the module that is (or will be) a process.
struct Host {
    id: u32,
    /// The arena block and pid it runs as (0: a spare).
    base: u32,
    pid: u32,
    /// Its memory, once its first worker has booted.
    memory: Option<JsValue>,
    main: web_sys::Worker,
    workers: Vec<web_sys::Worker>,
    /// Workers its threads asked for so far.
    asked: u32,
    /// Cleared when it is let go: its listener stops.
    live: Rc<Cell<bool>>,
}

thread_local! {
    static HOSTS: RefCell<Vec<Host>> = const { RefCell::new(Vec::new()) };
    static NEXT_HOST: Cell<u32> = const { Cell::new(1) };
    static SPARES_WANTED: Cell<usize> = const { Cell::new(0) };
    static SERVING: Cell<bool> = const { Cell::new(false) };
}

fn memory_view(memory: &JsValue) -> js_sys::Int32Array {
    let buffer = memory.unchecked_ref::<js_sys::WebAssembly::Memory>().buffer();
    js_sys::Int32Array::new(&buffer)
}

/// Boots a spare instance.
fn boot_host() -> Result<(), PoolError> {
    let id = NEXT_HOST.with(|n| n.replace(n.get() + 1));
    let main = with_page(|p| boot_worker(p, &format!("parlab-process-{id}"), 0, 0, false, &JsValue::UNDEFINED))?;
    let onmsg = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let data = e.data();
        let get = |k: &str| js_sys::Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
        if get("booted").is_truthy() {
            booted(id, get("memory"));
        } else if get("ended").is_truthy() {
            service();
        } else if !get("error").is_undefined() {
            web_sys::console::error_2(&format!("parlab process instance {id} died").into(), &get("error"));
            died(id);
        }
    });
    main.set_onmessage(Some(onmsg.as_ref().unchecked_ref()));
    onmsg.forget();
    HOSTS.with(|h| {
        h.borrow_mut().push(Host {
            id,
            base: 0,
            pid: 0,
            memory: None,
            main,
            workers: Vec::new(),
            asked: 0,
            live: Rc::new(Cell::new(true)),
        })
    });
    Ok(())
}

/// An instance's first worker is up: give it a worker for a thread, listen for more, and
/// start it if a request is already waiting for it.
fn booted(id: u32, memory: JsValue) {
    let ready = HOSTS.with(|h| {
        let mut h = h.borrow_mut();
        let host = h.iter_mut().find(|x| x.id == id)?;
        host.memory = Some(memory.clone());
        let _ = add_thread_worker(host);
        listen_host(id, memory, host.live.clone());
        Some((host.base, host.pid, host.main.clone()))
    });
    if let Some((base, pid, main)) = ready {
        if pid != 0 {
            go(&main, base, pid);
        }
    }
    service();
}

fn add_thread_worker(host: &mut Host) -> Result<(), PoolError> {
    let Some(memory) = host.memory.clone() else { return Ok(()) };
    let index = host.workers.len() as u32;
    let name = format!("parlab-{}-{index}", host.pid.max(host.id));
    let w = with_page(|p| boot_worker(p, &name, index, WORKER_STACK_BYTES, false, &memory))?;
    let id = host.id;
    let onmsg = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_e: web_sys::MessageEvent| {
        // A thread worker's only message is its death: the process is lost with it.
        died(id);
    });
    w.set_onmessage(Some(onmsg.as_ref().unchecked_ref()));
    onmsg.forget();
    host.workers.push(w);
    Ok(())
}

/// Creates workers for a child's threads as they ask, without blocking.
fn listen_host(id: u32, memory: JsValue, live: Rc<Cell<bool>>) {
    wasm_bindgen_futures::spawn_local(async move {
        let index = pool_words().wanted / 4;
        while live.get() {
            let view = memory_view(&memory);
            let wanted = js_sys::Atomics::load(&view, index).unwrap_or(0) as u32;
            let grown = HOSTS.with(|h| {
                let mut h = h.borrow_mut();
                let Some(host) = h.iter_mut().find(|x| x.id == id) else { return false };
                if wanted <= host.asked {
                    return false;
                }
                for _ in host.asked..wanted {
                    if add_thread_worker(host).is_err() {
                        break;
                    }
                }
                host.asked = wanted;
                true
            });
            if grown {
                continue;
            }
            wait_async(&view, index, wanted as i32, 1000.0).await;
        }
    });
}

async fn wait_async(view: &js_sys::Int32Array, index: u32, value: i32, ms: f64) {
    match js_sys::Atomics::wait_async_with_timeout(view, index, value, ms) {
        Ok(res) => {
            let value = js_sys::Reflect::get(&res, &"value".into()).unwrap_or(JsValue::UNDEFINED);
            if let Ok(p) = value.dyn_into::<js_sys::Promise>() {
                let _ = wasm_bindgen_futures::JsFuture::from(p).await;
            }
        }
        Err(_) => {
            let p = js_sys::Promise::new(&mut |resolve, _| {
                let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
                let _ = global.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 4);
            });
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
        }
    }
}

fn go(main: &web_sys::Worker, base: u32, pid: u32) {
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"go".into(), &true.into());
    let _ = js_sys::Reflect::set(&msg, &"pid".into(), &pid.into());
    let _ = js_sys::Reflect::set(&msg, &"base".into(), &base.into());
    let _ = main.post_message(&msg);
}

/// A worker of instance `id` died (a trap): the process it ran is lost.
fn died(id: u32) {
    let gone = HOSTS.with(|h| h.borrow().iter().find(|x| x.id == id).map(|x| (x.base, x.pid)));
    if let (Some((base, pid)), Some(seg)) = (gone, seg()) {
        if pid != 0 {
            if let Ok(arena) = Arena::attach(seg, base) {
                if arena.state(pid) != P_EXITED {
                    // As a process that aborted: SIGABRT.
                    arena.set_exited(pid, -6);
                }
            }
        }
    }
    let_go(id);
    service();
}

/// Terminates every worker of instance `id` and forgets it: its memory goes with it.
fn let_go(id: u32) {
    let host = HOSTS.with(|h| {
        let mut h = h.borrow_mut();
        let i = h.iter().position(|x| x.id == id)?;
        Some(h.remove(i))
    });
    if let Some(host) = host {
        host.live.set(false);
        host.main.terminate();
        for w in &host.workers {
            w.terminate();
        }
    }
}

/// Starts listening for process requests, once (from `init_pool`).
pub(crate) fn start_service() -> Result<(), PoolError> {
    if SERVING.with(|s| s.replace(true)) {
        return Ok(());
    }
    let Some(buffer) = Segment::buffer() else { return Ok(()) };
    wasm_bindgen_futures::spawn_local(async move {
        let view = js_sys::Int32Array::new(&buffer);
        loop {
            let seen = js_sys::Atomics::load(&view, DIR_SIGNAL / 4).unwrap_or(0);
            service();
            wait_async(&view, DIR_SIGNAL / 4, seen, 1000.0).await;
        }
    });
    Ok(())
}

/// Keeps `n` spare instances booted (or booting) from now on.
pub(crate) fn keep_spares(n: usize) {
    SPARES_WANTED.with(|s| s.set(s.get().max(n)));
    top_up();
}

/// How many instances there are, spares included.
pub(crate) fn hosts() -> usize {
    HOSTS.with(|h| h.borrow().len())
}

/// How many instances run a process now.
pub(crate) fn running_hosts() -> usize {
    HOSTS.with(|h| h.borrow().iter().filter(|x| x.pid != 0).count())
}

/// How many spare instances are booted and ready: their memory made, and the worker for
/// their `MainThread` idle in their pool (a process started before it booted would wait
/// for that boot, a good part of a second on a busy machine).
pub(crate) fn ready_spares() -> usize {
    HOSTS.with(|h| h.borrow().iter().filter(|x| x.pid == 0 && thread_ready(x)).count())
}

/// Whether an instance's memory is made and a worker idles in its pool.
fn thread_ready(host: &Host) -> bool {
    let spare = pool_words().spare / 4;
    host.memory.as_ref().is_some_and(|m| js_sys::Atomics::load(&memory_view(m), spare).unwrap_or(0) >= 1)
}

fn top_up() {
    let spares = HOSTS.with(|h| h.borrow().iter().filter(|x| x.pid == 0).count());
    for _ in spares..SPARES_WANTED.with(Cell::get) {
        if boot_host().is_err() {
            break;
        }
    }
}

/// The arenas of runs with processes, as the page sees them.
fn arenas() -> Vec<Arena> {
    let Some(seg) = seg() else { return Vec::new() };
    (0..BLOCKS)
        .filter(|b| seg.load(DIR_OWNER + 4 * b) != 0)
        .filter_map(|b| Arena::attach(seg.clone(), DIR_BYTES + b * ARENA_BYTES).ok())
        .collect()
}

/// Copies into the page's mirrors what each running child of `run` has recorded since the
/// last look, from the child's own memory.
fn sync_mirrors(run: &Run, arena: &Arena) {
    let hosts: Vec<(u32, JsValue)> = HOSTS.with(|h| {
        h.borrow()
            .iter()
            .filter(|x| x.base == arena.base() && x.pid != 0)
            .filter_map(|x| Some((x.pid, x.memory.clone()?)))
            .collect()
    });
    for (pid, memory) in hosts {
        sync_one(run, arena, pid, &memory);
    }
}

fn sync_one(run: &Run, arena: &Arena, pid: u32, memory: &JsValue) {
    let e = arena.entry(pid);
    let (addr, len) = (arena.load(e + E_TRACE), arena.load(e + E_TRACE_LEN));
    if addr == 0 {
        return;
    }
    let buffer = memory.unchecked_ref::<js_sys::WebAssembly::Memory>().buffer();
    let bytes = js_sys::Uint8Array::new(&buffer);
    run.with_mirror(pid, |m| {
        // A mirror reads at most a bounded number of events per sync: catch up in a few.
        for _ in 0..64 {
            let more = m.sync(&mut |off: usize, out: &mut [u8]| {
                let from = addr + off as u32;
                if off + out.len() <= len as usize {
                    bytes.subarray(from, from + out.len() as u32).copy_to(out);
                }
            });
            if !more {
                break;
            }
        }
    });
}

/// Hands requests to spare instances (the rest waits for the run's tick).
fn service() {
    service_keeping(None)
}

/// [`service`]; with a run, also lets its ended children's instances go (after a last copy
/// of their traces) and delivers signals.
fn service_keeping(run: Option<(&Arc<Run>, &Arena)>) {
    for arena in arenas() {
        for pid in arena.pids().skip(1) {
            let e = arena.entry(pid);
            let host = HOSTS.with(|h| h.borrow().iter().find(|x| x.base == arena.base() && x.pid == pid).map(|x| x.id));
            match (arena.load(e + E_STATE), host) {
                (P_REQUESTED, None) => assign(&arena, pid),
                // Ending instances waits for the run's tick, which copies their traces
                // first (a child's memory goes with its instance).
                (_, Some(_)) if run.is_none_or(|(_, a)| a.base() != arena.base()) => {}
                (P_EXITED, Some(id)) => {
                    last_copy(run, &arena, id, pid);
                    let_go(id)
                }
                (_, Some(id)) if arena.load(e + E_SIGNAL) != 0 => {
                    let sig = arena.load(e + E_SIGNAL) as i32;
                    let_go(id);
                    // Its memory outlives its workers while the page holds it: what it
                    // recorded up to the signal is still there to copy.
                    last_copy(run, &arena, id, pid);
                    arena.set_exited(pid, -sig);
                }
                _ => {}
            }
        }
    }
    top_up();
}

/// A last copy of an ended child's trace, if it belongs to `run` (the run being ticked).
fn last_copy(run: Option<(&Arc<Run>, &Arena)>, arena: &Arena, id: u32, pid: u32) {
    let Some((run, mine)) = run.filter(|(_, a)| a.base() == arena.base()) else { return };
    let memory = HOSTS.with(|h| h.borrow().iter().find(|x| x.id == id).and_then(|x| x.memory.clone()));
    if let Some(memory) = memory {
        sync_one(run, mine, pid, &memory);
    }
}

/// Gives `pid` an instance: a booted spare if there is one, else one booting, else a new
/// one (its start then waits for the boot).
fn assign(arena: &Arena, pid: u32) {
    if HOSTS.with(|h| h.borrow().iter().all(|x| x.pid != 0)) && boot_host().is_err() {
        arena.set_exited(pid, 1);
        return;
    }
    let start = HOSTS.with(|h| {
        let mut h = h.borrow_mut();
        let i = h
            .iter()
            .position(|x| x.pid == 0 && thread_ready(x))
            .or_else(|| h.iter().position(|x| x.pid == 0 && x.memory.is_some()))
            .or_else(|| h.iter().position(|x| x.pid == 0))?;
        let host = &mut h[i];
        host.base = arena.base();
        host.pid = pid;
        Some((host.main.clone(), host.memory.is_some()))
    });
    let Some((main, booted)) = start else { return };
    let e = arena.entry(pid);
    arena.store(e + E_OS_PID, pid);
    arena.store(e + E_STATE, P_RUNNING);
    if booted {
        go(&main, arena.base(), pid);
    }
}

/// The page's look at a run's processes on each tick: records ended ones in the run's
/// trace, ends them all once a stopped run's grace has passed, and gives the arena back
/// when the run and every process of it are over.
pub(crate) fn tick_run(run: &Arc<Run>) {
    if run.procs.released() {
        return;
    }
    let Some(arena) = run.procs.arena().cloned() else { return };
    // Copy what the children recorded before anything lets one go: a child's memory goes
    // with its instance.
    sync_mirrors(run, &arena);
    service_keeping(Some((run, &arena)));
    let mut all_over = true;
    for pid in arena.pids().skip(1) {
        match arena.exit_code(pid) {
            Some(code) => {
                if run.procs.note_end(pid) {
                    run.emit(0, Kind::ProcEnd, Op::None, pid, code as i64 as u64);
                }
            }
            None => all_over = false,
        }
    }
    if !all_over && arena.stop_requested() {
        let now = crate::clock::now_ns() as f64 / 1e6;
        let since = run.procs.stop_seen_ms(now);
        if now - since >= STOP_GRACE_MS {
            for pid in arena.pids().skip(1) {
                if arena.exit_code(pid).is_none() {
                    let host = HOSTS
                        .with(|h| h.borrow().iter().find(|x| x.base == arena.base() && x.pid == pid).map(|x| x.id));
                    if let Some(id) = host {
                        let_go(id);
                    }
                    arena.set_exited(pid, -15);
                }
            }
        }
    }
    if all_over && run.threads_done() {
        // Every instance of the run's processes goes now, after a last copy (one may have
        // ended since the look above), so that none outlives its run or is taken for a
        // process of the next run that gets this arena.
        let left: Vec<(u32, u32)> = HOSTS.with(|h| {
            h.borrow().iter().filter(|x| x.base == arena.base() && x.pid != 0).map(|x| (x.id, x.pid)).collect()
        });
        for (id, pid) in left {
            last_copy(Some((run, &arena)), &arena, id, pid);
            let_go(id);
        }
        release(&arena);
        run.procs.release();
    }
}

/// Gives a run's arena block back.
fn release(arena: &Arena) {
    let b = (arena.base() - DIR_BYTES) / ARENA_BYTES;
    arena.segment().store(DIR_OWNER + 4 * b, 0);
}

/// Whether every process of `run` has ended and been recorded (true when it has none).
pub(crate) fn processes_over(run: &Run) -> bool {
    // A child's own run is over with its threads: the page ends processes, and it answers
    // for every process of a run through `MainProcess`'s.
    // A root run with an arena is over once the page has recorded every end and given
    // the arena back (`tick_run`).
    run.is_process_child() || run.procs.arena().is_none() || run.procs.released()
}
