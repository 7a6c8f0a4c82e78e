//! tasks: `create_task` wraps coroutines in tasks that the loop runs concurrently: while
//! one waits, the others go on, so many waits of `delay` take about `delay` in all.

mod insights;
mod program;

use crate::lessons::params::{count, seconds};
use crate::lessons::{finishes, no_cross_checks, no_processes, Expect, Lesson, ParamSpec, Section, Text};

/// Workers that print (the listing's `SHOWN`).
const SHOWN: i64 = 3;

static PARAMS: [ParamSpec; 2] = [
    count("tasks", Text { ru: "задач", en: "tasks" }, 1, 10_000, 3),
    seconds("delay", Text { ru: "ожидание каждой, с", en: "each one waits, s" }, 0.0, 30.0, 3.0),
];

pub static LESSON: Lesson = Lesson {
    id: "tasks",
    section: Section::Asyncio,
    title: Text {
        ru: "create_task: ожидания одновременно", en: "create_task: waits at the same time"
    },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 2.0,
    // One thread, the loop's: the tasks are actors on it, not threads.
    expect: Expect { actors: |_| 1, ends: finishes, processes: no_processes },
    run: program::run,
    validate: no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};
