//! thread-local: `threading.local()` holds a separate value of each attribute for each
//! thread; a thread that never set it gets `AttributeError`.

mod insights;
mod program;

use crate::lessons::params::{count, flag, threads};
use crate::lessons::{no_cross_checks, no_processes, EndState, Expect, Lesson, ParamSpec, Params, Section, Text};

const ATTRIBUTE_ERROR: &str = "AttributeError: '_thread._local' object has no attribute 'value'";

static PARAMS: [ParamSpec; 3] = [
    threads(Text { ru: "потоков", en: "threads" }, 1, 16, 2),
    count("values", Text { ru: "значений у каждого потока", en: "values per thread" }, 1, 20, 3),
    flag("main_reads", Text { ru: "главный поток читает data.value", en: "the main thread reads data.value" }, true),
];

pub static LESSON: Lesson = Lesson {
    id: "thread-local",
    section: Section::Threads,
    title: Text {
        ru: "threading.local(): у каждого потока своё", en: "threading.local(): each thread its own"
    },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |p| p.int("threads") as usize + 1, ends: ends, processes: no_processes },
    run: program::run,
    validate: no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};

/// The main thread reading a value it never set raises AttributeError, uncaught.
fn ends(p: &Params) -> EndState {
    if p.flag("main_reads") {
        EndState::Failed
    } else {
        EndState::Finished
    }
}
