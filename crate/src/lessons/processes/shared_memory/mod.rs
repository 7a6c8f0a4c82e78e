//! `multiprocessing.Value` and `Array` in memory shared between processes, with and
//! without their lock.

mod insights;
mod program;

use crate::lessons::params::{count, flag};
use crate::lessons::{finishes, Expect, Lesson, Section, Text};

pub static LESSON: Lesson = Lesson {
    id: "shared-memory",
    section: Section::Processes,
    title: Text { ru: "Value и Array в общей памяти", en: "Value and Array in shared memory" },
    params: &[
        count("processes", Text { ru: "Процессов", en: "Processes" }, 1, 16, 5),
        count("increments", Text { ru: "Прибавлений на процесс", en: "Increments per process" }, 1, 100_000, 1000),
        flag("lock", Text { ru: "С блокировкой get_lock()", en: "With get_lock()" }, true),
        count("array_size", Text { ru: "Размер массива", en: "Array size" }, 1, 1000, 10),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |_| 1, ends: finishes, processes: |p| p.int("processes") as usize },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[&program::WORK],
    policy: None,
    page: None,
};
