//! cancel-timeout: `Task.cancel()` throws `CancelledError` in at the task's `await`;
//! `wait_for` cancels what it waited for when its timeout passes and raises
//! `TimeoutError`, unless `shield` stands between them.

mod insights;
mod program;

use crate::lessons::params::{flag, seconds};
use crate::lessons::{finishes, no_cross_checks, no_processes, Expect, Lesson, ParamKind, ParamSpec, Section, Text};

static PARAMS: [ParamSpec; 4] = [
    seconds("job_time", Text { ru: "работа длится, с", en: "a job takes, s" }, 0.0, 60.0, 10.0),
    seconds("timeout", Text { ru: "timeout для job-1, с", en: "job-1's timeout, s" }, 0.0, 60.0, 5.0),
    flag("shield", Text { ru: "shield для job-1", en: "shield job-1" }, false),
    ParamSpec {
        key: "cancel_after",
        label: Text { ru: "cancel() job-2 через, с", en: "cancel() job-2 after, s" },
        kind: ParamKind::OptFloat { min: 0.0, max: 60.0, default: Some(3.0), none: "None" },
    },
];

pub static LESSON: Lesson = Lesson {
    id: "cancel-timeout",
    section: Section::Asyncio,
    title: Text {
        ru: "Отмена и таймаут: cancel(), wait_for, shield",
        en: "Cancelling and timeouts: cancel(), wait_for, shield",
    },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 2.0,
    expect: Expect { actors: |_| 1, ends: finishes, processes: no_processes },
    run: program::run,
    validate: no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};
