//! join: the main thread waits for N workers before it goes on.

mod insights;
mod program;

use crate::lessons::params::{flag, iterations, threads};
use crate::lessons::{finishes, no_cross_checks, no_processes, Expect, Lesson, ParamSpec, Section, Text};

static PARAMS: [ParamSpec; 3] = [
    threads(Text { ru: "потоков", en: "threads" }, 1, 64, 4),
    iterations(Text { ru: "строк у каждого потока", en: "lines per thread" }, 50, 3),
    flag("join", Text { ru: "ждать потоки (join)", en: "wait for the threads (join)" }, true),
];

pub static LESSON: Lesson = Lesson {
    id: "join",
    section: Section::Threads,
    title: Text { ru: "join(): дождаться потоков", en: "join(): waiting for threads" },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |p| p.int("threads") as usize + 1, ends: finishes, processes: no_processes },
    run: program::run,
    validate: no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};
