//! `concurrent.futures.ThreadPoolExecutor`: `submit`, `result`, `map`, `max_workers`.

use super::exec::{en_plural, ru_plural, s_en, s_ru};
use super::{Insight, Lesson, Measurements, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::futures::ThreadPoolExecutor;
use crate::runtime::{self, monotonic};
use crate::threading::current_thread;
use crate::trace::{Kind, ObjKind, Op};
use std::collections::HashMap;

pub static LESSON: Lesson = Lesson {
    id: "thread-pool",
    section: Section::Threads,
    title: Text { ru: "Пул потоков: ThreadPoolExecutor", en: "A pool of threads: ThreadPoolExecutor" },
    params: &[
        ParamSpec {
            key: "max_workers",
            label: Text { ru: "Потоков в пуле (max_workers)", en: "Threads in the pool (max_workers)" },
            kind: ParamKind::Int { min: 1, max: 64, default: 5 },
        },
        ParamSpec {
            key: "tasks",
            label: Text { ru: "Задач", en: "Tasks" },
            kind: ParamKind::Int { min: 1, max: 1000, default: 20 },
        },
        ParamSpec {
            key: "task_s",
            label: Text { ru: "Задача в среднем, с", en: "A task on average, s" },
            kind: ParamKind::Float { min: 0.0, max: 10.0, default: 1.0 },
        },
    ],
    listing: LISTING,
    explanation: Text { ru: EXPLANATION_RU, en: EXPLANATION_EN },
    default_speed: 1.0,
    threads: |p| p.int("max_workers") as usize + 1,
    run,
    validate: super::no_cross_checks,
    insights,
};

const LISTING: &str = r#"import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

MAX_WORKERS = {{max_workers}}
TASKS = {{tasks}}
TASK_S = {{task_s}}            # seconds per task on average (each takes 0.5x to 1.5x)
start = time.monotonic()

def task(n):
    name = threading.current_thread().name
    print(f'{name}: task {n} started at {time.monotonic() - start:.2f}')
    time.sleep(TASK_S * random.uniform(0.5, 1.5))
    print(f'{name}: task {n} finished at {time.monotonic() - start:.2f}')
    return n * n

with ThreadPoolExecutor(max_workers=MAX_WORKERS) as executor:
    future = executor.submit(task, 0)
    print(f'main: task 0 submitted, done() = {future.done()}')
    print(f'main: task 0 -> {future.result()}, done() = {future.done()}')
    results = executor.map(task, range(1, TASKS))     # submits them all at once
    for n, square in zip(range(1, TASKS), results):   # waits for each in turn
        print(f'main: map gives task {n} -> {square}')
print('main: the pool is shut down')
"#;

const EXPLANATION_RU: &str = "Создавать поток на каждую маленькую задачу дорого, а тысяча одновременных потоков только мешают друг другу. Пул потоков решает обе проблемы: `ThreadPoolExecutor(max_workers=N)` держит не больше N рабочих потоков и раздаёт им задачи из общей очереди. Потоки создаются по мере надобности (новый — только если все имеющиеся заняты) и переиспользуются: посмотрите на имена `ThreadPoolExecutor-0_0`, `..._1` в консоли.

`submit(fn, *args)` сразу возвращает `Future` — обещание результата. `done()` говорит, готов ли он, а `result()` ждёт готовности и возвращает значение (или заново выбрасывает исключение задачи). `map(fn, items)` отправляет в пул все задачи сразу и возвращает результаты строго в порядке входных данных, хотя заканчиваются задачи в другом порядке: короткая задача из конца списка может закончиться раньше длинной из начала, и тогда её результат просто подождёт своей очереди.

Блок `with` в конце вызывает `shutdown(wait=True)`: новые задачи больше не принимаются, а выход из блока ждёт, пока пул доделает всё, что в нём было. Для задач, которые в основном ждут (сеть, диск, `sleep`), пул потоков ускоряет работу почти в N раз; для вычислений на чистом Python мешает GIL — об этом отдельный урок.";

const EXPLANATION_EN: &str = "Starting a thread for every small task is costly, and a thousand threads at once only get in each other's way. A thread pool solves both: `ThreadPoolExecutor(max_workers=N)` keeps at most N worker threads and hands them tasks from a shared queue. Threads are started as needed (a new one only when all existing ones are busy) and reused: watch the names `ThreadPoolExecutor-0_0`, `..._1` in the console.

`submit(fn, *args)` returns a `Future` at once, a promise of a result. `done()` tells whether it is ready, and `result()` waits for it and returns the value (or re-raises the task's exception). `map(fn, items)` sends all the tasks to the pool at once and returns the results strictly in the order of the input, even though the tasks finish in a different order: a short task near the end may finish before a long one near the start, and its result simply waits for its turn.

The `with` block calls `shutdown(wait=True)` at its end: no new tasks are accepted, and leaving the block waits until the pool has done everything it held. For tasks that mostly wait (network, disk, `sleep`) a pool of threads speeds the work up almost N times; for pure-Python computation the GIL gets in the way, which is a lesson of its own.";

fn task(n: i64, task_s: f64, start: f64) -> PyResult<i64> {
    let name = current_thread().name().to_owned();
    crate::py_print!("{name}: task {n} started at {:.2}", monotonic() - start)?;
    runtime::sleep(task_s * super::pyrandom::uniform(0.5, 1.5))?;
    crate::py_print!("{name}: task {n} finished at {:.2}", monotonic() - start)?;
    Ok(n * n)
}

fn run(p: &Params) -> PyResult<()> {
    let tasks = p.int("tasks");
    let task_s = p.float("task_s");
    let start = monotonic();
    ThreadPoolExecutor::new(p.int("max_workers"))?.with(|executor| {
        let future = executor.submit(move || task(0, task_s, start))?;
        crate::py_print!("main: task 0 submitted, done() = {}", super::exec::py_bool(future.done()))?;
        let r = future.result(None)?;
        crate::py_print!("main: task 0 -> {r}, done() = {}", super::exec::py_bool(future.done()))?;
        let results = executor.map(move |n| task(n, task_s, start), 1..tasks)?;
        for (n, square) in (1..tasks).zip(results) {
            crate::py_print!("main: map gives task {n} -> {}", square?)?;
        }
        Ok(())
    })?;
    runtime::print("main: the pool is shut down")
}

/// The pool's futures by their submission index (`future-K`), from the trace.
fn futures_by_index(v: &TraceView) -> HashMap<u32, usize> {
    v.objects
        .iter()
        .filter(|(_, (k, _))| *k == ObjKind::Future)
        .filter_map(|(id, (_, name))| Some((*id, name.strip_prefix("future-")?.parse().ok()?)))
        .collect()
}

fn list(xs: &[usize]) -> String {
    let mut s: Vec<String> = xs.iter().take(12).map(|x| x.to_string()).collect();
    if xs.len() > 12 {
        s.push("…".into());
    }
    s.join(", ")
}

fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
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
        id: "never-over-max-workers",
        title: Text { ru: "Одновременно выполняется не больше max_workers задач", en: "Never more than max_workers tasks run at once" },
        observed: ok,
        detail: Msg::new(
            format!(
                "Больше всего задач одновременно: {max_running} (в {}), при max_workers = {max_workers}. Пул создал {workers} {} на {tasks} {}.",
                s_ru(max_at),
                ru_plural(workers as u64, "поток", "потока", "потоков"),
                ru_plural(tasks as u64, "задачу", "задачи", "задач")
            ),
            format!(
                "Most tasks running at once: {max_running} (at {}), with max_workers = {max_workers}. The pool started {workers} {} for {tasks} {}.",
                s_en(max_at),
                en_plural(workers as u64, "thread", "threads"),
                en_plural(tasks as u64, "task", "tasks")
            ),
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
            Msg::new(
                format!("Через map прошло задач: {}. Чтобы увидеть разницу порядков, нужно хотя бы две. Возьмите TASKS побольше.", tasks.saturating_sub(1)),
                format!("Tasks that went through map: {}. At least two are needed to see the orders differ: take more TASKS.", tasks.saturating_sub(1)),
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
            Msg::new(
                format!(
                    "map выдал {} результатов {}: {}. Задачи закончились в порядке: {}.{ru_tail}",
                    mapped.len(),
                    if in_order {
                        "строго по порядку входа"
                    } else {
                        "НЕ по порядку входа"
                    },
                    list(&mapped),
                    list(&by_map)
                ),
                format!(
                    "map gave {} results {}: {}. The tasks finished in the order: {}.{en_tail}",
                    mapped.len(),
                    if in_order { "strictly in input order" } else { "NOT in input order" },
                    list(&mapped),
                    list(&by_map)
                ),
            ),
        )
    };
    out.push(Insight {
        id: "map-in-order",
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
            Msg::new(
                format!("MainThread ждал в result() с {} по {}: задача 0 закончилась в {}, и только тогда result() вернул значение.", s_ru(b), s_ru(g), s_ru(d)),
                format!("MainThread waited in result() from {} to {}: task 0 finished at {}, and only then did result() return.", s_en(b), s_en(g), s_en(d)),
            ),
        ),
        (None, Some(g), _) => (
            false,
            Msg::new(
                format!("Задача 0 была готова раньше, чем MainThread вызвал result() (в {}): ждать не пришлось. Увеличьте TASK_S.", s_ru(g)),
                format!("Task 0 was done before MainThread called result() (at {}): no waiting. Raise TASK_S.", s_en(g)),
            ),
        ),
        _ => (false, Msg::new("result() задачи 0 в журнале не найден.", "No result() of task 0 in the trace.")),
    };
    out.push(Insight {
        id: "result-waits",
        title: Text {
            ru: "result() ждёт, пока задача не закончится", en: "result() waits until the task is done"
        },
        observed,
        detail,
    });
    out
}
