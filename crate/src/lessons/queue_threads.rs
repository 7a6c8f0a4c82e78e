//! `queue.Queue` between producer and consumer threads: FIFO, `maxsize`, sentinels,
//! `task_done` and `join`.

use super::exec::{dropped_note, en_plural, lines, ru_plural};
use super::{Insight, Lesson, Measurements, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::prims::Queue;
use crate::runtime::{self, monotonic};
use crate::threading::{current_thread, Thread};
use crate::trace::{Actor, Kind, ObjKind, Op};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

pub static LESSON: Lesson = Lesson {
    id: "queue-threads",
    section: Section::Threads,
    title: Text { ru: "queue.Queue между потоками", en: "queue.Queue between threads" },
    params: &[
        ParamSpec {
            key: "producers",
            label: Text { ru: "Производителей", en: "Producers" },
            kind: ParamKind::Int { min: 1, max: 32, default: 2 },
        },
        ParamSpec {
            key: "consumers",
            label: Text { ru: "Потребителей", en: "Consumers" },
            kind: ParamKind::Int { min: 1, max: 32, default: 2 },
        },
        ParamSpec {
            key: "maxsize",
            label: Text { ru: "maxsize (0 — без предела)", en: "maxsize (0: unbounded)" },
            kind: ParamKind::Int { min: 0, max: 1000, default: 0 },
        },
        ParamSpec {
            key: "items",
            label: Text { ru: "Элементов всего", en: "Items in all" },
            kind: ParamKind::Int { min: 1, max: 100_000, default: 20 },
        },
        ParamSpec {
            key: "produce_s",
            label: Text { ru: "Изготовление элемента, с", en: "Making an item, s" },
            kind: ParamKind::Float { min: 0.0, max: 10.0, default: 0.2 },
        },
        ParamSpec {
            key: "consume_s",
            label: Text { ru: "Обработка элемента, с", en: "Handling an item, s" },
            kind: ParamKind::Float { min: 0.0, max: 10.0, default: 0.5 },
        },
    ],
    listing: LISTING,
    explanation: Text { ru: EXPLANATION_RU, en: EXPLANATION_EN },
    default_speed: 1.0,
    threads: |p| (p.int("producers") + p.int("consumers")) as usize + 1,
    run,
    validate: super::no_cross_checks,
    insights,
};

const LISTING: &str = r#"import queue
import time
from threading import Thread, current_thread

PRODUCERS = {{producers}}
CONSUMERS = {{consumers}}
MAXSIZE = {{maxsize}}          # 0: the queue never fills up
ITEMS = {{items}}              # shared out among the producers
PRODUCE, CONSUME = {{produce_s}}, {{consume_s}}   # seconds per item
SHOW = ITEMS <= 200            # print every item only in small runs

q = queue.Queue(maxsize=MAXSIZE)
consumed = []                  # list.append is atomic in CPython
start = time.monotonic()

def producer(p):
    name = current_thread().name
    for seq in range(len(range(p, ITEMS, PRODUCERS))):
        if PRODUCE:
            time.sleep(PRODUCE)
        item = f'p{p}-{seq}'
        q.put(item)                            # blocks while the queue is full
        if SHOW:
            print(f'{name}: put {item}, size {q.qsize()}')
    print(f'{name}: done')

def consumer():
    name = current_thread().name
    count = 0
    while True:
        item = q.get()                         # blocks while the queue is empty
        if item is None:                       # the sentinel: time to stop
            q.task_done()
            break
        if CONSUME:
            time.sleep(CONSUME)
        consumed.append(item)
        count += 1
        if SHOW:
            print(f'{name}: got {item}')
        q.task_done()
    print(f'{name}: stopped after {count} items')

producers = [Thread(target=producer, args=(p,), name=f'producer-{p}') for p in range(PRODUCERS)]
consumers = [Thread(target=consumer, name=f'consumer-{c}') for c in range(CONSUMERS)]
for t in producers + consumers:
    t.start()
for t in producers:
    t.join()
q.join()                                       # until every item is task_done()
print(f'main: all items handled at {time.monotonic() - start:.2f}')
for _ in consumers:
    q.put(None)                                # one sentinel per consumer
for t in consumers:
    t.join()
print(f'main: consumed {len(consumed)} of {ITEMS}, {len(set(consumed))} distinct')
"#;

const EXPLANATION_RU: &str = "`queue.Queue` — самый удобный способ передавать данные между потоками: все нужные блокировки уже внутри. `put()` кладёт элемент в конец, `get()` забирает из начала (FIFO: первым пришёл — первым ушёл). Если очередь пуста, `get()` ждёт; если у очереди задан `maxsize` и она заполнена, ждёт `put()`. Так быстрый производитель сам притормаживает до скорости потребителей, и память не растёт без предела.

Каждый элемент достаётся ровно одному потребителю, сколько бы их ни было. Порядок элементов одного производителя сохраняется: потребитель никогда не получит `p0-5` раньше `p0-4`. Порядок между разными производителями определяется тем, кто успел первым.

Остановить потребителей помогает «стоп-сигнал» (sentinel): после всех данных в очередь кладут по одному `None` на каждого потребителя. `task_done()` отмечает, что взятый элемент обработан, а `q.join()` ждёт, пока так не будут отмечены все положенные в очередь элементы. Параметры PRODUCE и CONSUME задают, сколько времени уходит на изготовление и на обработку одного элемента: сделайте потребителей медленнее производителей и задайте небольшой `maxsize`, чтобы увидеть, как `put()` ждёт свободного места.";

const EXPLANATION_EN: &str = "`queue.Queue` is the easiest way to pass data between threads: all the locking it needs is inside. `put()` adds an item at the tail, `get()` takes one from the head (FIFO: first in, first out). When the queue is empty, `get()` waits; when it has a `maxsize` and is full, `put()` waits. That way a fast producer slows down to the consumers' pace by itself, and memory does not grow without bound.

Every item goes to exactly one consumer, however many there are. The order of one producer's items is kept: a consumer never gets `p0-5` before `p0-4`. The order between different producers depends on who got there first.

A sentinel stops the consumers: after all the data, one `None` per consumer goes into the queue. `task_done()` marks a taken item as handled, and `q.join()` waits until every item ever put has been marked so. PRODUCE and CONSUME set how long making and handling one item take: make the consumers slower than the producers and give the queue a small `maxsize` to watch `put()` wait for room.";

fn run(p: &Params) -> PyResult<()> {
    let producers = p.int("producers");
    let consumers = p.int("consumers");
    let items = p.int("items");
    let (produce, consume) = (p.float("produce_s"), p.float("consume_s"));
    let show = items <= 200;
    let q: Arc<Queue<Option<String>>> = Arc::new(Queue::named("q", p.int("maxsize")));
    let consumed = Arc::new(Mutex::new(Vec::<String>::new()));
    let start = monotonic();

    let mut ps = Vec::new();
    for pi in 0..producers {
        let q = q.clone();
        ps.push(Thread::named(&format!("producer-{pi}"), "producer", move || {
            let name = current_thread().name().to_owned();
            let mine = (pi..items).step_by(producers as usize).count();
            for seq in 0..mine {
                if produce > 0.0 {
                    runtime::sleep(produce)?;
                }
                let item = format!("p{pi}-{seq}");
                q.put(Some(item.clone()), true, None)?;
                if show {
                    crate::py_print!("{name}: put {item}, size {}", q.qsize())?;
                }
            }
            crate::py_print!("{name}: done")
        }));
    }
    let mut cs = Vec::new();
    for ci in 0..consumers {
        let (q, consumed) = (q.clone(), consumed.clone());
        cs.push(Thread::named(&format!("consumer-{ci}"), "consumer", move || {
            let name = current_thread().name().to_owned();
            let mut count = 0;
            loop {
                let Some(item) = q.get(true, None)? else {
                    q.task_done()?;
                    break;
                };
                if consume > 0.0 {
                    runtime::sleep(consume)?;
                }
                consumed.lock().unwrap().push(item.clone());
                count += 1;
                if show {
                    crate::py_print!("{name}: got {item}")?;
                }
                q.task_done()?;
            }
            crate::py_print!("{name}: stopped after {count} items")
        }));
    }
    for t in ps.iter().chain(cs.iter()) {
        t.start()?;
    }
    for t in &ps {
        t.join(None)?;
    }
    q.join()?;
    crate::py_print!("main: all items handled at {:.2}", monotonic() - start)?;
    for _ in &cs {
        q.put(None, true, None)?;
    }
    for t in &cs {
        t.join(None)?;
    }
    let consumed = consumed.lock().unwrap();
    let distinct = consumed.iter().collect::<HashSet<_>>().len();
    crate::py_print!("main: consumed {} of {items}, {distinct} distinct", consumed.len())
}

/// `(producer, seq)` of an item named `p{producer}-{seq}`.
fn parse_item(s: &str) -> Option<(u32, u64)> {
    let (p, q) = s.strip_prefix('p')?.split_once('-')?;
    Some((p.parse().ok()?, q.parse().ok()?))
}

fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let consumers = p.int("consumers");
    let maxsize = p.int("maxsize");
    let items = p.int("items") as usize;
    let show = items <= 200;
    let note = dropped_note(v).unwrap_or_default();
    let Some(q) = v.find_obj(ObjKind::Queue, "q") else {
        return vec![];
    };
    let all = lines(v);
    // Every "consumer-k: got pX-Y" line, by consumer, in the consumer's own order.
    let mut got: HashMap<Actor, Vec<(u32, u64)>> = HashMap::new();
    for l in &all {
        if let Some((_, item)) = l.text.split_once(": got ") {
            if let Some(it) = parse_item(item) {
                got.entry(l.actor).or_default().push(it);
            }
        }
    }
    let mut out = Vec::new();

    // 1. FIFO per producer, as each consumer sees it.
    let (observed, detail) = if !show {
        (
            false,
            Msg::new(
                format!("При {items} элементах программа не печатает каждый из них (SHOW = False), и порядок проверить не по чему: уменьшите ITEMS до 200.{}", note.ru),
                format!("With {items} items the program does not print each one (SHOW = False), so there is nothing to check the order on: lower ITEMS to 200.{}", note.en),
            ),
        )
    } else {
        let mut inversions = Vec::new();
        for (actor, seq) in &got {
            let mut last: HashMap<u32, u64> = HashMap::new();
            for (prod, s) in seq {
                if let Some(prev) = last.get(prod) {
                    if s < prev {
                        inversions.push((v.thread_name(*actor).to_owned(), *prod, *prev, *s));
                    }
                }
                last.insert(*prod, *s);
            }
        }
        let n: usize = got.values().map(|g| g.len()).sum();
        match inversions.first() {
            None => (
                n > 0,
                Msg::new(
                    format!("Получено элементов: {n}, потребителей: {}. У каждого элементы одного производителя идут в том порядке, в каком их клали.{}", got.len(), note.ru),
                    format!("{n} items received by {} {}: each saw every producer's items in the order they were put.{}", got.len(), en_plural(got.len() as u64, "consumer", "consumers"), note.en),
                ),
            ),
            Some((c, prod, a, b)) => (
                false,
                Msg::new(
                    format!("{c} получил p{prod}-{b} после p{prod}-{a}: порядок нарушен.{}", note.ru),
                    format!("{c} got p{prod}-{b} after p{prod}-{a}: the order was broken.{}", note.en),
                ),
            ),
        }
    };
    out.push(Insight {
        id: "fifo-per-producer",
        title: Text {
            ru: "Порядок элементов каждого производителя сохраняется",
            en: "Each producer's items keep their order",
        },
        observed,
        detail,
    });

    // 2. put() blocks while the queue is full.
    let qe: Vec<&crate::trace::Event> = v.events.iter().filter(|e| e.obj == q).collect();
    let blocked_puts = qe.iter().filter(|e| e.kind == Kind::Block && e.op == Op::Put).count();
    let max_size = qe.iter().filter(|e| e.kind == Kind::Ok && e.op == Op::Put).map(|e| e.arg).max().unwrap_or(0);
    let (observed, detail) = if maxsize == 0 {
        (
            false,
            Msg::new(
                format!("maxsize = 0: очередь не ограничена, и put() никогда не ждёт; наибольший размер очереди — {max_size}. Задайте maxsize, например 3.{}", note.ru),
                format!("maxsize = 0: the queue is unbounded and put() never waits; its largest size was {max_size}. Set maxsize, say to 3.{}", note.en),
            ),
        )
    } else {
        let within = max_size as i64 <= maxsize;
        (
            blocked_puts > 0 && within,
            Msg::new(
                format!(
                    "put() ждал свободного места {blocked_puts} {}; размер очереди доходил до {max_size} при maxsize = {maxsize}{}.{}",
                    ru_plural(blocked_puts as u64, "раз", "раза", "раз"),
                    if within { "" } else { " — больше предела!" },
                    note.ru
                ),
                format!(
                    "put() waited for room {blocked_puts} {}; the queue held up to {max_size} items with maxsize = {maxsize}{}.{}",
                    en_plural(blocked_puts as u64, "time", "times"),
                    if within { "" } else { ", over the limit!" },
                    note.en
                ),
            ),
        )
    };
    out.push(Insight {
        id: "put-blocks-when-full",
        title: Text {
            ru: "put() ждёт, пока в полной очереди не освободится место",
            en: "put() waits while the queue is full",
        },
        observed,
        detail,
    });

    // 3. Every item consumed exactly once.
    let summary = all.iter().rev().find(|l| l.actor.is_main_thread() && l.text.starts_with("main: consumed "));
    let parsed = summary.and_then(|l| {
        let rest = l.text.strip_prefix("main: consumed ")?;
        let (a, rest) = rest.split_once(" of ")?;
        let (b, rest) = rest.split_once(", ")?;
        let c = rest.strip_suffix(" distinct")?;
        Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?, c.parse::<usize>().ok()?))
    });
    // Item-level check where every item was printed.
    let mut per_item: HashMap<(u32, u64), usize> = HashMap::new();
    for g in got.values() {
        for it in g {
            *per_item.entry(*it).or_default() += 1;
        }
    }
    let dup = per_item.values().filter(|n| **n > 1).count();
    let item_ok = !show || (per_item.len() == items && dup == 0);
    // Gets that returned a real item: all gets minus one sentinel per consumer.
    let gets = qe.iter().filter(|e| e.kind == Kind::Ok && e.op == Op::Get).count();
    let (observed, detail) = match parsed {
        Some((n, total, distinct)) => {
            let ok = n == total && distinct == total && item_ok;
            (
                ok,
                Msg::new(
                    format!(
                        "Получено {n} из {total}, различных {distinct}{}; всего успешных get(): {gets} (из них стоп-сигналов: {consumers}).{}",
                        if show { format!(", по строкам консоли: {} различных, повторов {dup}", per_item.len()) } else { String::new() },
                        note.ru
                    ),
                    format!(
                        "{n} of {total} received, {distinct} distinct{}; successful get() calls: {gets} (including the sentinels, one per consumer: {consumers}).{}",
                        if show { format!("; by the console lines: {} distinct, {dup} repeated", per_item.len()) } else { String::new() },
                        note.en
                    ),
                ),
            )
        }
        None if v.dropped > 0 => (
            false,
            Msg::new(
                format!("Итоговая строка не поместилась в журнал.{} Уменьшите ITEMS.", note.ru),
                format!("The summary line did not fit in the trace.{} Lower ITEMS.", note.en),
            ),
        ),
        None => (
            false,
            Msg::new(
                format!("Программа не дошла до итоговой строки.{}", note.ru),
                format!("The program did not reach its summary line.{}", note.en),
            ),
        ),
    };
    out.push(Insight {
        id: "exactly-once",
        title: Text {
            ru: "Каждый элемент обработан ровно один раз", en: "Every item is handled exactly once"
        },
        observed,
        detail,
    });
    out
}
