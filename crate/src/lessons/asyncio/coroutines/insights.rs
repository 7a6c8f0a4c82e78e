//! What a run showed, read from its trace: the order of the prints, the task lanes, and
//! the waits at each `await` (`Block`/`Op::Sleep` to the task's next step).

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::{lines, plural};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{Kind, Op};

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let delays = delays(p);
    let sum: f64 = delays.iter().sum();
    let lines = lines(v);
    let find = |text: &str| lines.iter().find(|l| !l.stderr && l.text.ends_with(text));
    let returned = find("main: step() returned a coroutine object");
    let first_started = lines.iter().find(|l| l.text.contains(" step-1: started"));
    let last_done = lines.iter().rev().find(|l| l.text.ends_with(&format!("step-{STEPS}: done")));
    // Each wait at an await: from the task's Block to its next Ok.
    let mut waits: Vec<(f64, f64)> = Vec::new();
    let mut open: Option<f64> = None;
    for e in v.events.iter().filter(|e| e.actor.task != 0) {
        match (e.kind, e.op) {
            (Kind::Block, Op::Sleep) => open = Some(v.t(e)),
            (Kind::Ok, Op::Await) => {
                if let Some(t0) = open.take() {
                    waits.push((t0, v.t(e)));
                }
            }
            _ => {}
        }
    }
    let tasks: Vec<&str> = v.tasks.values().map(String::as_str).collect();
    let mut out = Vec::new();

    out.push(Insight {
        id: "calling_runs_nothing",
        title: Text {
            ru: "Вызов корутинной функции ничего не выполняет",
            en: "Calling a coroutine function runs nothing",
        },
        observed: matches!((returned, first_started), (Some(r), Some(s)) if r.index < s.index),
        detail: match (returned, first_started) {
            (Some(r), Some(s)) if r.index < s.index => msg!(
                ru: "step('step-1', …) вернул объект-корутину в {r}, но её первая строка напечатана только в {s} — когда main сделал await.",
                en: "step('step-1', …) returned a coroutine object at {r}, but its first line printed only at {s}, when main awaited it.";
                r = Secs(r.t),
                s = Secs(s.t),
            ),
            _ => Msg::new(
                "Строки main и step-1 пришли не в том порядке (или их нет).",
                "The lines of main and step-1 came in another order (or are missing).",
            ),
        },
    });

    let sequential = waits.windows(2).all(|w| w[1].0 >= w[0].1 - 1e-9);
    let took = match (first_started, last_done) {
        (Some(a), Some(b)) => Some(b.t - a.t),
        _ => None,
    };
    out.push(Insight {
        id: "awaits_add_up",
        title: Text {
            ru: "Ожидания подряд складываются",
            en: "Awaits one after another add up",
        },
        observed: sequential && waits.len() == STEPS && took.is_some_and(|t| t >= sum * (1.0 - 1e-6) - 1e-6),
        detail: match took {
            Some(took) => msg!(
                ru: "{n} {waits} одно за другим (ни одно не началось, пока не кончилось прошлое): от старта step-1 до конца step-{STEPS} прошло {took}, сумма задержек {sum}.",
                en: "{n} {waits} one after another (none began before the last had ended): from step-1's start to step-{STEPS}'s end {took} passed; the delays add up to {sum}.";
                n = waits.len(),
                waits = plural(waits.len() as u64, ["ожидание", "ожидания", "ожиданий"], ["wait", "waits"]),
                took = Secs(took),
                sum = Secs(sum),
            ),
            None => Msg::new("Шаги не дошли до конца.", "The steps did not all finish."),
        },
    });

    out.push(Insight {
        id: "one_task_runs_them_all",
        title: Text {
            ru: "Всё выполняет одна задача: await не создаёт новых",
            en: "One task runs it all: await creates none",
        },
        observed: tasks.len() == 1,
        detail: msg!(
            ru: "Задач в запуске: {n} ({names}). asyncio.run обернул main в задачу, а каждый await step(…) выполнил корутину внутри неё.",
            en: "Tasks in this run: {n} ({names}). asyncio.run wrapped main in a task, and each await step(…) ran a coroutine inside it.";
            n = tasks.len(),
            names = tasks.join(", "),
        ),
    });
    out
}
