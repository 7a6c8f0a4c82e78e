//! What a run showed, read from its trace.

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::{lines, s_en, s_ru, span, tid_named, IndexedLine};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
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
        id: "daemon_cut",
        title: Text { ru: "Оставшиеся строки демона так и не появляются", en: "A daemon's remaining lines never appear" },
        observed: daemon && cut && printed < planned && late == 0,
        detail: if !daemon {
            Msg::new(
                format!("{name} — обычный поток (daemon=False): его никто не обрывает, он напечатал {printed} из {planned} строк."),
                format!("{name} is an ordinary thread (daemon=False): nothing cuts it off; it printed {printed} of {planned} lines."),
            )
        } else if cut {
            Msg::new(
                format!(
                    "Главный поток закончился в {}; демон {name} успел {printed} из {planned} строк и был оборван в {}; после конца главного потока строк от него: {late}.",
                    s_ru(main_end),
                    s_ru(w_end)
                ),
                format!(
                    "The main thread ended at {}; daemon {name} had printed {printed} of its {planned} lines and was cut off at {}; lines from it after the main thread's end: {late}.",
                    s_en(main_end),
                    s_en(w_end)
                ),
            )
        } else {
            Msg::new(
                format!(
                    "Демон {name} успел закончить всё ({printed} строк) в {}, раньше главного потока ({}): дайте главному потоку меньше работы.",
                    s_ru(w_end),
                    s_ru(main_end)
                ),
                format!(
                    "Daemon {name} finished all its work ({printed} lines) at {}, before the main thread ({}): give the main thread less work.",
                    s_en(w_end),
                    s_en(main_end)
                ),
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
            Msg::new(
                format!("Поток — демон: программа кончилась вместе с главным потоком, в {}.", s_ru(run_end)),
                format!("The thread is a daemon: the program ended with the main thread, at {}.", s_en(run_end)),
            )
        } else if w_end > main_end {
            Msg::new(
                format!(
                    "Главный поток закончился в {}, а программа — только в {}, когда {name} напечатал все {printed} строк.",
                    s_ru(main_end),
                    s_ru(run_end)
                ),
                format!(
                    "The main thread ended at {}, the program only at {}, once {name} had printed all {printed} lines.",
                    s_en(main_end),
                    s_en(run_end)
                ),
            )
        } else {
            Msg::new(
                format!("{name} закончил раньше главного потока ({} против {}): ждать было нечего.", s_ru(w_end), s_ru(main_end)),
                format!("{name} ended before the main thread ({} against {}): there was nothing to wait for.", s_en(w_end), s_en(main_end)),
            )
        },
    });
    out
}
