//! `queue.Queue` between producer and consumer threads: FIFO, `maxsize`, sentinels,
//! `task_done` and `join`.

mod insights;
mod program;

use crate::lessons::params::{count, seconds};
use crate::lessons::{finishes, no_processes, Expect, Lesson, Section, Text};

pub static LESSON: Lesson = Lesson {
    id: "queue-threads",
    section: Section::Threads,
    title: Text { ru: "queue.Queue между потоками", en: "queue.Queue between threads" },
    params: &[
        count("producers", Text { ru: "Производителей", en: "Producers" }, 1, 32, 2),
        count("consumers", Text { ru: "Потребителей", en: "Consumers" }, 1, 32, 2),
        count("maxsize", Text { ru: "maxsize (0 — без предела)", en: "maxsize (0: unbounded)" }, 0, 1000, 0),
        count("items", Text { ru: "Элементов всего", en: "Items in all" }, 1, 100_000, 20),
        seconds("produce_s", Text { ru: "Изготовление элемента, с", en: "Making an item, s" }, 0.0, 10.0, 0.2),
        seconds("consume_s", Text { ru: "Обработка элемента, с", en: "Handling an item, s" }, 0.0, 10.0, 0.5),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect {
        actors: |p| (p.int("producers") + p.int("consumers")) as usize + 1,
        ends: finishes,
        processes: no_processes,
    },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};
