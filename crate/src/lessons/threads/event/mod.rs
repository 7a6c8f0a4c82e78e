//! `Event`: one flag that many threads wait for.

mod insights;
mod program;

use crate::lessons::params::{count, seconds, seconds_or_none};
use crate::lessons::{finishes, no_processes, Expect, Lesson, Section, Text};

pub static LESSON: Lesson = Lesson {
    id: "event",
    section: Section::Threads,
    title: Text { ru: "Event: wait, set, clear, is_set", en: "Event: wait, set, clear, is_set" },
    params: &[
        count("waiters", Text { ru: "Ждущих потоков", en: "Waiting threads" }, 1, 128, 10),
        seconds("set_after", Text { ru: "set() через, с", en: "set() after, s" }, 0.0, 30.0, 3.0),
        seconds_or_none("clear_after", Text { ru: "clear() через, с", en: "clear() after, s" }, 30.0, "never"),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |p| p.int("waiters") as usize + 4, ends: finishes, processes: no_processes },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};
