//! `multiprocessing.Queue` between producer and consumer processes: items serialized
//! across the process boundary, a sentinel per consumer, `iter(q.get, None)`.

mod insights;
mod program;

use crate::lessons::params::count;
use crate::lessons::{finishes, Expect, Lesson, Section, Text};

pub static LESSON: Lesson = Lesson {
    id: "process-queue",
    section: Section::Processes,
    title: Text {
        ru: "multiprocessing.Queue между процессами", en: "multiprocessing.Queue between processes"
    },
    params: &[
        count("producers", Text { ru: "Производителей", en: "Producers" }, 1, 16, 2),
        count("consumers", Text { ru: "Потребителей", en: "Consumers" }, 1, 16, 1),
        count("items", Text { ru: "Элементов всего", en: "Items in all" }, 1, 100_000, 10),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    // MainProcess's thread, and the feeder thread of each queue it puts on.
    expect: Expect { actors: |_| 3, ends: finishes, processes: |p| (p.int("producers") + p.int("consumers")) as usize },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[&program::PRODUCER, &program::CONSUMER],
    policy: None,
    page: None,
};
