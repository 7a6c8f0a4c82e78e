//! `Semaphore` and `BoundedSemaphore`: at most N threads inside at once (or processes, with
//! `multiprocessing`'s, `model`).

mod insights;
mod program;

use crate::lessons::model::{self, Model};
use crate::lessons::params::{count, flag, seconds, threads};
use crate::lessons::{finishes, Expect, Lesson, Section, Text};

pub static LESSON: Lesson = Lesson {
    id: "semaphore",
    section: Section::Threads,
    title: Text {
        ru: "Semaphore и BoundedSemaphore: не больше N внутри",
        en: "Semaphore and BoundedSemaphore: at most N inside",
    },
    params: &[
        count("max_connections", Text { ru: "Мест в семафоре", en: "Places in the semaphore" }, 1, 64, 5),
        threads(Text { ru: "Потоков", en: "Threads" }, 1, 128, 10),
        seconds("hold", Text { ru: "Секунд внутри", en: "Seconds inside" }, 0.0, 30.0, 6.0),
        flag("bounded", Text { ru: "BoundedSemaphore", en: "BoundedSemaphore" }, true),
        flag("extra_release", Text { ru: "Лишний release()", en: "One extra release()" }, false),
        model::param(),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 2.0,
    expect: Expect {
        actors: |p| Model::actors(p, p.int("threads") as usize),
        ends: finishes,
        processes: |p| Model::processes(p, p.int("threads") as usize),
    },
    run: program::run,
    validate: |p| model::check_workers(p, "threads"),
    insights: insights::insights,
    targets: &[&program::CONNECT],
    policy: None,
    page: None,
};
