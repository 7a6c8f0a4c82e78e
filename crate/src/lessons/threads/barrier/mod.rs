//! `Barrier(parties)`: everyone waits for the last one, then all cross together (threads, or
//! processes with `multiprocessing`'s, `model`).

mod insights;
mod program;

use crate::lessons::model::{self, Model};
use crate::lessons::params::{count, seconds, seconds_or_none, threads};
use crate::lessons::{Expect, Lesson, Msg, Params, Section, Text};
use crate::trace::EndState;

pub static LESSON: Lesson = Lesson {
    id: "barrier",
    section: Section::Threads,
    title: Text { ru: "Barrier: все ждут последнего", en: "Barrier: everyone waits for the last one" },
    params: &[
        count("parties", Text { ru: "Участников барьера", en: "Parties of the barrier" }, 1, 64, 5),
        threads(Text { ru: "Потоков", en: "Threads" }, 1, 128, 5),
        seconds("delay_min", Text { ru: "Подготовка от, с", en: "Getting ready from, s" }, 0.0, 30.0, 3.0),
        seconds("delay_max", Text { ru: "Подготовка до, с", en: "Getting ready up to, s" }, 0.0, 30.0, 7.0),
        seconds_or_none("timeout", Text { ru: "Таймаут ожидания, с", en: "Wait timeout, s" }, 60.0, "None"),
        model::param(),
    ],
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 2.0,
    expect: Expect {
        actors: |p| Model::actors(p, p.int("threads") as usize),
        ends: ends,
        processes: |p| Model::processes(p, p.int("threads") as usize),
    },
    run: program::run,
    validate,
    insights: insights::insights,
    targets: &[&program::RUNNER],
    policy: None,
    page: None,
};

fn validate(p: &Params) -> Vec<(&'static str, Msg)> {
    let too_many = model::check_workers(p, "threads");
    if !too_many.is_empty() {
        too_many
    } else if p.float("delay_min") > p.float("delay_max") {
        vec![(
            "delay_max",
            Msg::new(
                "Верхняя граница задержки должна быть не меньше нижней",
                "The upper bound of the delay must not be below the lower one",
            ),
        )]
    } else {
        vec![]
    }
}

/// Leftovers (threads beyond a whole number of groups) wait for parties that never come:
/// without a timeout that is a deadlock; with one, they get BrokenBarrierError and finish.
fn ends(p: &Params) -> EndState {
    if p.int("threads") % p.int("parties") != 0 && p.opt_float("timeout").is_none() {
        EndState::Deadlocked
    } else {
        EndState::Finished
    }
}
