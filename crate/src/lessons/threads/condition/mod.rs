//! `Condition`: `wait`, `notify`, `notify_all`, with a producer and consumers (threads, or
//! processes with `multiprocessing`'s, `model`).

mod insights;
mod program;

use crate::lessons::model::{self, Model};
use crate::lessons::params::{choice, count, seconds};
use crate::lessons::{finishes, Expect, Lesson, Section, Text};

pub static LESSON: Lesson = Lesson {
    id: "condition",
    section: Section::Threads,
    title: Text { ru: "Condition: wait, notify и notify_all", en: "Condition: wait, notify and notify_all" },
    params: &[
        count("consumers", Text { ru: "Потребителей", en: "Consumers" }, 1, 64, 3),
        choice(
            "mode",
            Text { ru: "Чем будить", en: "How to wake" },
            &[
                ("notify", Text { ru: "notify() — одного", en: "notify(): one" }),
                ("notify_all", Text { ru: "notify_all() — всех", en: "notify_all(): all" }),
            ],
            "notify",
        ),
        seconds("period", Text { ru: "Новый элемент каждые, с", en: "A new item every, s" }, 0.1, 10.0, 1.0),
        model::param(),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect {
        actors: |p| Model::actors(p, p.int("consumers") as usize),
        ends: finishes,
        processes: |p| Model::processes(p, p.int("consumers") as usize),
    },
    run: program::run,
    validate: |p| model::check_workers(p, "consumers"),
    insights: insights::insights,
    targets: &[&program::CONSUMER],
    policy: None,
    page: None,
};
