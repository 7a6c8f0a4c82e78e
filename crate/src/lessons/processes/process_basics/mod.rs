//! `multiprocessing.Process`: start, pid, name, is_alive, terminate, join, exitcode, a
//! subclass overriding `run`, and each process's memory of its own.

mod insights;
mod program;

use crate::lessons::params::{count, flag, iterations, seconds_or_none};
use crate::lessons::{finishes, Expect, Lesson, Section, Text};

pub static LESSON: Lesson = Lesson {
    id: "process-basics",
    section: Section::Processes,
    title: Text { ru: "Процесс: start, join, pid, exitcode", en: "A process: start, join, pid, exitcode" },
    params: &[
        count("processes", Text { ru: "Процессов", en: "Processes" }, 1, 16, 3),
        iterations(Text { ru: "Шагов у первого процесса", en: "Steps of the first worker" }, 100, 3),
        seconds_or_none(
            "terminate_after",
            Text { ru: "terminate() через, с", en: "terminate() after, s" },
            60.0,
            "None",
        ),
        flag("logging", Text { ru: "Журнал log_to_stderr", en: "log_to_stderr logging" }, false),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |_| 1, ends: finishes, processes: |p| p.int("processes") as usize },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[&program::WORKER_RUN],
    policy: None,
    page: None,
};
