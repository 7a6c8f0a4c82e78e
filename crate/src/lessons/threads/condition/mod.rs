//! `Condition`: `wait`, `notify`, `notify_all`, with a producer and consumers.

mod insights;
mod program;

use crate::lessons::params::{choice, count, seconds};
use crate::lessons::{finishes, no_processes, Expect, Lesson, Section, Text};

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
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |p| p.int("consumers") as usize + 2, ends: finishes, processes: no_processes },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};
