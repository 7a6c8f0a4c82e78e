//! What a run showed, read from its trace.

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::{lines, plural, span, tid_named};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;

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
        id: "threads_interleave",
        title: Text { ru: "Главный поток и thr-1 работают одновременно", en: "The main thread and thr-1 run at the same time" },
        observed: between > 0,
        detail: if between > 0 {
            msg!(
                ru: "Между первой ({first_w}) и последней ({last_w}) строкой thr-1 главный поток напечатал {between} {lines}: потоки шли одновременно.",
                en: "Between thr-1's first ({first_w}) and last ({last_w}) line the main thread printed {between} {lines}: the threads ran at the same time.";
                first_w = Secs(first_w),
                last_w = Secs(last_w),
                lines = plural(between as u64, ["строку", "строки", "строк"], ["line", "lines"]),
            )
        } else {
            msg!(
                ru: "thr-1 уложился между строками главного потока ({first_w} – {last_w}), и строки не перемешались; увеличьте время работы потока.",
                en: "thr-1 fitted between two lines of the main thread ({first_w} – {last_w}), so no lines mixed; give the worker more time.";
                first_w = Secs(first_w),
                last_w = Secs(last_w),
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
    let (start, end) = (w_start.map(Secs), w_end.map(Secs));

    let during2 = counts.iter().find(|r| r.before_end && r.value == "2");
    let after1 = counts.iter().find(|r| !r.before_end && r.value == "1");
    let list = |rs: &[Report]| -> Msg {
        if rs.is_empty() {
            return Msg::new("—", "—");
        }
        Msg::join(rs.iter().map(|r| msg!(ru: "{v} в {t}", en: "{v} at {t}"; v = &r.value, t = Secs(r.t))), ", ")
    };
    out.push(Insight {
        id: "active_count_two_then_one",
        title: Text {
            ru: "active_count() — 2, пока thr-1 жив, и 1 после",
            en: "active_count() is 2 while thr-1 lives, 1 after",
        },
        observed: during2.is_some() && after1.is_some(),
        detail: {
            let tail = match (during2, after1) {
                (Some(_), Some(_)) => Text { ru: "", en: "" },
                (_, None) => Text {
                    ru: " Отчёта после конца thr-1 не было: добавьте шагов или отчитывайтесь чаще.",
                    en: " No report came after thr-1 ended: add steps or report more often.",
                },
                (None, _) => Text {
                    ru: " Отчёта при живом thr-1 не было: дайте потоку больше времени.",
                    en: " No report came while thr-1 was alive: give the worker more time.",
                },
            };
            msg!(
                ru: "thr-1 жил с {start} до {end}. active_count(): {counts}.{tail}",
                en: "thr-1 lived from {start} to {end}. active_count(): {counts}.{tail}";
                start = start,
                end = end,
                counts = list(&counts),
                tail = tail,
            )
        },
    });

    let last_true = alive.iter().filter(|r| r.before_end && r.value == "True").last();
    let first_false = alive.iter().find(|r| !r.before_end && r.value == "False");
    out.push(Insight {
        id: "is_alive_flips_at_end",
        title: Text { ru: "is_alive() меняется, когда функция потока вернулась", en: "is_alive() flips when the thread's function returns" },
        observed: last_true.is_some() && first_false.is_some(),
        detail: match (last_true, first_false) {
            (Some(a), Some(b)) => msg!(
                ru: "is_alive() был True в {t}, thr-1 завершился в {end}, и в {t2} уже False.",
                en: "is_alive() was True at {t}, thr-1 ended at {end}, and at {t2} it was False.";
                t = Secs(a.t),
                end = end,
                t2 = Secs(b.t),
            ),
            _ => msg!(
                ru: "thr-1 завершился в {end}; отчёты is_alive(): {alive}. Чтобы увидеть смену, нужен отчёт и до, и после конца потока.",
                en: "thr-1 ended at {end}; is_alive() reports: {alive}. To see it flip, a report is needed both before and after the thread's end.";
                end = end,
                alive = list(&alive),
            ),
        },
    });
    out
}
