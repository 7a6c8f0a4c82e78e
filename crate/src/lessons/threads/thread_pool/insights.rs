//! What a run showed, read from its trace.

use crate::analysis::TraceView;
use crate::lessons::exec::plural;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{Kind, ObjKind, Op};
use std::collections::HashMap;

/// The pool's futures by their submission index (`future-K`), from the trace.
fn futures_by_index(v: &TraceView) -> HashMap<u32, usize> {
    v.objects
        .iter()
        .filter(|(_, (k, _))| *k == ObjKind::Future)
        .filter_map(|(id, (_, name))| Some((id.obj, name.strip_prefix("future-")?.parse().ok()?)))
        .collect()
}

fn list(xs: &[usize]) -> String {
    let mut s: Vec<String> = xs.iter().take(12).map(|x| x.to_string()).collect();
    if xs.len() > 12 {
        s.push("…".into());
    }
    s.join(", ")
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let max_workers = p.int("max_workers") as usize;
    let tasks = p.int("tasks") as usize;
    let Some(pool) = v.find_obj(ObjKind::Executor, "ThreadPoolExecutor-0") else {
        return vec![];
    };
    let prefix = format!("{}_", v.obj_name(pool));
    let index = futures_by_index(v);
    let mut out = Vec::new();

    // Running tasks over time, from each future's Start and Set, in the trace's order.
    let (mut running, mut max_running, mut max_at) = (0usize, 0usize, 0.0);
    let mut finished: Vec<usize> = Vec::new();
    let mut finished_at: HashMap<usize, f64> = HashMap::new();
    for e in &v.events {
        let Some(k) = index.get(&e.obj) else { continue };
        match (e.kind, e.op) {
            (Kind::Signal, Op::Start) => {
                running += 1;
                if running > max_running {
                    max_running = running;
                    max_at = v.t(e);
                }
            }
            (Kind::Signal, Op::Set) => {
                running = running.saturating_sub(1);
                finished.push(*k);
                finished_at.insert(*k, v.t(e));
            }
            _ => {}
        }
    }
    let workers = v.threads.values().filter(|n| n.starts_with(&prefix)).count();

    // 1. Never more than max_workers at once.
    let ok = max_running <= max_workers && workers <= max_workers;
    out.push(Insight {
        id: "never_more_than_max_workers",
        title: Text { ru: "Одновременно выполняется не больше max_workers задач", en: "Never more than max_workers tasks run at once" },
        observed: ok,
        detail: msg!(
            ru: "Больше всего задач одновременно: {max_running} (в {max_at}), при max_workers = {max_workers}. Пул создал {workers} {threads_noun} на {tasks} {tasks_noun}.",
            en: "Most tasks running at once: {max_running} (at {max_at}), with max_workers = {max_workers}. The pool started {workers} {threads_noun} for {tasks} {tasks_noun}.";
            max_at = Secs(max_at),
            threads_noun = plural(workers as u64, ["поток", "потока", "потоков"], ["thread", "threads"]),
            tasks_noun = plural(tasks as u64, ["задачу", "задачи", "задач"], ["task", "tasks"]),
        ),
    });

    // 2. map keeps the input order; the tasks finish in another.
    let mapped: Vec<usize> = v
        .stdout()
        .iter()
        .filter_map(|l| l.strip_prefix("main: map gives task ")?.split(' ').next()?.parse().ok())
        .collect();
    let in_order = mapped.iter().copied().eq(1..tasks);
    let by_map: Vec<usize> = finished.iter().copied().filter(|k| *k >= 1).collect();
    let reordered = by_map.windows(2).any(|w| w[0] > w[1]);
    let (observed, detail) = if tasks < 3 {
        (
            false,
            msg!(
                ru: "Через map прошло задач: {rest}. Чтобы увидеть разницу порядков, нужно хотя бы две. Возьмите TASKS побольше.",
                en: "Tasks that went through map: {rest}. At least two are needed to see the orders differ: take more TASKS.";
                rest = tasks.saturating_sub(1),
            ),
        )
    } else {
        let (ru_tail, en_tail) = if !reordered && max_workers == 1 {
            (
                " С одним потоком задачи идут строго по очереди, и порядок окончания совпадает с порядком входа.",
                " With one thread the tasks run strictly one after another, so they finish in input order too.",
            )
        } else if !reordered {
            (
                " В этот раз задачи закончились по порядку — запустите ещё раз.",
                " This time the tasks happened to finish in order: run it again.",
            )
        } else {
            ("", "")
        };
        (
            in_order && reordered,
            msg!(ru: "map выдал {n} результатов {order}: {mapped}. Задачи закончились в порядке: {finished}.{tail}", en: "map gave {n} results {order}: {mapped}. The tasks finished in the order: {finished}.{tail}"; n = mapped.len(), order = if in_order {
                        Text { ru: "строго по порядку входа", en: "strictly in input order" }
                    } else {
                        Text { ru: "НЕ по порядку входа", en: "NOT in input order" }
                    }, mapped = list(&mapped), finished = list(&by_map), tail = Msg::new(ru_tail, en_tail)),
        )
    };
    out.push(Insight {
        id: "map_keeps_input_order",
        title: Text {
            ru: "map возвращает результаты по порядку входа, хотя задачи заканчиваются в другом",
            en: "map returns results in input order while the tasks finish in another",
        },
        observed,
        detail,
    });

    // 3. result() waits for the task.
    let f0 = index.iter().find(|(_, k)| **k == 0).map(|(id, _)| *id);
    let main_blocked = f0.and_then(|f| {
        v.events.iter().find(|e| e.obj == f && e.actor.is_main_thread() && e.kind == Kind::Block).map(|e| v.t(e))
    });
    let main_got = f0.and_then(|f| {
        v.events
            .iter()
            .find(|e| e.obj == f && e.actor.is_main_thread() && e.kind == Kind::Ok && e.op == Op::Result)
            .map(|e| v.t(e))
    });
    let done0 = finished_at.get(&0).copied();
    let (observed, detail) = match (main_blocked, main_got, done0) {
        (Some(b), Some(g), Some(d)) => (
            true,
            msg!(
                ru: "MainThread ждал в result() с {b} по {g}: задача 0 закончилась в {d}, и только тогда result() вернул значение.",
                en: "MainThread waited in result() from {b} to {g}: task 0 finished at {d}, and only then did result() return.";
                b = Secs(b),
                g = Secs(g),
                d = Secs(d),
            ),
        ),
        (None, Some(g), _) => (
            false,
            msg!(
                ru: "Задача 0 была готова раньше, чем MainThread вызвал result() (в {g}): ждать не пришлось. Увеличьте TASK_S.",
                en: "Task 0 was done before MainThread called result() (at {g}): no waiting. Raise TASK_S.";
                g = Secs(g),
            ),
        ),
        _ => (false, Msg::new("result() задачи 0 в журнале не найден.", "No result() of task 0 in the trace.")),
    };
    out.push(Insight {
        id: "result_waits",
        title: Text {
            ru: "result() ждёт, пока задача не закончится", en: "result() waits until the task is done"
        },
        observed,
        detail,
    });
    out
}
