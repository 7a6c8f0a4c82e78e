//! timer: `threading.Timer` runs a function after a delay on its own thread, unless
//! cancelled first; a daemon timer dies with the program.

mod insights;
mod program;

use crate::lessons::params::{daemon, seconds, seconds_or_none};
use crate::lessons::{finishes, no_cross_checks, no_processes, Expect, Lesson, ParamSpec, Section, Text};

/// Python's name for the timer's thread: the first thread the program creates.
const TIMER_THREAD: &str = "Thread-1";

/// hello's steps and the main thread's steps, one lesson second each (literals in the listing).
const STEPS: u32 = 3;

static PARAMS: [ParamSpec; 3] = [
    seconds("interval", Text { ru: "задержка таймера, с", en: "timer's interval, s" }, 0.0, 60.0, 5.0),
    seconds_or_none("cancel_after", Text { ru: "cancel() через, с", en: "cancel() after, s" }, 60.0, "None"),
    daemon(Text { ru: "таймер-демон", en: "daemon timer" }, false),
];

pub static LESSON: Lesson = Lesson {
    id: "timer",
    section: Section::Threads,
    title: Text {
        ru: "Timer: отложенный запуск и отмена", en: "Timer: a delayed start and cancel()"
    },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 2.0,
    expect: Expect { actors: |_| 3, ends: finishes, processes: no_processes },
    run: program::run,
    validate: no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};
