//! The native test tier: every integration test of the core in one binary, one module per
//! subject. One binary, not one per file: linking thirty test binaries cost minutes on two
//! cores, and each linked the whole crate again.
//!
//! The tests share one process, so none may rely on being alone in it: a run's thread
//! names, ids and clock are its own, the runtime's panic hook is installed once and chains
//! to the previous one, and a test that needs a process of its own spawns one (`cli`).
//!
//! Adding a lesson's litmus test: `lesson_<id>.rs` here and one `mod` line below.

mod lesson_kit;
mod prim_kit;

mod analysis;
mod asyncio_events;
mod asyncio_tasks;
mod cli;
mod futures;
mod lesson_barrier;
mod lesson_cancel_timeout;
mod lesson_condition;
mod lesson_coroutines;
mod lesson_daemon;
// The process lessons start OS processes: Linux only natively, as the mp_ modules below.
#[cfg(unix)]
mod lesson_divide_and_conquer;
mod lesson_event;
mod lesson_expectations;
mod lesson_futures;
mod lesson_gather_wait;
mod lesson_join;
mod lesson_lock_vs_rlock;
#[cfg(unix)]
mod lesson_manager;
#[cfg(unix)]
mod lesson_pipe;
#[cfg(unix)]
mod lesson_pool;
#[cfg(unix)]
mod lesson_process_basics;
#[cfg(unix)]
mod lesson_process_queue;
mod lesson_queue_threads;
mod lesson_race_condition;
#[cfg(unix)]
mod lesson_remote_manager;
mod lesson_responsive_ui;
mod lesson_semaphore;
#[cfg(unix)]
mod lesson_shared_memory;
mod lesson_tasks;
mod lesson_thread_basics;
mod lesson_thread_local;
mod lesson_thread_pool;
mod lesson_timer;
mod lessons_all;
// Processes share memory natively through a memfd (Linux) or POSIX shared memory (other Unix).
#[cfg(unix)]
mod mp_managers;
#[cfg(unix)]
mod mp_pipe;
#[cfg(unix)]
mod mp_pool;
#[cfg(unix)]
mod mp_process;
#[cfg(unix)]
mod mp_queue;
#[cfg(unix)]
mod mp_shared;
#[cfg(unix)]
mod mp_sync;
mod prim_barrier;
mod prim_condition;
mod prim_event;
mod prim_local;
mod prim_queue;
mod prim_rlock;
mod prim_semaphore;
mod prim_timer;
mod runtime;
mod sched_controlled;
mod sched_gil;
mod trace;
