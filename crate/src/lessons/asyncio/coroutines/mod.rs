//! coroutines: `async def` makes a coroutine function; calling it runs nothing and gives
//! a coroutine object; `await` runs it to its end; awaits one after another add up.

mod insights;
mod program;

use crate::lessons::params::seconds;
use crate::lessons::{finishes, no_cross_checks, no_processes, Expect, Lesson, ParamSpec, Section, Text};

/// The names the listing gives its steps: `step-1`, `step-2`, ... (one per delay).
const STEPS: usize = 3;

static PARAMS: [ParamSpec; STEPS] = [
    seconds("delay_1", Text { ru: "ожидание шага 1, с", en: "step 1 waits, s" }, 0.0, 30.0, 1.0),
    seconds("delay_2", Text { ru: "ожидание шага 2, с", en: "step 2 waits, s" }, 0.0, 30.0, 2.0),
    seconds("delay_3", Text { ru: "ожидание шага 3, с", en: "step 3 waits, s" }, 0.0, 30.0, 0.5),
];

pub static LESSON: Lesson = Lesson {
    id: "coroutines",
    section: Section::Asyncio,
    title: Text {
        ru: "Корутины: async def, await, asyncio.run", en: "Coroutines: async def, await, asyncio.run"
    },
    params: &PARAMS,
    listing: include_str!("listing.py"),
    explanation: Text::from_files(include_str!("explain.ru.md"), include_str!("explain.en.md")),
    default_speed: 2.0,
    // One thread: the loop's; every coroutine runs on it, inside the one task asyncio.run made.
    expect: Expect { actors: |_| 1, ends: finishes, processes: no_processes },
    run: program::run,
    validate: no_cross_checks,
    insights: insights::insights,
    targets: &[],
    policy: None,
    page: None,
};

/// The delays, in the listing's order.
fn delays(p: &crate::lessons::Params) -> [f64; STEPS] {
    [p.float("delay_1"), p.float("delay_2"), p.float("delay_3")]
}
