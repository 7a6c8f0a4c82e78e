//! `Condition`: `wait`, `notify`, `notify_all`, with a producer and consumers.

use super::exec::{s_en, s_ru};
use super::{Insight, Lesson, Measurements, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::prims::Condition;
use crate::runtime::{self, monotonic};
use crate::threading::{current_thread, Thread};
use crate::trace::{Actor, Kind, ObjKind, Op};
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

pub static LESSON: Lesson = Lesson {
    id: "condition",
    section: Section::Threads,
    title: Text { ru: "Condition: wait, notify и notify_all", en: "Condition: wait, notify and notify_all" },
    params: &[
        ParamSpec {
            key: "consumers",
            label: Text { ru: "Потребителей", en: "Consumers" },
            kind: ParamKind::Int { min: 1, max: 64, default: 3 },
        },
        ParamSpec {
            key: "mode",
            label: Text { ru: "Чем будить", en: "How to wake" },
            kind: ParamKind::Choice {
                options: &[
                    ("notify", Text { ru: "notify() — одного", en: "notify(): one" }),
                    ("notify_all", Text { ru: "notify_all() — всех", en: "notify_all(): all" }),
                ],
                default: "notify",
            },
        },
        ParamSpec {
            key: "period",
            label: Text { ru: "Новый элемент каждые, с", en: "A new item every, s" },
            kind: ParamKind::Float { min: 0.1, max: 10.0, default: 1.0 },
        },
    ],
    listing: LISTING,
    explanation: Text { ru: EXPLANATION_RU, en: EXPLANATION_EN },
    default_speed: 1.0,
    threads: |p| p.int("consumers") as usize + 2,
    run,
    validate: super::no_cross_checks,
    insights,
};

const LISTING: &str = r#"import time
from threading import Condition, Thread, current_thread

CONSUMERS = {{consumers}}
MODE = '{{mode}}'              # 'notify' or 'notify_all'
PERIOD = {{period}}            # seconds between two items

cond = Condition()
items = []
start = time.monotonic()

def consumer():
    name = current_thread().name
    with cond:
        while not items:                       # nothing for me: wait for a notification
            print(f'{name}: waiting')
            cond.wait()
            print(f'{name}: woken at {time.monotonic() - start:.2f}, items: {len(items)}')
        item = items.pop(0)
    print(f'{name}: took {item}')

with cond:
    cond.notify()                              # nobody waits yet: this one is lost
print('main: notify() sent before anyone waits')

consumers = [Thread(target=consumer, name=f'consumer-{i}') for i in range(CONSUMERS)]
for t in consumers:
    t.start()
for i in range(CONSUMERS):
    time.sleep(PERIOD)
    with cond:
        items.append(f'item-{i}')
        print(f'main: item-{i} ready, {MODE}() at {time.monotonic() - start:.2f}')
        if MODE == 'notify':
            cond.notify()                      # wakes one waiting consumer
        else:
            cond.notify_all()                  # wakes every waiting consumer
for t in consumers:
    t.join()
print('main: every consumer got its item')
"#;

const EXPLANATION_RU: &str = "`Condition` соединяет замок с очередью ждущих потоков. Поток берёт замок (`with cond:`), проверяет, есть ли для него работа, и если нет — вызывает `cond.wait()`: замок отпускается, поток засыпает, а проснувшись, снова берёт замок и перепроверяет условие. Другой поток, изменив общие данные под тем же замком, вызывает `notify()` — разбудить одного ждущего — или `notify_all()` — разбудить всех.

Проверка в цикле `while not items:` обязательна. После `notify_all()` просыпаются все потребители, но элемент один: первый его забирает, а остальные, перепроверив условие, видят пустой список и засыпают снова. Это видно в консоли и на временной шкале. С `notify()` просыпается ровно один — ровно столько, сколько нужно на один элемент.

Уведомление не запоминается. Самый первый `notify()` здесь отправлен, когда ещё никто не ждёт, и просто пропадает: потребители, пришедшие позже, спят до следующего. Этим `Condition` отличается от `Event`, у которого поднятый флаг остаётся поднятым. Поэтому ждут всегда какого-то условия над данными (есть ли элементы), а не самого факта уведомления.";

const EXPLANATION_EN: &str = "A `Condition` joins a lock with a queue of waiting threads. A thread takes the lock (`with cond:`), checks whether there is work for it, and if not calls `cond.wait()`: the lock is released and the thread sleeps; once woken, it takes the lock again and re-checks. Another thread, having changed the shared data under the same lock, calls `notify()` to wake one waiter or `notify_all()` to wake them all.

The `while not items:` loop is essential. After `notify_all()` every consumer wakes up, but there is only one item: the first takes it, and the others re-check, find the list empty and go back to sleep. You can see it in the console and on the timeline. With `notify()` exactly one wakes, exactly as many as one item needs.

A notification is not remembered. The very first `notify()` here is sent while nobody waits, and it is simply lost: the consumers that come later sleep until the next one. That is how a `Condition` differs from an `Event`, whose raised flag stays raised. That is why a thread always waits for a condition on the data (are there items?) rather than for the notification itself.";

fn run(p: &Params) -> PyResult<()> {
    let consumers = p.int("consumers");
    let notify_all = p.choice("mode") == "notify_all";
    let mode = p.choice("mode").to_owned();
    let period = p.float("period");
    let cond = Arc::new(Condition::named("cond"));
    let items = Arc::new(Mutex::new(VecDeque::<String>::new()));
    let start = monotonic();

    cond.with(|| cond.notify(1))?;
    runtime::print("main: notify() sent before anyone waits")?;

    let mut all = Vec::new();
    for i in 0..consumers {
        let (cond, items) = (cond.clone(), items.clone());
        all.push(Thread::named(&format!("consumer-{i}"), "consumer", move || {
            let name = current_thread().name().to_owned();
            let item = cond.with(|| loop {
                if let Some(item) = items.lock().unwrap().pop_front() {
                    return Ok(item);
                }
                crate::py_print!("{name}: waiting")?;
                cond.wait(None)?;
                let left = items.lock().unwrap().len();
                crate::py_print!("{name}: woken at {:.2}, items: {left}", monotonic() - start)?;
            })?;
            crate::py_print!("{name}: took {item}")
        }));
    }
    for t in &all {
        t.start()?;
    }
    for i in 0..consumers {
        runtime::sleep(period)?;
        cond.with(|| {
            items.lock().unwrap().push_back(format!("item-{i}"));
            crate::py_print!("main: item-{i} ready, {mode}() at {:.2}", monotonic() - start)?;
            if notify_all {
                cond.notify_all()
            } else {
                cond.notify(1)
            }
        })?;
    }
    for t in &all {
        t.join(None)?;
    }
    runtime::print("main: every consumer got its item")
}

/// One notification as the trace shows it.
struct Notification {
    t: f64,
    index: usize,
    all: bool,
    /// Threads waiting on the condition just before it.
    waiting: usize,
    /// Threads it woke (the event's value).
    woke: usize,
}

fn notifications(v: &TraceView, cond: u32) -> (Vec<Notification>, Vec<usize>) {
    let mut waiting: HashSet<Actor> = HashSet::new();
    let mut out = Vec::new();
    let mut wakes = Vec::new();
    for (i, e) in v.events.iter().enumerate().filter(|(_, e)| e.obj == cond) {
        match (e.kind, e.op) {
            (Kind::Attempt, Op::Wait) => {
                waiting.insert(e.actor);
            }
            (Kind::Ok, Op::Wait) => {
                waiting.remove(&e.actor);
                wakes.push(i);
            }
            (Kind::Timeout, Op::Wait) => {
                waiting.remove(&e.actor);
            }
            (Kind::Signal, Op::Notify | Op::NotifyAll) => out.push(Notification {
                t: v.t(e),
                index: i,
                all: e.op == Op::NotifyAll,
                waiting: waiting.len(),
                woke: e.arg as usize,
            }),
            _ => {}
        }
    }
    (out, wakes)
}

fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let notify_all = p.choice("mode") == "notify_all";
    let Some(cond) = v.find_obj(ObjKind::Condition, "cond") else {
        return vec![];
    };
    let (ns, wakes) = notifications(v, cond);
    let mut out = Vec::new();

    // 1. notify() wakes one, notify_all() wakes everyone waiting.
    let producer: Vec<&Notification> = ns.iter().skip(1).collect();
    let rule_holds = producer.iter().all(|n| if n.all { n.woke == n.waiting } else { n.woke == n.waiting.min(1) });
    let crowded = producer.iter().filter(|n| n.waiting >= 2).count();
    let total_woke: usize = producer.iter().map(|n| n.woke).sum();
    let list = |ru: bool| {
        let mut parts: Vec<String> = producer
            .iter()
            .take(6)
            .map(|n| {
                if ru {
                    format!("в {} ждали {}, проснулось {}", s_ru(n.t), n.waiting, n.woke)
                } else {
                    format!("at {} {} waiting, {} woke", s_en(n.t), n.waiting, n.woke)
                }
            })
            .collect();
        if producer.len() > 6 {
            parts.push("…".into());
        }
        parts.join("; ")
    };
    let what = if notify_all { ("notify_all()", "notify_all()") } else { ("notify()", "notify()") };
    let observed = rule_holds && crowded > 0;
    let detail = if producer.is_empty() {
        Msg::new("Уведомлений от производителя в журнале нет.", "No notifications from the producer in the trace.")
    } else {
        let (ru_tail, en_tail) = if crowded == 0 {
            (
                " Ни разу не ждали двое сразу, так что разницы между notify() и notify_all() не видно: возьмите больше потребителей.",
                " Never were two waiting at once, so notify() and notify_all() look the same here: take more consumers.",
            )
        } else if notify_all {
            (
                " notify_all() будит всех, кто ждал; лишние перепроверяют условие и засыпают снова.",
                " notify_all() wakes everyone waiting; the extra ones re-check and sleep again.",
            )
        } else {
            (
                " notify() будит не больше одного, сколько бы ни ждали.",
                " notify() wakes at most one, however many wait.",
            )
        };
        Msg::new(
            format!("{}: {}. Всего пробуждений: {total_woke}.{ru_tail}", what.0, list(true)),
            format!("{}: {}. Wake-ups in all: {total_woke}.{en_tail}", what.1, list(false)),
        )
    };
    out.push(Insight {
        id: "notify-one-or-all",
        title: Text {
            ru: "notify() будит одного ждущего, notify_all() — всех",
            en: "notify() wakes one waiter, notify_all() wakes them all",
        },
        observed,
        detail,
    });

    // 2. A notification with nobody waiting is lost.
    let (observed, detail) = match (ns.first(), ns.get(1)) {
        (Some(early), next) => {
            let woke_between = wakes.iter().filter(|w| **w > early.index && next.is_none_or(|n| **w < n.index)).count();
            let lost = early.waiting == 0 && early.woke == 0 && woke_between == 0;
            let (nru, nen) = match next {
                Some(n) => (
                    format!("до следующего уведомления в {}", s_ru(n.t)),
                    format!("until the next notification at {}", s_en(n.t)),
                ),
                None => ("до конца".to_owned(), "to the end".to_owned()),
            };
            (
                lost,
                Msg::new(
                    format!(
                        "notify() в {} застал ждущих: {}, разбудил: {}. Пришедшие позже потребители спали {nru} (проснулось за это время: {woke_between}). Event.set() на его месте остался бы поднятым и пропустил бы их сразу.",
                        s_ru(early.t),
                        early.waiting,
                        early.woke
                    ),
                    format!(
                        "The notify() at {} found {} waiting and woke {}. Consumers that came later slept {nen} ({woke_between} woke meanwhile). An Event.set() in its place would have stayed set and let them straight through.",
                        s_en(early.t),
                        early.waiting,
                        early.woke
                    ),
                ),
            )
        }
        _ => (false, Msg::new("Раннего notify() в журнале нет.", "No early notify() in the trace.")),
    };
    out.push(Insight {
        id: "lost-notify",
        title: Text {
            ru: "notify() без ждущих теряется (в отличие от Event)",
            en: "A notify() with nobody waiting is lost (unlike an Event)",
        },
        observed,
        detail,
    });
    out
}
