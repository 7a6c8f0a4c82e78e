//! race-condition: many threads deposit into one bank account; reading the balance and
//! writing it back are two steps with a gap between, so updates are lost, unless a Lock
//! makes the whole read-modify-write one step.

mod insights;
mod program;

use crate::lessons::params::{count, flag, threads};
use crate::lessons::{finishes, no_processes, Expect, Lesson, Msg, ParamSpec, Params, Section, Text};
use crate::msg;

/// Deposits a run may make in all: each leaves about eight events in the trace, and the
/// trace keeps about a million.
const MAX_DEPOSITS: i64 = 100_000;

static PARAMS: [ParamSpec; 4] = [
    threads(Text { ru: "потоков-клиентов", en: "client threads" }, 2, 128, 100),
    count("deposits", Text { ru: "пополнений у каждого", en: "deposits each" }, 1, 10_000, 1),
    count("gap_ms", Text { ru: "пауза между чтением и записью, мс", en: "read-to-write gap, ms" }, 0, 1000, 10),
    flag("lock", Text { ru: "с блокировкой (Lock)", en: "with a Lock" }, false),
];

pub static LESSON: Lesson = Lesson {
    id: "race-condition",
    section: Section::Threads,
    title: Text { ru: "Гонка потоков и Lock", en: "A race condition and a Lock" },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    expect: Expect { actors: |p| p.int("threads") as usize + 1, ends: finishes, processes: no_processes },
    run: program::run,
    validate,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};

fn validate(p: &Params) -> Vec<(&'static str, Msg)> {
    let total = p.int("threads") * p.int("deposits");
    if total > MAX_DEPOSITS {
        vec![(
            "deposits",
            msg!(
                ru: "Потоков × пополнений должно быть не больше 100 000 (сейчас {total}): иначе журнал событий переполнится",
                en: "threads × deposits must be at most 100,000 (now {total}): beyond that the event trace overflows",
            ),
        )]
    } else {
        Vec::new()
    }
}
