//! What a run showed, read from its trace.

use crate::analysis::TraceView;
use crate::lessons::exec::{dropped_note, en_plural, lines, plural};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::trace::{Actor, Kind, ObjKind, Op};
use std::collections::HashMap;

/// `(producer, seq)` of an item named `p{producer}-{seq}`.
fn parse_item(s: &str) -> Option<(u32, u64)> {
    let (p, q) = s.strip_prefix('p')?.split_once('-')?;
    Some((p.parse().ok()?, q.parse().ok()?))
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
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
            msg!(
                ru: "При {items} элементах программа не печатает каждый из них (SHOW = False), и порядок проверить не по чему: уменьшите ITEMS до 200.{note}",
                en: "With {items} items the program does not print each one (SHOW = False), so there is nothing to check the order on: lower ITEMS to 200.{note}";
                note = &note,
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
                msg!(
                    ru: "Получено элементов: {n}, потребителей: {consumers}. У каждого элементы одного производителя идут в том порядке, в каком их клали.{note}",
                    en: "{n} items received by {consumers} {noun}: each saw every producer's items in the order they were put.{note}";
                    consumers = got.len(),
                    noun = en_plural(got.len() as u64, "consumer", "consumers"),
                    note = &note,
                ),
            ),
            Some((c, prod, a, b)) => (
                false,
                msg!(
                    ru: "{c} получил p{prod}-{b} после p{prod}-{a}: порядок нарушен.{note}",
                    en: "{c} got p{prod}-{b} after p{prod}-{a}: the order was broken.{note}";
                    note = &note,
                ),
            ),
        }
    };
    out.push(Insight {
        id: "fifo_per_producer",
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
            msg!(
                ru: "maxsize = 0: очередь не ограничена, и put() никогда не ждёт; наибольший размер очереди — {max_size}. Задайте maxsize, например 3.{note}",
                en: "maxsize = 0: the queue is unbounded and put() never waits; its largest size was {max_size}. Set maxsize, say to 3.{note}";
                note = &note,
            ),
        )
    } else {
        let within = max_size as i64 <= maxsize;
        (
            blocked_puts > 0 && within,
            msg!(
                ru: "put() ждал свободного места {blocked_puts} {times}; размер очереди доходил до {max_size} при maxsize = {maxsize}{over}.{note}",
                en: "put() waited for room {blocked_puts} {times}; the queue held up to {max_size} items with maxsize = {maxsize}{over}.{note}";
                times = plural(blocked_puts as u64, ["раз", "раза", "раз"], ["time", "times"]),
                over = if within { Text { ru: "", en: "" } } else { Text { ru: " — больше предела!", en: ", over the limit!" } },
                note = &note,
            ),
        )
    };
    out.push(Insight {
        id: "put_blocks_when_full",
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
                msg!(
                    ru: "Получено {n} из {total}, различных {distinct}{by_lines}; всего успешных get(): {gets} (из них стоп-сигналов: {consumers}).{note}",
                    en: "{n} of {total} received, {distinct} distinct{by_lines}; successful get() calls: {gets} (including the sentinels, one per consumer: {consumers}).{note}";
                    by_lines = if show { msg!(ru: ", по строкам консоли: {lines} различных, повторов {dup}", en: "; by the console lines: {lines} distinct, {dup} repeated"; lines = per_item.len()) } else { Msg::default() },
                    note = &note,
                ),
            )
        }
        None if v.dropped > 0 => (
            false,
            msg!(
                ru: "Итоговая строка не поместилась в журнал.{note} Уменьшите ITEMS.",
                en: "The summary line did not fit in the trace.{note} Lower ITEMS.";
                note = &note,
            ),
        ),
        None => (
            false,
            msg!(
                ru: "Программа не дошла до итоговой строки.{note}",
                en: "The program did not reach its summary line.{note}";
                note = &note,
            ),
        ),
    };
    out.push(Insight {
        id: "each_item_consumed_once",
        title: Text {
            ru: "Каждый элемент обработан ровно один раз", en: "Every item is handled exactly once"
        },
        observed,
        detail,
    });
    out
}
