//! futures: an `asyncio.Future` is a result that someone sets later; `await fut` waits
//! for it, and the awaiting task resumes one loop iteration after `set_result`; a task is
//! a future too.

mod insights;
mod program;

use crate::lessons::params::seconds;
use crate::lessons::{finishes, no_cross_checks, no_processes, Expect, Lesson, ParamSpec, Section, Text};

/// The value the producer sets (a literal of the listing).
const VALUE: i64 = 42;

static PARAMS: [ParamSpec; 1] =
    [seconds("delay", Text { ru: "set_result через, с", en: "set_result after, s" }, 0.0, 30.0, 1.0)];

pub static LESSON: Lesson = Lesson {
    id: "futures",
    section: Section::Asyncio,
    title: Text { ru: "Future: set_result и await", en: "Future: set_result and await" },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |_| 1, ends: finishes, processes: no_processes },
    run: program::run,
    validate: no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};
