//! What a run showed, read from its trace.

use crate::analysis::TraceView;
use crate::lessons::exec::dropped_note;
use crate::lessons::{Insight, Measurements, Params, Text};
use crate::msg;
use crate::text::Secs;
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
        id: "updates_lost",
        title: Text { ru: "Без блокировки пополнения теряются", en: "Without the lock, deposits are lost" },
        observed: !locked && lost > 0,
        detail: if lost > 0 {
            msg!(
                ru: "Ожидалось {writes}, на счёте {final_balance}: потеряно {lost}. {stale_writes} из {writes} записей опирались на устаревшее чтение; до {max_same_read} потоков одновременно держали одно и то же прочитанное значение.",
                en: "Expected {writes}, the balance is {final_balance}: {lost} lost. {stale_writes} of {writes} writes were based on a stale read; up to {max_same_read} threads held the same value read at once.";
                writes = l.writes,
                final_balance = l.final_balance,
                stale_writes = l.stale_writes,
                max_same_read = l.max_same_read,
            )
        } else if locked {
            msg!(
                ru: "С блокировкой: ожидалось {writes}, на счёте {final_balance} — ничего не потеряно.",
                en: "With the lock: expected {writes}, the balance is {final_balance}: nothing lost.";
                writes = l.writes,
                final_balance = l.final_balance,
            )
        } else {
            msg!(
                ru: "В этот раз повезло: ожидалось {writes}, на счёте {final_balance}. Потоки не пересеклись между чтением и записью; увеличьте паузу или число потоков.",
                en: "Lucky this time: expected {writes}, the balance is {final_balance}. No two threads overlapped between read and write; raise the gap or the threads.";
                writes = l.writes,
                final_balance = l.final_balance,
            )
        },
    });

    out.push(Insight {
        id: "exact_with_lock",
        title: Text { ru: "С блокировкой не теряется ни одно пополнение", en: "With the lock, not one deposit is lost" },
        observed: locked && l.writes > 0 && lost == 0 && l.stale_writes == 0,
        detail: if locked {
            msg!(
                ru: "{writes} пополнений, баланс {final_balance}, потеряно {lost}: каждый поток читал значение, уже записанное предыдущим ({stale_writes} устаревших чтений).",
                en: "{writes} deposits, balance {final_balance}, {lost} lost: each thread read the value the previous one had written ({stale_writes} stale reads).";
                writes = l.writes,
                final_balance = l.final_balance,
                stale_writes = l.stale_writes,
            )
        } else {
            msg!(
                ru: "Блокировка выключена: потеряно {lost} из {writes}. Включите её и запустите снова.",
                en: "The lock is off: {lost} of {writes} lost. Turn it on and run again.";
                writes = l.writes,
            )
        },
    });

    out.push(Insight {
        id: "lock_costs_time",
        title: Text { ru: "Цена блокировки — время", en: "The lock's price is time" },
        observed: locked && l.waited > 0.0,
        detail: if locked {
            msg!(
                ru: "Пополнения шли по одному: {elapsed} от первого чтения до последней записи (не меньше {writes} × {gap} = {serial}). Потоки в сумме прождали у блокировки {waited}, до {max_waiting} одновременно.",
                en: "The deposits went one at a time: {elapsed} from the first read to the last write (at least {writes} × {gap} = {serial}). Threads waited {waited} in all at the lock, up to {max_waiting} at once.";
                elapsed = Secs(l.elapsed),
                writes = l.writes,
                gap = Secs(gap),
                serial = Secs(serial),
                waited = Secs(l.waited),
                max_waiting = l.max_waiting,
            )
        } else if serial > 0.0 {
            let (ru, en) = if lost > 0 { ("быстро, но неверно", "fast, and wrong") } else { ("быстро, и в этот раз верно", "fast, and right this time") };
            msg!(
                ru: "Без блокировки пополнения шли внахлёст: {elapsed} на все, тогда как по одному вышло бы не меньше {serial} — {ru}.",
                en: "Without the lock the deposits overlapped: {elapsed} for all of them, where one at a time would take at least {serial}: {en}.";
                elapsed = Secs(l.elapsed),
                serial = Secs(serial),
            )
        } else {
            msg!(
                ru: "Без блокировки все пополнения заняли {elapsed}. Включите блокировку и сравните время.",
                en: "Without the lock all the deposits took {elapsed}. Turn the lock on and compare the time.";
                elapsed = Secs(l.elapsed),
            )
        },
    });
    // Deposits are capped so that a run fits the trace; should one not, the numbers say so.
    if let Some(note) = dropped_note(v) {
        for i in &mut out {
            i.detail.push(&note);
        }
    }
    out
}
