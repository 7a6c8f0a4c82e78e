//! daemon: a daemon thread dies with the main thread; a non-daemon one keeps the program
//! alive until it ends.

mod insights;
mod program;

use crate::lessons::params::{daemon, iterations, seconds};
use crate::lessons::{finishes, no_cross_checks, no_processes, Expect, Lesson, ParamSpec, Section, Text};

/// Python's name for the first thread started with `target=get_data`.
const WORKER: &str = "Thread-1 (get_data)";

static PARAMS: [ParamSpec; 3] = [
    daemon(Text { ru: "daemon-поток", en: "daemon thread" }, true),
    iterations(Text { ru: "строк у потока", en: "worker's lines" }, 50, 5),
    // Half a second off the thread's whole-second prints: at 1.0 its second line and the
    // program's end would come at the same instant, and either could win.
    seconds("main_work", Text { ru: "работа главного потока, с", en: "main thread's work, s" }, 0.0, 30.0, 1.5),
];

pub static LESSON: Lesson = Lesson {
    id: "daemon",
    section: Section::Threads,
    title: Text { ru: "Потоки-демоны", en: "Daemon threads" },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |_| 2, ends: finishes, processes: no_processes },
    run: program::run,
    validate: no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};

/// Real nanoseconds within which a line stamped after the main thread's end still counts
/// as printed "with" it: the worker may pass its last check a moment before the main
/// thread's exit is published and write its line a moment after.
const SAME_INSTANT_NS: u64 = 200_000;
