//! What a run showed, read from its trace.

use crate::analysis::TraceView;
use crate::lessons::exec::{en_plural, lines, span, tid_named};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::Actor;
use crate::trace::{Kind, Op};

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let n = p.int("threads");
    let joined = p.flag("join");
    let all: Vec<_> = lines(v).into_iter().filter(|l| !l.stderr).collect();
    let finish = all.iter().find(|l| l.actor.is_main_thread() && l.text == "finish");
    let worker_lines: Vec<_> = all.iter().filter(|l| !l.actor.is_main_thread()).collect();
    let total = worker_lines.len() as u64;
    let after = finish.map_or(0, |f| worker_lines.iter().filter(|l| l.index > f.index).count()) as u64;
    let last_worker_t = worker_lines.last().map_or(0.0, |l| l.t);
    let finish_t = finish.map_or(0.0, |f| f.t);
    let mut out = Vec::new();

    out.push(Insight {
        id: "finish_last",
        title: Text {
            ru: "С join() «finish» — последняя строка", en: "With join(), 'finish' is the last line"
        },
        observed: finish.is_some() && after == 0 && total > 0,
        detail: if after == 0 {
            msg!(
                ru: "«finish» в {finish} напечатан после всех строк рабочих потоков ({total}, последняя в {last}).",
                en: "'finish' at {finish} came after all {total} {lines} of the workers (the last at {last}).";
                finish = Secs(finish_t),
                last = Secs(last_worker_t),
                lines = en_plural(total, "line", "lines"),
            )
        } else {
            msg!(
                ru: "«finish» в {finish_t}, а после него ещё {after} из {total} строк рабочих потоков.",
                en: "'finish' at {finish_t}, and {after} of the workers' {total} lines came after it.";
                finish_t = Secs(finish_t),
            )
        },
    });

    out.push(Insight {
        id: "finish_early",
        title: Text {
            ru: "Без join() «finish» появляется раньше вывода потоков",
            en: "Without join(), 'finish' comes before the workers' output",
        },
        observed: !joined && after > 0,
        detail: if joined {
            Msg::new(
                "В этом запуске главный поток ждал всех через join(); выключите join, чтобы увидеть обратное.",
                "This run joined every thread; turn join off to see the opposite.",
            )
        } else {
            msg!(
                ru: "Главный поток напечатал «finish» в {finish_t}, когда {after} из {total} строк рабочих ещё не было.",
                en: "The main thread printed 'finish' at {finish_t} with {after} of the workers' {total} lines still to come.";
                finish_t = Secs(finish_t),
            )
        },
    });

    // How long the main thread was blocked in join(), and when the program really ended.
    let mut blocked = 0.0;
    let mut since = None;
    for e in v.events.iter().filter(|e| e.actor.is_main_thread() && e.op == Op::Join) {
        match e.kind {
            Kind::Block => since = Some(v.t(e)),
            Kind::Ok | Kind::Timeout => {
                if let Some(s) = since.take() {
                    blocked += v.t(e) - s;
                }
            }
            _ => {}
        }
    }
    let main_end = span(v, v.thread(Actor::MAIN_TID)).end.unwrap_or(0.0);
    let last_end =
        (0..n).filter_map(|i| tid_named(v, &format!("thr-{i}"))).filter_map(|t| span(v, t).end).fold(0.0, f64::max);
    out.push(Insight {
        id: "main_waits",
        title: Text { ru: "Кто кого ждёт", en: "Who waits for whom" },
        observed: if joined { blocked > 0.0 } else { main_end < last_end },
        detail: if joined {
            msg!(
                ru: "MainThread провёл в join() {blocked} и завершился в {main_end}, после последнего рабочего ({last_end}).",
                en: "MainThread spent {blocked} in join() and ended at {main_end}, after the last worker ({last_end}).";
                blocked = Secs(blocked),
                main_end = Secs(main_end),
                last_end = Secs(last_end),
            )
        } else {
            msg!(
                ru: "MainThread закончил свой код в {main_end}, но программа шла до {last_end}: при выходе Python ждёт потоки, которые не daemon.",
                en: "MainThread ran out of code at {main_end}, yet the program went on until {last_end}: at exit Python waits for non-daemon threads.";
                main_end = Secs(main_end),
                last_end = Secs(last_end),
            )
        },
    });
    out
}
