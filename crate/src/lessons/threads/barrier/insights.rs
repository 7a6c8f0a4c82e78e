//! What a run showed, read from its trace.

use crate::analysis::TraceView;
use crate::lessons::exec::{failures, plural};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{Actor, EndState, Kind, ObjKind, Op};
use std::collections::HashMap;

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
pub(crate) fn crossings(v: &TraceView, obj: crate::trace::ObjKey, parties: usize) -> Vec<Crossing> {
    let mut arrivals: Vec<(usize, Actor, f64)> = Vec::new();
    let mut crossed: HashMap<Actor, Vec<(usize, f64)>> = HashMap::new();
    for (i, e) in v.events.iter().enumerate().filter(|(_, e)| e.obj_key() == obj && e.op == Op::Wait) {
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

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let parties = p.int("parties") as usize;
    let threads = p.int("threads") as usize;
    let timeout = p.opt_float("timeout");
    let Some(obj) = v.find_key(ObjKind::Barrier, "barrier") else {
        return vec![];
    };
    let tol = instant(v);
    let mut out = Vec::new();

    // 1. Each full group crosses at one instant, right after its last arrival.
    let cs = crossings(v, obj, parties);
    let (observed, detail) = if cs.is_empty() {
        (
            false,
            msg!(
                ru: "Ни одна группа из {parties} не прошла барьер: потоков не хватило или барьер сломался по таймауту.",
                en: "No group of {parties} crossed the barrier: too few threads, or the barrier broke on its timeout.",
            ),
        )
    } else {
        let ok =
            cs.iter().all(|c| c.causal && c.last_cross - c.first_cross <= tol && c.first_cross - c.last_arrival <= tol);
        let worst = cs.iter().map(|c| c.last_cross - c.last_arrival).fold(0.0, f64::max);
        let c = &cs[0];
        (
            ok,
            msg!(
                ru: "Групп прошло: {n_cs}. Первая: последний участник подошёл в {last_arrival}, все {parties} прошли между {first_cross} и {last_cross}; самое большое отставание от последнего прихода — {worst}.",
                en: "Groups that crossed: {n_cs}. The first: its last party arrived at {last_arrival}, all {parties} crossed between {first_cross} and {last_cross}; the largest lag behind a last arrival was {worst}.";
                n_cs = cs.len(),
                last_arrival = Secs(c.last_arrival),
                parties = c.parties,
                first_cross = Secs(c.first_cross),
                last_cross = Secs(c.last_cross),
                worst = Secs(worst),
            ),
        )
    };
    out.push(Insight {
        id: "cross_together",
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
        v.events.iter().filter(|e| e.kind == Kind::WaitEdge && e.obj_key() == obj).map(|e| e.actor).collect();
    let names = |ids: &[Actor]| {
        let mut n: Vec<&str> = ids.iter().take(8).map(|t| crate::lessons::model::actor_name(v, *t)).collect();
        if ids.len() > 8 {
            n.push("…");
        }
        n.join(", ")
    };
    let (observed, detail) = if !stuck.is_empty() {
        (
            v.end().is_some_and(|(s, _)| s == EndState::Deadlocked),
            msg!(
                ru: "{n_stuck} {waited} у барьера, которому не хватало участников ({missing}): сторож объявил взаимную блокировку. Ждали: {names}.",
                en: "{n_stuck} {waited} at a barrier that lacked parties ({missing} missing): the watchdog declared a deadlock. Waiting: {names}.";
                n_stuck = stuck.len(),
                waited = plural(stuck.len() as u64, ["поток ждал", "потока ждали", "потоков ждали"], ["thread waited", "threads waited"]),
                missing = parties - stuck.len() % parties.max(1),
                names = names(&stuck),
            ),
        )
    } else if !broken.is_empty() {
        let ids: Vec<Actor> = broken.iter().map(|b| b.0).collect();
        (
            true,
            msg!(
                ru: "Барьер сломался по таймауту {timeout}: BrokenBarrierError получили {n} {threads} ({names}).",
                en: "The barrier broke on its timeout of {timeout}: {n} {threads} got BrokenBarrierError ({names}).";
                timeout = timeout.map(Secs),
                n = broken.len(),
                threads = plural(broken.len() as u64, ["поток", "потока", "потоков"], ["thread", "threads"]),
                names = names(&ids),
            ),
        )
    } else if left == 0 {
        (
            false,
            msg!(
                ru: "{threads} потоков делятся на группы по {parties} без остатка: лишних не осталось. Попробуйте threads = parties + 2.",
                en: "{threads} threads split into groups of {parties} with none left over. Try threads = parties + 2.",
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
        id: "leftovers_never_cross",
        title: match crate::lessons::model::Model::of(p) {
            crate::lessons::model::Model::Threads => Text {
                ru: "Лишние потоки ждут вечно (взаимная блокировка) или получают BrokenBarrierError по таймауту",
                en: "Leftover threads wait forever (deadlock) or get BrokenBarrierError on a timeout",
            },
            crate::lessons::model::Model::Processes => Text {
                ru: "Лишние процессы ждут вечно (взаимная блокировка) или получают BrokenBarrierError по таймауту",
                en: "Leftover processes wait forever (deadlock) or get BrokenBarrierError on a timeout",
            },
        },
        observed,
        detail,
    });
    out
}
