//! `Event`: one flag that many threads wait for (or processes, with `multiprocessing`'s,
//! `model`).

mod insights;
mod program;

use crate::lessons::model::{self, Model};
use crate::lessons::params::{count, seconds, seconds_or_none};
use crate::lessons::{finishes, Expect, Lesson, Section, Text};

pub static LESSON: Lesson = Lesson {
    id: "event",
    section: Section::Threads,
    title: Text { ru: "Event: wait, set, clear, is_set", en: "Event: wait, set, clear, is_set" },
    params: &[
        count("waiters", Text { ru: "Ждущих потоков", en: "Waiting threads" }, 1, 128, 10),
        seconds("set_after", Text { ru: "set() через, с", en: "set() after, s" }, 0.0, 30.0, 3.0),
        seconds_or_none("clear_after", Text { ru: "clear() через, с", en: "clear() after, s" }, 30.0, "never"),
        model::param(),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    // The waiters and two latecomers.
    expect: Expect {
        actors: |p| Model::actors(p, p.int("waiters") as usize + 2),
        ends: finishes,
        processes: |p| Model::processes(p, p.int("waiters") as usize + 2),
    },
    run: program::run,
    validate: |p| model::check_workers(p, "waiters"),
    insights: insights::insights,
    targets: &[&program::HANDLER, &program::LATECOMER],
    policy: None,
    page: None,
};
