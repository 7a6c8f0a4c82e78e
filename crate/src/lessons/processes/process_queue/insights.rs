//! What a run showed: the items that crossed, read from every process's lines and from the
//! queue's messages in the trace.

use crate::analysis::TraceView;
use crate::lessons::exec::lines;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::trace::{Kind, ObjKind, Op};

fn main_line(v: &TraceView, prefix: &str) -> Option<String> {
    lines(v).into_iter().find(|l| l.actor.pid == 1 && l.text.starts_with(prefix)).map(|l| l.text)
}

fn number_after(text: &str, key: &str) -> Option<u64> {
    let rest = &text[text.find(key)? + key.len()..];
    rest.split([',', ' ']).next()?.parse().ok()
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let items = p.int("items") as u64;
    let mut out = Vec::new();

    // Gets of the tasks queue in the consumers, and the bytes that crossed with them.
    let tasks = v.find_obj(ObjKind::MpQueue, "tasks");
    let gets: Vec<u64> = v
        .events
        .iter()
        .filter(|e| e.kind == Kind::Ok && e.op == Op::Get && Some(e.obj) == tasks && e.actor.pid != 1)
        .map(|e| crate::trace::msg_of(e.arg).1 as u64)
        .collect();
    let bytes: u64 = gets.iter().sum();
    let received = main_line(v, "main: received ");
    let (got, distinct) = match &received {
        Some(t) => (number_after(t, "received "), number_after(t, "distinct ")),
        None => (None, None),
    };
    out.push(Insight {
        id: "every_item_arrives_once",
        title: Text {
            ru: "Каждый элемент доходит ровно один раз",
            en: "Every item arrives exactly once",
        },
        observed: got == Some(items) && distinct == Some(items),
        detail: match (got, distinct) {
            (Some(g), Some(d)) => msg!(
                ru: "Получено {g} из {items}, разных {d}. Через границу процессов прошло {n} сообщений очереди tasks ({bytes} байт): каждый элемент сериализован в одном процессе и восстановлен в другом.",
                en: "{g} of {items} received, {d} distinct. {n} messages of the tasks queue crossed the process boundary ({bytes} bytes): each item serialized in one process and rebuilt in another.";
                g = g, items = items, d = d, n = gets.len(), bytes = bytes,
            ),
            _ => Msg::new("Прогон остановлен до подсчёта.", "The run was stopped before the count."),
        },
    });

    let ordered = main_line(v, "main: each producer's items in order");
    out.push(Insight {
        id: "order_per_producer_kept",
        title: Text {
            ru: "Порядок элементов одного производителя сохраняется",
            en: "Each producer's items keep their order",
        },
        observed: ordered.as_deref().is_some_and(|t| t.ends_with("True")),
        detail: match ordered {
            Some(t) if t.ends_with("True") => Msg::new(
                "В каждой пачке элементы каждого производителя идут по порядку: очередь — один канал, FIFO для каждого отправителя.",
                "In every batch each producer's items come in order: the queue is one pipe, first in, first out for each sender.",
            ),
            Some(_) => Msg::new(
                "Порядок нарушился — для одной очереди такого быть не должно.",
                "The order broke, which one queue must never do.",
            ),
            None => Msg::new("Прогон остановлен до проверки.", "The run was stopped before the check."),
        },
    });

    let hints: Vec<bool> = lines(v)
        .iter()
        .filter(|l| l.actor.pid != 1 && l.text.contains("then empty() = "))
        .map(|l| l.text.ends_with("True"))
        .collect();
    let said_empty = hints.iter().filter(|h| **h).count();
    out.push(Insight {
        id: "empty_is_only_a_hint",
        title: Text { ru: "empty() — лишь подсказка", en: "empty() is only a hint" },
        observed: said_empty > 0,
        detail: if said_empty > 0 {
            msg!(
                ru: "{said_empty} из {n} производителей сразу после put() увидели empty() = True: элемент был ещё у фонового потока QueueFeederThread, на пути в канал.",
                en: "{said_empty} of {n} producers saw empty() = True right after put(): the item was still with the QueueFeederThread, on its way into the pipe.";
                said_empty = said_empty, n = hints.len(),
            )
        } else {
            msg!(
                ru: "В этот раз все {n} производителей увидели empty() = False: фоновый поток успел передать элемент. Ответ зависит от того, успел ли он, — поэтому empty() лишь подсказка.",
                en: "This time all {n} producers saw empty() = False: the feeder thread had passed the item on in time. The answer depends on whether it had, which is why empty() is only a hint.";
                n = hints.len(),
            )
        },
    });
    out
}
