//! lock-vs-rlock: a Lock has no owner (any thread may release it, and its holder asking
//! again deadlocks); an RLock has an owner and a count (its owner may ask again, only its
//! owner may release it). And a lock nobody releases blocks everyone after. The same on
//! processes with `multiprocessing`'s locks (`model`).

mod insights;
mod program;

use crate::lessons::model::{self, Model};
use crate::lessons::params::choice;
use crate::lessons::{no_cross_checks, Expect, Lesson, ParamSpec, Params, Section, Text};
use crate::trace::EndState;

const RELEASE_ERROR: &str = "RuntimeError: cannot release un-acquired lock";

static KINDS: [(&str, Text); 2] =
    [("Lock", Text { ru: "Lock", en: "Lock" }), ("RLock", Text { ru: "RLock", en: "RLock" })];

static SCENARIOS: [(&str, Text); 3] = [
    ("reacquire", Text { ru: "тот же поток берёт ещё раз", en: "the same thread acquires again" }),
    ("release_other", Text { ru: "отпускает другой поток", en: "another thread releases" }),
    ("never_release", Text { ru: "взял и не отпустил", en: "acquired, never released" }),
];

static PARAMS: [ParamSpec; 3] = [
    choice("kind", Text { ru: "тип блокировки", en: "kind of lock" }, &KINDS, "Lock"),
    choice("scenario", Text { ru: "сценарий", en: "scenario" }, &SCENARIOS, "reacquire"),
    model::param(),
];

pub static LESSON: Lesson = Lesson {
    id: "lock-vs-rlock",
    section: Section::Threads,
    title: Text { ru: "Lock и RLock", en: "Lock vs RLock" },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |p| Model::actors(p, 2), ends: ends, processes: |p| Model::processes(p, 2) },
    run: program::run,
    validate: no_cross_checks,
    insights: insights::insights,
    targets: &[&program::REACQUIRE, &program::TAKE, &program::GIVE_BACK, &program::WAIT_FOR_IT],
    policy: None,
    page: None,
};

/// A Lock asked for again by its holder waits for itself; a lock never released keeps its
/// waiter waiting. A foreign release raises in that thread only, and the program finishes.
fn ends(p: &Params) -> EndState {
    match (p.choice("kind"), p.choice("scenario")) {
        ("Lock", "reacquire") | (_, "never_release") => EndState::Deadlocked,
        _ => EndState::Finished,
    }
}
