//! What a run showed, read from its trace: each worker task's wait (its `Block` with
//! `Op::Sleep` to its next step), how many waited at once, and when they began.

use crate::analysis::TraceView;
use crate::lessons::exec::lines;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{Kind, Op};
use std::collections::{HashMap, HashSet};

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let n = p.int("tasks") as usize;
    let delay = p.float("delay");
    let workers: HashSet<u32> =
        v.tasks.iter().filter(|(_, name)| name.starts_with("worker-")).map(|(a, _)| a.task).collect();
    let is_worker = |task: u32| workers.contains(&task);
    // Each worker's wait: from its Block to its next Ok.
    let mut open: HashMap<u32, f64> = HashMap::new();
    let mut waits: Vec<(f64, f64)> = Vec::new();
    for e in v.events.iter().filter(|e| e.actor.task != 0) {
        match (e.kind, e.op) {
            (Kind::Block, Op::Sleep) if is_worker(e.actor.task) => {
                open.insert(e.actor.task, v.t(e));
            }
            (Kind::Ok, Op::Await) => {
                if let Some(t0) = open.remove(&e.actor.task) {
                    waits.push((t0, v.t(e)));
                }
            }
            _ => {}
        }
    }
    // The most waits under way at one instant (ends before starts at a tie).
    let mut edges: Vec<(f64, i32)> = waits.iter().flat_map(|&(a, b)| [(a, 1), (b, -1)]).collect();
    edges.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    let (mut at_once, mut now) = (0, 0);
    for (_, d) in edges {
        now += d;
        at_once = at_once.max(now);
    }
    let first = waits.iter().map(|w| w.0).fold(f64::INFINITY, f64::min);
    let last = waits.iter().map(|w| w.1).fold(0.0, f64::max);
    let took = (last - first).max(0.0);
    let lines = lines(v);
    let created = lines.iter().find(|l| l.text.contains(" main: created "));
    let first_start =
        v.events.iter().position(|e| e.kind == Kind::Block && e.op == Op::Sleep && is_worker(e.actor.task));
    let mut out = Vec::new();

    out.push(Insight {
        id: "total_is_about_the_longest",
        title: Text {
            ru: "Общее время — около самого долгого ожидания, а не сумма",
            en: "The total time is about the longest wait, not the sum",
        },
        // A loaded machine adds lateness; a tenth of a second past the delay is still "one delay".
        observed: waits.len() == n && took >= delay * (1.0 - 1e-6) - 1e-6 && took < delay + 0.1 + delay * 0.05,
        detail: msg!(
            ru: "{done} из {n} задач отождали по {delay}; от первого ожидания до последнего конца прошло {took}, а одна за другой они заняли бы {sum}.",
            en: "{done} of {n} tasks waited {delay} each; from the first wait to the last end {took} passed, where one after another they would take {sum}.";
            done = waits.len(),
            delay = Secs(delay),
            took = Secs(took),
            sum = Secs(delay * n as f64),
        ),
    });

    out.push(Insight {
        id: "all_wait_at_once",
        title: Text { ru: "Все задачи ждут одновременно", en: "Every task waits at the same time" },
        observed: at_once as usize == n && waits.len() == n,
        detail: msg!(
            ru: "Одновременно ждали {at_once} из {n} задач. Поток при этом один: задачи уступают его друг другу на каждом await.",
            en: "{at_once} of {n} tasks were waiting at once. There is still one thread: the tasks hand it to each other at every await.";
            at_once = at_once,
        ),
    });

    let starts_later = matches!((created, first_start), (Some(c), Some(s)) if c.index < s);
    out.push(Insight {
        id: "tasks_start_at_the_first_await",
        title: Text {
            ru: "create_task только планирует: задачи стартуют, когда main уступит цикл",
            en: "create_task only schedules: the tasks start once main yields to the loop",
        },
        observed: starts_later,
        detail: match created {
            Some(c) if starts_later => msg!(
                ru: "main создал все задачи и напечатал об этом в {t} раньше, чем хоть одна начала работу: они ждали в очереди готовых, пока main не дошёл до await.",
                en: "main created every task and said so at {t} before any of them began: they sat in the ready queue until main reached an await.";
                t = Secs(c.t),
            ),
            _ => Msg::new("Задачи начали работу раньше, чем main о них сообщил.", "The tasks began before main reported them."),
        },
    });
    out
}
