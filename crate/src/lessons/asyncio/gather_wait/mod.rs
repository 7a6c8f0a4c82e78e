//! gather-wait: three ways to wait for many simulated requests: `gather` (results in the
//! order of the tasks, exceptions returned), `as_completed` (in the order they finish,
//! with a timeout) and `wait` (done and pending sets by a rule, with a timeout).

mod insights;
mod program;

use crate::lessons::params::{choice, count, seconds, seconds_or_none};
use crate::lessons::{finishes, no_processes, Expect, Lesson, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::msg;

/// Outcomes the listing prints (its `SHOWN`).
const SHOWN: usize = 5;

static APIS: [(&str, Text); 5] = [
    ("gather", Text { ru: "gather", en: "gather" }),
    ("as_completed", Text { ru: "as_completed", en: "as_completed" }),
    ("wait_first", Text { ru: "wait, FIRST_COMPLETED", en: "wait, FIRST_COMPLETED" }),
    ("wait_exception", Text { ru: "wait, FIRST_EXCEPTION", en: "wait, FIRST_EXCEPTION" }),
    ("wait_all", Text { ru: "wait, ALL_COMPLETED", en: "wait, ALL_COMPLETED" }),
];

static PARAMS: [ParamSpec; 6] = [
    count("requests", Text { ru: "запросов", en: "requests" }, 1, 10_000, 10),
    seconds("latency_min", Text { ru: "задержка от, с", en: "latency from, s" }, 0.0, 30.0, 0.2),
    seconds("latency_max", Text { ru: "задержка до, с", en: "latency up to, s" }, 0.0, 30.0, 2.0),
    ParamSpec {
        key: "failure_rate",
        label: Text { ru: "доля отказов", en: "failure rate" },
        kind: ParamKind::Float { min: 0.0, max: 1.0, default: 0.2 },
    },
    choice("api", Text { ru: "чем ждать", en: "how to wait" }, &APIS, "gather"),
    seconds_or_none("timeout", Text { ru: "timeout, с", en: "timeout, s" }, 60.0, "None"),
];

fn validate(p: &Params) -> Vec<(&'static str, Msg)> {
    let (lo, hi) = (p.float("latency_min"), p.float("latency_max"));
    if lo > hi {
        vec![(
            "latency_max",
            msg!(ru: "Верхняя граница ({hi}) меньше нижней ({lo})", en: "The upper bound ({hi}) is below the lower one ({lo})"),
        )]
    } else {
        Vec::new()
    }
}

pub static LESSON: Lesson = Lesson {
    id: "gather-wait",
    section: Section::Asyncio,
    title: Text { ru: "gather, as_completed, wait", en: "gather, as_completed, wait" },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 1.0,
    // One thread, the loop's; the requests are tasks on it.
    expect: Expect { actors: |_| 1, ends: finishes, processes: no_processes },
    run: program::run,
    validate,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};
