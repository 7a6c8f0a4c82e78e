//! What a run showed: the calls the worker processes ran (their `Task` events on the
//! pool, from every process's trace), where the callbacks ran, and main's lines.

use crate::analysis::TraceView;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::trace::{Kind, ObjKind, Op};
use std::collections::{HashMap, HashSet};

/// One call of the task in a worker: when it started and ended, its item, its process.
struct Call {
    t0: f64,
    t1: f64,
    item: u32,
    pid: u32,
}

fn calls(v: &TraceView) -> Vec<Call> {
    let mut open = HashMap::new();
    let mut out = Vec::new();
    for e in v.events.iter().filter(|e| e.op == Op::Task && v.obj_kind(e.obj_key()) == Some(ObjKind::Pool)) {
        match e.kind {
            Kind::Signal => {
                open.insert((e.actor.pid, e.arg), v.t(e));
            }
            Kind::Ok => {
                if let Some(t0) = open.remove(&(e.actor.pid, e.arg)) {
                    out.push(Call { t0, t1: v.t(e), item: e.arg as u32, pid: e.actor.pid });
                }
            }
            _ => {}
        }
    }
    out
}

/// The most calls running at one moment (an end before a start at the same instant).
fn most_at_once(calls: &[Call]) -> usize {
    let mut edges: Vec<(f64, i32)> = calls.iter().flat_map(|c| [(c.t0, 1), (c.t1, -1)]).collect();
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut n = 0i32;
    edges
        .iter()
        .map(|e| {
            n += e.1;
            n
        })
        .max()
        .unwrap_or(0) as usize
}

fn main_line(v: &TraceView, prefix: &str) -> Option<String> {
    v.lines().into_iter().find(|l| l.actor.pid == 1 && l.text.starts_with(prefix)).map(|l| l.text)
}

fn list(xs: &[u32]) -> String {
    let mut s: Vec<String> = xs.iter().take(12).map(|x| x.to_string()).collect();
    if xs.len() > 12 {
        s.push("…".into());
    }
    s.join(", ")
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let processes = p.int("processes") as usize;
    let tasks = p.int("tasks") as usize;
    let method = p.choice("method");
    let mut out = Vec::new();

    let mut calls = calls(v);
    let most = most_at_once(&calls);
    let workers = calls.iter().map(|c| c.pid).collect::<HashSet<_>>().len();
    out.push(Insight {
        id: "never_more_than_processes",
        title: Text {
            ru: "Одновременно выполняется не больше задач, чем процессов в пуле",
            en: "Never more tasks running at once than the pool has processes",
        },
        observed: calls.len() == tasks && most <= processes,
        detail: msg!(
            ru: "Процессы-работники выполнили {n} из {tasks} вызовов задачи; одновременно — не больше {most} при {processes} процессах в пуле (работали {workers} из них). Каждый работник берёт следующую задачу, только закончив предыдущую.",
            en: "The worker processes ran {n} of {tasks} calls of the task, at most {most} at once with {processes} processes in the pool ({workers} of them did work). Each worker takes its next task only once it has finished the last.";
            n = calls.len(), tasks = tasks, most = most, processes = processes, workers = workers,
        ),
    });

    calls.sort_by(|a, b| a.t1.total_cmp(&b.t1));
    let completion: Vec<u32> = calls.iter().map(|c| c.item).collect();
    let differs = completion.windows(2).any(|w| w[0] > w[1]);
    let in_order = main_line(v, "main: results in input order: ").map(|l| l.ends_with("True"));
    let unordered = method == "imap_unordered";
    out.push(Insight {
        id: "results_in_input_order",
        title: if unordered {
            Text {
                ru: "imap_unordered отдаёт результаты по мере готовности",
                en: "imap_unordered gives the results as they are ready",
            }
        } else {
            Text {
                ru: "Результаты идут в порядке входных данных, в каком бы порядке ни завершались задачи",
                en: "The results come in input order, whatever order the tasks finish in",
            }
        },
        // In input order exactly when the calls completed in it, for imap_unordered.
        observed: in_order.is_some_and(|o| if unordered { o == !differs } else { o }),
        detail: match in_order {
            None => Msg::new("Прогон остановлен до проверки.", "The run was stopped before the check."),
            Some(o) => msg!(
                ru: "Задачи завершились в порядке {order}{note}; результаты в порядке входных данных: {o}.",
                en: "The tasks finished in the order {order}{note_en}; the results in input order: {o}.";
                order = list(&completion),
                note = if differs { " — не по порядку" } else { " — по порядку (задачи слишком ровные или их мало)" },
                note_en = if differs { ", not in input order" } else { ", in input order (tasks too even or too few)" },
                o = if o { "True" } else { "False" },
            ),
        },
    });

    let callbacks: Vec<_> = v.ops(Kind::Signal, Op::Callback).collect();
    let in_handler =
        callbacks.iter().filter(|e| e.actor.pid == 1 && v.thread_name(e.actor).ends_with("(_handle_results)")).count();
    let takes_callback = matches!(method, "map_async" | "starmap_async" | "apply_async");
    out.push(Insight {
        id: "callbacks_in_parent",
        title: Text {
            ru: "Callback выполняется в родительском процессе, в потоке-обработчике результатов",
            en: "Callbacks run in the parent process, in the result-handler thread",
        },
        observed: !callbacks.is_empty() && in_handler == callbacks.len(),
        detail: if takes_callback {
            msg!(
                ru: "Вызовов callback: {n}, из них в MainProcess, в потоке {thread}: {k}. Результат пришёл из процесса-работника по каналу, а функция обратного вызова выполнилась у родителя — она не должна работать долго: пока она идёт, остальные результаты ждут.",
                en: "{n} callback calls, {k} of them in MainProcess, in thread {thread}. The result came from a worker process through a pipe, and the callback ran in the parent: it must be quick, since the other results wait while it runs.";
                n = callbacks.len(), k = in_handler, thread = callbacks.first().map_or("_handle_results", |e| v.thread_name(e.actor)),
            )
        } else {
            Msg::new(
                "map, starmap и imap не принимают callback: выберите map_async, starmap_async или apply_async.",
                "map, starmap and imap take no callback: choose map_async, starmap_async or apply_async.",
            )
        },
    });

    let returns = p.flag("returns");
    let first =
        v.lines().into_iter().find(|l| l.actor.pid == 1 && l.text.contains(" results, the first: ")).map(|l| l.text);
    let all_none = !returns && in_order == Some(true);
    out.push(Insight {
        id: "none_without_return",
        title: Text {
            ru: "Функция без return даёт None", en: "A function that returns nothing gives None"
        },
        observed: all_none,
        detail: match (returns, first) {
            (true, _) => Msg::new(
                "Каждая задача вернула n ** 2; выключите возврат значения, и результатами станут None.",
                "Each task returned n ** 2; switch its return value off and the results become None.",
            ),
            (false, Some(line)) => msg!(
                ru: "Задача ничего не возвращает, и пул возвращает None за каждую: {line}",
                en: "The task returns nothing, and the pool gives None for each: {line}";
                line = line.trim_start_matches("main: "),
            ),
            (false, None) => Msg::new("Прогон остановлен до результатов.", "The run was stopped before the results."),
        },
    });
    out
}
