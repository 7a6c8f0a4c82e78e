//! `multiprocessing.Pipe`: two connection ends, `send`/`recv`, duplex or one-way, `poll`,
//! `close` and `EOFError`.

mod insights;
mod program;

use crate::lessons::params::{count, flag, seconds};
use crate::lessons::{finishes, Expect, Lesson, Section, Text};

pub static LESSON: Lesson = Lesson {
    id: "pipe",
    section: Section::Processes,
    title: Text {
        ru: "Pipe: канал между двумя процессами", en: "Pipe: a channel between two processes"
    },
    params: &[
        count("messages", Text { ru: "Сообщений", en: "Messages" }, 1, 100_000, 5),
        flag("duplex", Text { ru: "Двусторонний (duplex)", en: "Duplex" }, true),
        flag("close_early", Text { ru: "Закрыть раньше", en: "Close early" }, false),
        seconds("delay_s", Text { ru: "Задержка, с", en: "Delay, s" }, 0.0, 10.0, 1.0),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 2.0,
    expect: Expect { actors: |_| 1, ends: finishes, processes: |_| 1 },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[&program::CHILD],
    policy: None,
    page: None,
};
