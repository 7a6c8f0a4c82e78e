//! What a run showed, read from its trace.

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::{lines, span, tid_named, IndexedLine};
use crate::lessons::{Insight, Measurements, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::Actor;
use crate::trace::{Kind, ThreadEndHow};

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let daemon = p.flag("daemon");
    let planned = p.int("iterations") as usize + 1;
    let worker = tid_named(v, WORKER).unwrap_or(v.thread(2));
    let name = v.thread_name(worker).to_owned();
    let ws = span(v, worker);
    let main = span(v, v.thread(Actor::MAIN_TID));
    let main_end = main.end.unwrap_or(0.0);
    let main_end_ns = main.end_index.map_or(u64::MAX, |i| v.events[i].t_ns);
    let all = lines(v);
    let w_lines: Vec<&IndexedLine> = all.iter().filter(|l| l.actor == worker && !l.stderr).collect();
    let printed = w_lines.len();
    let late = main.end_index.map_or(0, |mi| {
        w_lines.iter().filter(|l| l.index > mi && v.events[l.index].t_ns > main_end_ns + SAME_INSTANT_NS).count()
    });
    let cut = ws.how == Some(ThreadEndHow::CutOff);
    let w_end = ws.end.unwrap_or(0.0);
    let run_end = v.events.iter().rev().find(|e| e.kind == Kind::RunEnd).map_or(v.duration(), |e| v.t(e));
    let mut out = Vec::new();

    out.push(Insight {
        id: "daemon_cut_off",
        title: Text { ru: "Оставшиеся строки демона так и не появляются", en: "A daemon's remaining lines never appear" },
        observed: daemon && cut && printed < planned && late == 0,
        detail: if !daemon {
            msg!(
                ru: "{name} — обычный поток (daemon=False): его никто не обрывает, он напечатал {printed} из {planned} строк.",
                en: "{name} is an ordinary thread (daemon=False): nothing cuts it off; it printed {printed} of {planned} lines.",
            )
        } else if cut {
            msg!(
                ru: "Главный поток закончился в {main_end}; демон {name} успел {printed} из {planned} строк и был оборван в {w_end}; после конца главного потока строк от него: {late}.",
                en: "The main thread ended at {main_end}; daemon {name} had printed {printed} of its {planned} lines and was cut off at {w_end}; lines from it after the main thread's end: {late}.";
                main_end = Secs(main_end),
                w_end = Secs(w_end),
            )
        } else {
            msg!(
                ru: "Демон {name} успел закончить всё ({printed} строк) в {w_end}, раньше главного потока ({main_end}): дайте главному потоку меньше работы.",
                en: "Daemon {name} finished all its work ({printed} lines) at {w_end}, before the main thread ({main_end}): give the main thread less work.";
                w_end = Secs(w_end),
                main_end = Secs(main_end),
            )
        },
    });

    let kept = !daemon && ws.how == Some(ThreadEndHow::Returned) && w_end > main_end && printed == planned;
    out.push(Insight {
        id: "nondaemon_keeps_alive",
        title: Text {
            ru: "Обычный поток держит программу, пока не закончит",
            en: "A non-daemon thread keeps the program alive until it ends",
        },
        observed: kept,
        detail: if daemon {
            msg!(
                ru: "Поток — демон: программа кончилась вместе с главным потоком, в {run_end}.",
                en: "The thread is a daemon: the program ended with the main thread, at {run_end}.";
                run_end = Secs(run_end),
            )
        } else if w_end > main_end {
            msg!(
                ru: "Главный поток закончился в {main_end}, а программа — только в {run_end}, когда {name} напечатал все {printed} строк.",
                en: "The main thread ended at {main_end}, the program only at {run_end}, once {name} had printed all {printed} lines.";
                main_end = Secs(main_end),
                run_end = Secs(run_end),
            )
        } else {
            msg!(
                ru: "{name} закончил раньше главного потока ({w_end} против {main_end}): ждать было нечего.",
                en: "{name} ended before the main thread ({w_end} against {main_end}): there was nothing to wait for.";
                w_end = Secs(w_end),
                main_end = Secs(main_end),
            )
        },
    });
    out
}
