//! What a run showed, read from its trace.

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::{en_plural, lines, ru_plural, s_en, s_ru, span, tid_named};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};

/// One report of the main thread: when, and whether it came before the worker's end.
struct Report {
    t: f64,
    before_end: bool,
    value: String,
}

pub(super) fn insights(v: &TraceView, _: &Params, _: &Measurements) -> Vec<Insight> {
    let all = lines(v);
    let worker = tid_named(v, WORKER);
    let ws = worker.map(|w| span(v, w));
    let end_index = ws.and_then(|s| s.end_index).unwrap_or(usize::MAX);
    let (w_start, w_end) = (ws.and_then(|s| s.start), ws.and_then(|s| s.end));
    let mut out = Vec::new();

    // 1. Interleaving: main's lines printed between the worker's first and last line.
    let w_lines: Vec<_> = all.iter().filter(|l| Some(l.actor) == worker).collect();
    let main_lines: Vec<_> = all.iter().filter(|l| l.actor.is_main_thread()).collect();
    let between = match (w_lines.first(), w_lines.last()) {
        (Some(a), Some(b)) => main_lines.iter().filter(|l| l.index > a.index && l.index < b.index).count(),
        _ => 0,
    };
    let first_w = w_lines.first().map_or(0.0, |l| l.t);
    let last_w = w_lines.last().map_or(0.0, |l| l.t);
    out.push(Insight {
        id: "interleave",
        title: Text { ru: "Главный поток и thr-1 работают одновременно", en: "The main thread and thr-1 run at the same time" },
        observed: between > 0,
        detail: if between > 0 {
            Msg::new(
                format!(
                    "Между первой ({}) и последней ({}) строкой thr-1 главный поток напечатал {between} {}: потоки шли одновременно.",
                    s_ru(first_w),
                    s_ru(last_w),
                    ru_plural(between as u64, "строку", "строки", "строк")
                ),
                format!(
                    "Between thr-1's first ({}) and last ({}) line the main thread printed {between} {}: the threads ran at the same time.",
                    s_en(first_w),
                    s_en(last_w),
                    en_plural(between as u64, "line", "lines")
                ),
            )
        } else {
            Msg::new(
                format!(
                    "thr-1 уложился между строками главного потока ({} – {}), и строки не перемешались; увеличьте время работы потока.",
                    s_ru(first_w),
                    s_ru(last_w)
                ),
                format!(
                    "thr-1 fitted between two lines of the main thread ({} – {}), so no lines mixed; give the worker more time.",
                    s_en(first_w),
                    s_en(last_w)
                ),
            )
        },
    });

    // 2 and 3: the main thread's reports, against the worker's end in the trace.
    let report = |prefix: &str| -> Vec<Report> {
        main_lines
            .iter()
            .filter_map(|l| {
                l.text.strip_prefix(prefix).map(|rest| Report {
                    t: l.t,
                    before_end: l.index < end_index,
                    value: rest.trim().to_owned(),
                })
            })
            .collect()
    };
    let counts = report("active_count:");
    let alive = report("thr-1 is alive:");
    let end_ru = w_end.map_or("—".to_owned(), s_ru);
    let end_en = w_end.map_or("-".to_owned(), s_en);
    let start_ru = w_start.map_or("—".to_owned(), s_ru);
    let start_en = w_start.map_or("-".to_owned(), s_en);

    let during2 = counts.iter().find(|r| r.before_end && r.value == "2");
    let after1 = counts.iter().find(|r| !r.before_end && r.value == "1");
    let list = |rs: &[Report], ru: bool| -> String {
        let items: Vec<String> = rs
            .iter()
            .map(|r| if ru { format!("{} в {}", r.value, s_ru(r.t)) } else { format!("{} at {}", r.value, s_en(r.t)) })
            .collect();
        if items.is_empty() {
            "—".to_owned()
        } else {
            items.join(", ")
        }
    };
    out.push(Insight {
        id: "active_count",
        title: Text {
            ru: "active_count() — 2, пока thr-1 жив, и 1 после",
            en: "active_count() is 2 while thr-1 lives, 1 after",
        },
        observed: during2.is_some() && after1.is_some(),
        detail: {
            let tail_ru = match (during2, after1) {
                (Some(_), Some(_)) => "".to_owned(),
                (_, None) => " Отчёта после конца thr-1 не было: добавьте шагов или отчитывайтесь чаще.".to_owned(),
                (None, _) => " Отчёта при живом thr-1 не было: дайте потоку больше времени.".to_owned(),
            };
            let tail_en = match (during2, after1) {
                (Some(_), Some(_)) => "".to_owned(),
                (_, None) => " No report came after thr-1 ended: add steps or report more often.".to_owned(),
                (None, _) => " No report came while thr-1 was alive: give the worker more time.".to_owned(),
            };
            Msg::new(
                format!("thr-1 жил с {start_ru} до {end_ru}. active_count(): {}.{tail_ru}", list(&counts, true)),
                format!("thr-1 lived from {start_en} to {end_en}. active_count(): {}.{tail_en}", list(&counts, false)),
            )
        },
    });

    let last_true = alive.iter().filter(|r| r.before_end && r.value == "True").last();
    let first_false = alive.iter().find(|r| !r.before_end && r.value == "False");
    out.push(Insight {
        id: "is_alive",
        title: Text { ru: "is_alive() меняется, когда функция потока вернулась", en: "is_alive() flips when the thread's function returns" },
        observed: last_true.is_some() && first_false.is_some(),
        detail: match (last_true, first_false) {
            (Some(a), Some(b)) => Msg::new(
                format!("is_alive() был True в {}, thr-1 завершился в {end_ru}, и в {} уже False.", s_ru(a.t), s_ru(b.t)),
                format!("is_alive() was True at {}, thr-1 ended at {end_en}, and at {} it was False.", s_en(a.t), s_en(b.t)),
            ),
            _ => Msg::new(
                format!(
                    "thr-1 завершился в {end_ru}; отчёты is_alive(): {}. Чтобы увидеть смену, нужен отчёт и до, и после конца потока.",
                    list(&alive, true)
                ),
                format!(
                    "thr-1 ended at {end_en}; is_alive() reports: {}. To see it flip, a report is needed both before and after the thread's end.",
                    list(&alive, false)
                ),
            ),
        },
    });
    out
}
