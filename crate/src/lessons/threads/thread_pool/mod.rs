//! `concurrent.futures.ThreadPoolExecutor`: `submit`, `result`, `map`, `max_workers`.

mod insights;
mod program;

use crate::lessons::params::{count, seconds};
use crate::lessons::{finishes, no_processes, Expect, Lesson, Section, Text};

pub static LESSON: Lesson = Lesson {
    id: "thread-pool",
    section: Section::Threads,
    title: Text { ru: "Пул потоков: ThreadPoolExecutor", en: "A pool of threads: ThreadPoolExecutor" },
    params: &[
        count(
            "max_workers",
            Text { ru: "Потоков в пуле (max_workers)", en: "Threads in the pool (max_workers)" },
            1,
            64,
            5,
        ),
        count("tasks", Text { ru: "Задач", en: "Tasks" }, 1, 1000, 20),
        seconds("task_s", Text { ru: "Задача в среднем, с", en: "A task on average, s" }, 0.0, 10.0, 1.0),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |p| p.int("max_workers") as usize + 1, ends: finishes, processes: no_processes },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};
