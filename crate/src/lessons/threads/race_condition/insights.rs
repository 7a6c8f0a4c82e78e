//! What a run showed, read from its trace.

use crate::analysis::TraceView;
use crate::lessons::exec::{dropped_note, s_en, s_ru};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::trace::{Actor, Kind, ObjKind, Op};
use std::collections::HashMap;

/// What the trace says about the account.
struct Ledger {
    writes: u64,
    final_balance: i64,
    /// Writes based on a read that another write had already made stale.
    stale_writes: u64,
    /// The most threads that held the same read value at once, waiting to write it back.
    max_same_read: u64,
    /// From the first read to the last write, lesson seconds.
    elapsed: f64,
    /// Total lesson seconds threads spent blocked on the account's lock.
    waited: f64,
    /// The most threads blocked on the lock at once.
    max_waiting: u64,
}

fn ledger(v: &TraceView) -> Ledger {
    let balance = v.find_obj(ObjKind::Value, "balance");
    let lock = v.find_obj(ObjKind::Lock, "account.lock");
    let mut l = Ledger {
        writes: 0,
        final_balance: 0,
        stale_writes: 0,
        max_same_read: 0,
        elapsed: 0.0,
        waited: 0.0,
        max_waiting: 0,
    };
    let mut current: i64 = 0;
    // Thread -> the value it read and has not written back yet.
    let mut pending: HashMap<Actor, i64> = HashMap::new();
    let mut holding: HashMap<i64, u64> = HashMap::new();
    let mut blocked_since: HashMap<Actor, f64> = HashMap::new();
    let (mut first, mut last) = (None, 0.0);
    for e in &v.events {
        if Some(e.obj) == balance && balance.is_some() {
            match (e.kind, e.op) {
                (Kind::Ok, Op::Read) => {
                    let val = e.arg as i64;
                    first.get_or_insert(v.t(e));
                    pending.insert(e.actor, val);
                    let c = holding.entry(val).or_default();
                    *c += 1;
                    l.max_same_read = l.max_same_read.max(*c);
                }
                (Kind::Signal, Op::Write) => {
                    l.writes += 1;
                    if let Some(read) = pending.remove(&e.actor) {
                        if read != current {
                            l.stale_writes += 1;
                        }
                        if let Some(c) = holding.get_mut(&read) {
                            *c = c.saturating_sub(1);
                        }
                    }
                    current = e.arg as i64;
                    last = v.t(e);
                }
                _ => {}
            }
        } else if Some(e.obj) == lock && lock.is_some() && e.op == Op::Acquire {
            match e.kind {
                Kind::Block => {
                    blocked_since.insert(e.actor, v.t(e));
                    l.max_waiting = l.max_waiting.max(blocked_since.len() as u64);
                }
                Kind::Ok | Kind::Timeout => {
                    if let Some(s) = blocked_since.remove(&e.actor) {
                        l.waited += v.t(e) - s;
                    }
                }
                _ => {}
            }
        }
    }
    l.final_balance = current;
    l.elapsed = first.map_or(0.0, |f| last - f);
    l
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let locked = p.flag("lock");
    let gap = p.int("gap_ms") as f64 / 1000.0;
    let l = ledger(v);
    let lost = l.writes as i64 - l.final_balance;
    let serial = l.writes as f64 * gap;
    let mut out = Vec::new();

    out.push(Insight {
        id: "lost_updates",
        title: Text { ru: "Без блокировки пополнения теряются", en: "Without the lock, deposits are lost" },
        observed: !locked && lost > 0,
        detail: if lost > 0 {
            Msg::new(
                format!(
                    "Ожидалось {}, на счёте {}: потеряно {lost}. {} из {} записей опирались на устаревшее чтение; до {} потоков одновременно держали одно и то же прочитанное значение.",
                    l.writes, l.final_balance, l.stale_writes, l.writes, l.max_same_read
                ),
                format!(
                    "Expected {}, the balance is {}: {lost} lost. {} of {} writes were based on a stale read; up to {} threads held the same value read at once.",
                    l.writes, l.final_balance, l.stale_writes, l.writes, l.max_same_read
                ),
            )
        } else if locked {
            Msg::new(
                format!("С блокировкой: ожидалось {}, на счёте {} — ничего не потеряно.", l.writes, l.final_balance),
                format!("With the lock: expected {}, the balance is {}: nothing lost.", l.writes, l.final_balance),
            )
        } else {
            Msg::new(
                format!(
                    "В этот раз повезло: ожидалось {}, на счёте {}. Потоки не пересеклись между чтением и записью; увеличьте паузу или число потоков.",
                    l.writes, l.final_balance
                ),
                format!(
                    "Lucky this time: expected {}, the balance is {}. No two threads overlapped between read and write; raise the gap or the threads.",
                    l.writes, l.final_balance
                ),
            )
        },
    });

    out.push(Insight {
        id: "exact_with_lock",
        title: Text { ru: "С блокировкой не теряется ни одно пополнение", en: "With the lock, not one deposit is lost" },
        observed: locked && l.writes > 0 && lost == 0 && l.stale_writes == 0,
        detail: if locked {
            Msg::new(
                format!(
                    "{} пополнений, баланс {}, потеряно {lost}: каждый поток читал значение, уже записанное предыдущим ({} устаревших чтений).",
                    l.writes, l.final_balance, l.stale_writes
                ),
                format!(
                    "{} deposits, balance {}, {lost} lost: each thread read the value the previous one had written ({} stale reads).",
                    l.writes, l.final_balance, l.stale_writes
                ),
            )
        } else {
            Msg::new(
                format!("Блокировка выключена: потеряно {lost} из {}. Включите её и запустите снова.", l.writes),
                format!("The lock is off: {lost} of {} lost. Turn it on and run again.", l.writes),
            )
        },
    });

    out.push(Insight {
        id: "lock_cost",
        title: Text { ru: "Цена блокировки — время", en: "The lock's price is time" },
        observed: locked && l.waited > 0.0,
        detail: if locked {
            Msg::new(
                format!(
                    "Пополнения шли по одному: {} от первого чтения до последней записи (не меньше {} × {} = {}). Потоки в сумме прождали у блокировки {}, до {} одновременно.",
                    s_ru(l.elapsed),
                    l.writes,
                    s_ru(gap),
                    s_ru(serial),
                    s_ru(l.waited),
                    l.max_waiting
                ),
                format!(
                    "The deposits went one at a time: {} from the first read to the last write (at least {} × {} = {}). Threads waited {} in all at the lock, up to {} at once.",
                    s_en(l.elapsed),
                    l.writes,
                    s_en(gap),
                    s_en(serial),
                    s_en(l.waited),
                    l.max_waiting
                ),
            )
        } else if serial > 0.0 {
            let (ru, en) = if lost > 0 { ("быстро, но неверно", "fast, and wrong") } else { ("быстро, и в этот раз верно", "fast, and right this time") };
            Msg::new(
                format!(
                    "Без блокировки пополнения шли внахлёст: {} на все, тогда как по одному вышло бы не меньше {} — {ru}.",
                    s_ru(l.elapsed),
                    s_ru(serial)
                ),
                format!(
                    "Without the lock the deposits overlapped: {} for all of them, where one at a time would take at least {}: {en}.",
                    s_en(l.elapsed),
                    s_en(serial)
                ),
            )
        } else {
            Msg::new(
                format!("Без блокировки все пополнения заняли {}. Включите блокировку и сравните время.", s_ru(l.elapsed)),
                format!("Without the lock all the deposits took {}. Turn the lock on and compare the time.", s_en(l.elapsed)),
            )
        },
    });
    // Deposits are capped so that a run fits the trace; should one not, the numbers say so.
    if let Some(note) = dropped_note(v) {
        for i in &mut out {
            i.detail.ru.push_str(&note.ru);
            i.detail.en.push_str(&note.en);
        }
    }
    out
}
