//! thread-basics: a worker thread beside the main thread; `current_thread().name`,
//! `active_count()`, `enumerate()`, `is_alive()`, `main_thread()`.

mod insights;
mod program;

use crate::lessons::params::{count, iterations, seconds};
use crate::lessons::{finishes, no_cross_checks, no_processes, Expect, Lesson, ParamSpec, Section, Text};

const WORKER: &str = "thr-1";

/// The main thread's pause per step, in lesson seconds (a literal in the listing).
const STEP: f64 = 0.5;

static PARAMS: [ParamSpec; 3] = [
    seconds("worker_sleep", Text { ru: "сколько работает поток, с", en: "worker's work, s" }, 0.1, 30.0, 5.0),
    iterations(Text { ru: "шагов главного потока", en: "main thread's steps" }, 200, 20),
    count("report_every", Text { ru: "отчёт каждые N шагов", en: "report every N steps" }, 1, 50, 10),
];

pub static LESSON: Lesson = Lesson {
    id: "thread-basics",
    section: Section::Threads,
    title: Text { ru: "Потоки и главный поток", en: "Threads and the main thread" },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 2.0,
    expect: Expect { actors: |_| 2, ends: finishes, processes: no_processes },
    run: program::run,
    validate: no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};
