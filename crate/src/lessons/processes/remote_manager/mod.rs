//! `BaseManager` served at an address: clients in other processes connect with the key
//! and call a registered service, whose lock makes the calls take turns; a wrong key is
//! refused.

mod insights;
mod program;

use crate::lessons::params::{choice, count};
use crate::lessons::{finishes, Expect, Lesson, Section, Text};

static KEYS: [(&str, Text); 2] =
    [("right", Text { ru: "верный", en: "right" }), ("wrong", Text { ru: "неверный", en: "wrong" })];

pub static LESSON: Lesson = Lesson {
    id: "remote-manager",
    section: Section::Processes,
    title: Text {
        ru: "BaseManager: сервер, клиенты и ключ", en: "BaseManager: a server, clients and a key"
    },
    params: &[
        count("clients", Text { ru: "Клиентов", en: "Clients" }, 1, 16, 2),
        count("calls", Text { ru: "Вызовов на клиента", en: "Calls per client" }, 1, 10_000, 5),
        count("delay_ms", Text { ru: "Задержка сервера, мс", en: "Server delay, ms" }, 0, 1000, 0),
        choice("authkey", Text { ru: "Ключ клиентов", en: "The clients' key" }, &KEYS, "right"),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    // The server's process and the clients.
    expect: Expect { actors: |_| 1, ends: finishes, processes: |p| p.int("clients") as usize + 1 },
    run: program::run,
    validate: crate::lessons::no_cross_checks,
    insights: insights::insights,
    targets: &[&program::SQUARE, &program::CLIENT],
    policy: None,
    page: None,
};
