//! `multiprocessing.Manager()`: a server process holds a `dict`, `list`, `Namespace` or
//! `Value` (and a `Lock`) behind proxies; every operation is a round trip to it, against a
//! `Value` in shared memory.

mod insights;
mod program;

use crate::lessons::params::{choice, count};
use crate::lessons::{finishes, Expect, Lesson, Section, Text};

static TYPES: [(&str, Text); 4] = [
    ("dict", Text { ru: "dict", en: "dict" }),
    ("list", Text { ru: "list", en: "list" }),
    ("Namespace", Text { ru: "Namespace", en: "Namespace" }),
    ("Value", Text { ru: "Value", en: "Value" }),
];

pub static LESSON: Lesson = Lesson {
    id: "manager",
    section: Section::Processes,
    title: Text {
        ru: "Manager: объекты в процессе-сервере", en: "Manager: objects in a server process"
    },
    params: &[
        count("processes", Text { ru: "Процессов", en: "Processes" }, 1, 16, 3),
        count("operations", Text { ru: "Операций на процесс", en: "Operations per process" }, 1, 100_000, 100),
        choice("type", Text { ru: "Что хранит менеджер", en: "What the manager holds" }, &TYPES, "dict"),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    // The manager's process, then each worker of the two rounds.
    expect: Expect { actors: |_| 1, ends: finishes, processes: |p| 2 * p.int("processes") as usize + 1 },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[&program::VIA_MANAGER, &program::VIA_SHARED_MEMORY],
    policy: None,
    page: None,
};
