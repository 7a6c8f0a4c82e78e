//! What a run showed, read from its trace.

use crate::analysis::TraceView;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{Actor, Kind, ObjKey, ObjKind, Op};
use std::collections::HashSet;

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

fn notifications(v: &TraceView, cond: ObjKey) -> (Vec<Notification>, Vec<usize>) {
    let mut waiting: HashSet<Actor> = HashSet::new();
    let mut out = Vec::new();
    let mut wakes = Vec::new();
    for (i, e) in v.events.iter().enumerate().filter(|(_, e)| e.obj_key() == cond) {
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

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let notify_all = p.choice("mode") == "notify_all";
    let Some(cond) = v.find_key(ObjKind::Condition, "cond") else {
        return vec![];
    };
    let (ns, wakes) = notifications(v, cond);
    let mut out = Vec::new();

    // 1. notify() wakes one, notify_all() wakes everyone waiting.
    let producer: Vec<&Notification> = ns.iter().skip(1).collect();
    let rule_holds = producer.iter().all(|n| if n.all { n.woke == n.waiting } else { n.woke == n.waiting.min(1) });
    let crowded = producer.iter().filter(|n| n.waiting >= 2).count();
    let total_woke: usize = producer.iter().map(|n| n.woke).sum();
    let list = {
        let mut parts: Vec<Msg> = producer
            .iter()
            .take(6)
            .map(|n| {
                msg!(ru: "в {t} ждали {waiting}, проснулось {woke}", en: "at {t} {waiting} waiting, {woke} woke";
                    t = Secs(n.t), waiting = n.waiting, woke = n.woke)
            })
            .collect();
        if producer.len() > 6 {
            parts.push(Msg::new("…", "…"));
        }
        Msg::join(parts, "; ")
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
        msg!(
            ru: "{what}: {list}. Всего пробуждений: {total_woke}.{tail}",
            en: "{what}: {list}. Wake-ups in all: {total_woke}.{tail}";
            what = Text { ru: what.0, en: what.1 },
            list = &list,
            tail = Msg::new(ru_tail, en_tail),
        )
    };
    out.push(Insight {
        id: "notify_wakes_one_or_all",
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
            let until = match next {
                Some(n) => {
                    msg!(ru: "до следующего уведомления в {t}", en: "until the next notification at {t}"; t = Secs(n.t))
                }
                None => Msg::new("до конца", "to the end"),
            };
            (
                lost,
                msg!(
                    ru: "notify() в {t} застал ждущих: {waiting}, разбудил: {woke}. Пришедшие позже потребители спали {until} (проснулось за это время: {woke_between}). Event.set() на его месте остался бы поднятым и пропустил бы их сразу.",
                    en: "The notify() at {t} found {waiting} waiting and woke {woke}. Consumers that came later slept {until} ({woke_between} woke meanwhile). An Event.set() in its place would have stayed set and let them straight through.";
                    t = Secs(early.t),
                    waiting = early.waiting,
                    woke = early.woke,
                    until = &until,
                ),
            )
        }
        _ => (false, Msg::new("Раннего notify() в журнале нет.", "No early notify() in the trace.")),
    };
    out.push(Insight {
        id: "early_notify_lost",
        title: Text {
            ru: "notify() без ждущих теряется (в отличие от Event)",
            en: "A notify() with nobody waiting is lost (unlike an Event)",
        },
        observed,
        detail,
    });
    out
}
