//! Divide and conquer: the sum of 1..N on one core, split across K processes, and across
//! K threads under the GIL, with rayon's work-stealing pool beside them as the machine's
//! reference.

mod insights;
mod program;

use crate::lessons::params::{cores, count};
use crate::lessons::{finishes, Expect, Lesson, Section, Text};
use crate::runtime::{Policy, DEFAULT_SWITCH_INTERVAL_NS};

pub static LESSON: Lesson = Lesson {
    id: "divide-and-conquer",
    section: Section::Processes,
    title: Text {
        ru: "Разделяй и властвуй: сумма на K процессах", en: "Divide and conquer: a sum on K processes"
    },
    params: &[
        count("n", Text { ru: "N (сумма 1..N)", en: "N (the sum of 1..N)" }, 1, 4_000_000_000, 100_000_000),
        // 63: a run holds at most 64 processes (runtime::process's MAX_PROCS), main among them.
        cores("k", Text { ru: "K: процессов и потоков", en: "K: processes and threads" }, 1, 63),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |p| p.int("k") as usize + 1, ends: finishes, processes: |p| p.int("k") as usize },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[&program::IN_PROCESS],
    // CPython's: one GIL per process, so that the threads' phase runs as it would there.
    policy: Some(|_| Policy::Gil { switch_interval_ns: DEFAULT_SWITCH_INTERVAL_NS }),
    page: None,
};
