//! `multiprocessing.Pool`: a pool of worker processes, `map` / `map_async` / `apply_async` /
//! `starmap` / `starmap_async` / `imap` / `imap_unordered`, callbacks, the `with` form.

mod insights;
mod program;

use crate::lessons::params::{choice, cores, count, flag, seconds};
use crate::lessons::{finishes, Expect, Lesson, Section, Text};

pub static LESSON: Lesson = Lesson {
    id: "pool",
    section: Section::Processes,
    title: Text {
        ru: "Пул процессов: multiprocessing.Pool", en: "A pool of processes: multiprocessing.Pool"
    },
    params: &[
        cores("processes", Text { ru: "Процессов в пуле", en: "Processes in the pool" }, 1, 32),
        count("tasks", Text { ru: "Задач", en: "Tasks" }, 1, 10_000, 10),
        seconds("task_s", Text { ru: "Задача в среднем, с", en: "A task on average, s" }, 0.0, 10.0, 1.0),
        choice(
            "method",
            Text { ru: "Как раздать задачи", en: "How to hand out the tasks" },
            &[
                ("map", Text { ru: "map — список по порядку", en: "map: a list, in order" }),
                ("map_async", Text { ru: "map_async + callback", en: "map_async + callback" }),
                ("apply_async", Text { ru: "apply_async + callback на каждую", en: "apply_async + a callback each" }),
                ("starmap", Text { ru: "starmap — кортежи аргументов", en: "starmap: argument tuples" }),
                ("starmap_async", Text { ru: "starmap_async + callback", en: "starmap_async + callback" }),
                ("imap", Text { ru: "imap — по одному, по порядку", en: "imap: one by one, in order" }),
                (
                    "imap_unordered",
                    Text {
                        ru: "imap_unordered — по мере готовности", en: "imap_unordered: as they are ready"
                    },
                ),
            ],
            "map",
        ),
        flag("returns", Text { ru: "Задача возвращает значение", en: "The task returns a value" }, true),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    // MainProcess's thread and the pool's three handler threads.
    expect: Expect { actors: |_| 4, ends: finishes, processes: |p| p.int("processes") as usize },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[&program::TASK, &program::STAR_TASK],
    policy: None,
    page: None,
};
