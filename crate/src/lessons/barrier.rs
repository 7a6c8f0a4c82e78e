//! `Barrier(parties)`: everyone waits for the last one, then all cross together.

use super::exec::{en_plural, failures, ru_plural, s_en, s_ru};
use super::{Insight, Lesson, Measurements, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::analysis::TraceView;
use crate::error::{PyErr, PyResult};
use crate::prims::Barrier;
use crate::runtime::{self, monotonic};
use crate::threading::{current_thread, Thread};
use crate::trace::{Actor, EndState, Kind, ObjKind, Op};
use std::collections::HashMap;
use std::sync::Arc;

pub static LESSON: Lesson = Lesson {
    id: "barrier",
    section: Section::Threads,
    title: Text { ru: "Barrier: все ждут последнего", en: "Barrier: everyone waits for the last one" },
    params: &[
        ParamSpec {
            key: "parties",
            label: Text { ru: "Участников барьера", en: "Parties of the barrier" },
            kind: ParamKind::Int { min: 1, max: 64, default: 5 },
        },
        ParamSpec {
            key: "threads",
            label: Text { ru: "Потоков", en: "Threads" },
            kind: ParamKind::Int { min: 1, max: 128, default: 5 },
        },
        ParamSpec {
            key: "delay_min",
            label: Text { ru: "Подготовка от, с", en: "Getting ready from, s" },
            kind: ParamKind::Float { min: 0.0, max: 30.0, default: 3.0 },
        },
        ParamSpec {
            key: "delay_max",
            label: Text { ru: "Подготовка до, с", en: "Getting ready up to, s" },
            kind: ParamKind::Float { min: 0.0, max: 30.0, default: 7.0 },
        },
        ParamSpec {
            key: "timeout",
            label: Text { ru: "Таймаут ожидания, с", en: "Wait timeout, s" },
            kind: ParamKind::OptFloat { min: 0.0, max: 60.0, default: None, none: "None" },
        },
    ],
    listing: LISTING,
    explanation: Text { ru: EXPLANATION_RU, en: EXPLANATION_EN },
    default_speed: 2.0,
    threads: |p| p.int("threads") as usize + 1,
    run,
    validate,
    insights,
};

const LISTING: &str = r#"import random
import time
from threading import Barrier, BrokenBarrierError, Thread, current_thread

PARTIES = {{parties}}
THREADS = {{threads}}
DELAY_MIN, DELAY_MAX = {{delay_min}}, {{delay_max}}
TIMEOUT = {{timeout}}            # None: wait as long as it takes

barrier = Barrier(PARTIES, timeout=TIMEOUT)
start = time.monotonic()

def runner():
    name = current_thread().name
    time.sleep(random.uniform(DELAY_MIN, DELAY_MAX))   # each gets ready in its own time
    print(f'{name}: at the barrier at {time.monotonic() - start:.2f}')
    try:
        index = barrier.wait()
    except BrokenBarrierError:
        print(f'{name}: the barrier is broken ({time.monotonic() - start:.2f})')
        return
    print(f'{name}: crossed at {time.monotonic() - start:.2f}, arrival index {index}')

threads = [Thread(target=runner, name=f'thr-{i}') for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print('main: every thread is done')
"#;

const EXPLANATION_RU: &str = "Барьер — место встречи. Каждый поток, дойдя до `barrier.wait()`, останавливается и ждёт, пока к барьеру не подойдут все `parties` участников. Когда приходит последний, барьер открывается для всех сразу: потоки, которые готовились разное время, продолжают работу в один и тот же момент. После этого барьер снова закрыт и готов собрать следующую группу. `wait()` возвращает каждому потоку свой номер от 0 до parties − 1 — удобно, чтобы ровно один из группы сделал общую работу.

Семафор ограничивает, сколько потоков может быть внутри; барьер, наоборот, не пускает дальше, пока не наберётся полная группа. Так синхронизируют этапы вычислений: никто не начинает шаг N + 1, пока все не закончили шаг N.

Если число потоков не делится на число участников, последним не хватает пары: они ждут у барьера вечно, и программа зависает — здесь это замечает сторож и показывает, кто кого ждёт. С таймаутом барьер не ждёт вечно: по истечении времени он ломается, и каждый ждущий (и каждый, кто подойдёт позже) получает `BrokenBarrierError`.";

const EXPLANATION_EN: &str = "A barrier is a meeting point. Each thread that reaches `barrier.wait()` stops and waits until all `parties` have arrived. When the last one comes, the barrier opens for everyone at once: threads that took different times to get ready go on at the same instant. The barrier then closes again, ready to gather the next group. `wait()` gives each thread its own number from 0 to parties - 1, handy for letting exactly one of the group do the shared work.

A semaphore limits how many threads may be inside; a barrier, the other way round, lets nobody on until a full group has gathered. That is how stages of a computation are kept in step: nobody starts step N + 1 before everyone has finished step N.

When the number of threads is not a multiple of the parties, the last ones lack partners: they wait at the barrier forever and the program hangs. Here the watchdog notices it and shows who waits for whom. With a timeout the barrier does not wait forever: when the time runs out it breaks, and every waiting thread (and every one that arrives later) gets `BrokenBarrierError`.";

fn validate(p: &Params) -> Vec<(&'static str, Msg)> {
    if p.float("delay_min") > p.float("delay_max") {
        vec![(
            "delay_max",
            Msg::new(
                "Верхняя граница задержки должна быть не меньше нижней",
                "The upper bound of the delay must not be below the lower one",
            ),
        )]
    } else {
        vec![]
    }
}

fn run(p: &Params) -> PyResult<()> {
    let parties = p.int("parties") as u32;
    let threads = p.int("threads");
    let (lo, hi) = (p.float("delay_min"), p.float("delay_max"));
    let barrier = Arc::new(Barrier::named("barrier", parties, p.opt_float("timeout"))?);
    let start = monotonic();
    let mut all = Vec::new();
    for i in 0..threads {
        let barrier = barrier.clone();
        all.push(Thread::named(&format!("thr-{i}"), "runner", move || {
            let name = current_thread().name().to_owned();
            runtime::sleep(super::pyrandom::uniform(lo, hi))?;
            crate::py_print!("{name}: at the barrier at {:.2}", monotonic() - start)?;
            let index = match barrier.wait(None) {
                Ok(i) => i,
                Err(PyErr::BrokenBarrierError) => {
                    return crate::py_print!("{name}: the barrier is broken ({:.2})", monotonic() - start);
                }
                Err(e) => return Err(e),
            };
            crate::py_print!("{name}: crossed at {:.2}, arrival index {index}", monotonic() - start)
        }));
    }
    for t in &all {
        t.start()?;
    }
    for t in &all {
        t.join(None)?;
    }
    runtime::print("main: every thread is done")
}

/// One group that crossed the barrier together.
pub(crate) struct Crossing {
    /// Lesson time the last party arrived.
    pub last_arrival: f64,
    pub first_cross: f64,
    pub last_cross: f64,
    pub parties: usize,
    /// Every crossing came after the last arrival in the trace's order.
    pub causal: bool,
}

/// Groups the barrier's arrivals (`Attempt`) into generations of `parties` and pairs each
/// with the crossings (`Ok`) of the same threads.
pub(crate) fn crossings(v: &TraceView, obj: u32, parties: usize) -> Vec<Crossing> {
    let mut arrivals: Vec<(usize, Actor, f64)> = Vec::new();
    let mut crossed: HashMap<Actor, Vec<(usize, f64)>> = HashMap::new();
    for (i, e) in v.events.iter().enumerate().filter(|(_, e)| e.obj == obj && e.op == Op::Wait) {
        match e.kind {
            Kind::Attempt => arrivals.push((i, e.actor, v.t(e))),
            Kind::Ok => crossed.entry(e.actor).or_default().push((i, v.t(e))),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for group in arrivals.chunks(parties.max(1)) {
        if group.len() < parties {
            break;
        }
        let (last_i, _, last_t) = *group.iter().max_by_key(|a| a.0).unwrap();
        let mut times = Vec::new();
        let mut causal = true;
        for (ai, actor, _) in group {
            // The first crossing of this thread after its arrival.
            match crossed.get(actor).and_then(|c| c.iter().find(|(ci, _)| ci > ai)) {
                Some((ci, t)) => {
                    causal &= *ci > last_i;
                    times.push(*t);
                }
                None => causal = false,
            }
        }
        if times.len() < parties {
            break; // broken: this group never crossed
        }
        let first = times.iter().copied().fold(f64::INFINITY, f64::min);
        let last = times.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        out.push(Crossing { last_arrival: last_t, first_cross: first, last_cross: last, parties, causal });
    }
    out
}

/// The widest gap, in lesson seconds, still counted as "the same instant": 50 ms of lesson
/// time or 20 ms of real time, whichever is larger (threads wake within milliseconds).
pub(crate) fn instant(v: &TraceView) -> f64 {
    (0.05f64).max(0.02 * v.speed)
}

fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let parties = p.int("parties") as usize;
    let threads = p.int("threads") as usize;
    let timeout = p.opt_float("timeout");
    let Some(obj) = v.find_obj(ObjKind::Barrier, "barrier") else {
        return vec![];
    };
    let tol = instant(v);
    let mut out = Vec::new();

    // 1. Each full group crosses at one instant, right after its last arrival.
    let cs = crossings(v, obj, parties);
    let (observed, detail) = if cs.is_empty() {
        (
            false,
            Msg::new(
                format!(
                    "Ни одна группа из {parties} не прошла барьер: потоков не хватило или барьер сломался по таймауту."
                ),
                format!(
                    "No group of {parties} crossed the barrier: too few threads, or the barrier broke on its timeout."
                ),
            ),
        )
    } else {
        let ok =
            cs.iter().all(|c| c.causal && c.last_cross - c.first_cross <= tol && c.first_cross - c.last_arrival <= tol);
        let worst = cs.iter().map(|c| c.last_cross - c.last_arrival).fold(0.0, f64::max);
        let c = &cs[0];
        (
            ok,
            Msg::new(
                format!(
                    "Групп прошло: {}. Первая: последний участник подошёл в {}, все {} прошли между {} и {}; самое большое отставание от последнего прихода — {}.",
                    cs.len(),
                    s_ru(c.last_arrival),
                    c.parties,
                    s_ru(c.first_cross),
                    s_ru(c.last_cross),
                    s_ru(worst)
                ),
                format!(
                    "Groups that crossed: {}. The first: its last party arrived at {}, all {} crossed between {} and {}; the largest lag behind a last arrival was {}.",
                    cs.len(),
                    s_en(c.last_arrival),
                    c.parties,
                    s_en(c.first_cross),
                    s_en(c.last_cross),
                    s_en(worst)
                ),
            ),
        )
    };
    out.push(Insight {
        id: "cross-together",
        title: Text {
            ru: "Все участники проходят в один момент, сразу после прихода последнего",
            en: "All parties cross at the same instant, right after the last one arrives",
        },
        observed,
        detail,
    });

    // 2. Leftovers: deadlock without a timeout, BrokenBarrierError with one.
    let left = threads % parties;
    let broken: Vec<(Actor, String)> =
        failures(v).into_iter().filter(|(_, m)| m.contains("BrokenBarrierError")).collect();
    let stuck: Vec<Actor> =
        v.events.iter().filter(|e| e.kind == Kind::WaitEdge && e.obj == obj).map(|e| e.actor).collect();
    let names = |ids: &[Actor]| {
        let mut n: Vec<&str> = ids.iter().take(8).map(|t| v.thread_name(*t)).collect();
        if ids.len() > 8 {
            n.push("…");
        }
        n.join(", ")
    };
    let (observed, detail) = if !stuck.is_empty() {
        (
            v.end().is_some_and(|(s, _)| s == EndState::Deadlocked),
            Msg::new(
                format!(
                    "{} {} у барьера, которому не хватало участников ({}): сторож объявил взаимную блокировку. Ждали: {}.",
                    stuck.len(),
                    ru_plural(stuck.len() as u64, "поток ждал", "потока ждали", "потоков ждали"),
                    parties - stuck.len() % parties.max(1),
                    names(&stuck)
                ),
                format!(
                    "{} {} at a barrier that lacked parties ({} missing): the watchdog declared a deadlock. Waiting: {}.",
                    stuck.len(),
                    en_plural(stuck.len() as u64, "thread waited", "threads waited"),
                    parties - stuck.len() % parties.max(1),
                    names(&stuck)
                ),
            ),
        )
    } else if !broken.is_empty() {
        let ids: Vec<Actor> = broken.iter().map(|b| b.0).collect();
        (
            true,
            Msg::new(
                format!(
                    "Барьер сломался по таймауту {}: BrokenBarrierError получили {} {} ({}).",
                    timeout.map_or("—".into(), s_ru),
                    broken.len(),
                    ru_plural(broken.len() as u64, "поток", "потока", "потоков"),
                    names(&ids)
                ),
                format!(
                    "The barrier broke on its timeout of {}: {} {} got BrokenBarrierError ({}).",
                    timeout.map_or("-".into(), s_en),
                    broken.len(),
                    en_plural(broken.len() as u64, "thread", "threads"),
                    names(&ids)
                ),
            ),
        )
    } else if left == 0 {
        (
            false,
            Msg::new(
                format!("{threads} потоков делятся на группы по {parties} без остатка: лишних не осталось. Попробуйте threads = parties + 2."),
                format!("{threads} threads split into groups of {parties} with none left over. Try threads = parties + 2."),
            ),
        )
    } else {
        (
            false,
            Msg::new(
                "Оставшихся у барьера потоков в журнале не видно.",
                "No thread left at the barrier shows in the trace.",
            ),
        )
    };
    out.push(Insight {
        id: "leftovers",
        title: Text {
            ru: "Лишние потоки ждут вечно (взаимная блокировка) или получают BrokenBarrierError по таймауту",
            en: "Leftover threads wait forever (deadlock) or get BrokenBarrierError on a timeout",
        },
        observed,
        detail,
    });
    out
}
