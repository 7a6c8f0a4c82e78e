//! What a run showed, read from its trace.

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::{en_plural, lines, ru_plural, s_en, s_ru, span, tid_named};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::trace::Actor;
use crate::trace::{Kind, ObjKind, Op, ThreadEndHow};

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let interval = p.float("interval");
    let daemon = p.flag("daemon");
    let timer = v.find_obj(ObjKind::Timer, "timer");
    let on_timer =
        |op: Op| v.events.iter().find(|e| Some(e.obj) == timer && e.kind == Kind::Signal && e.op == op).map(|e| v.t(e));
    let fired = on_timer(Op::Fire);
    let cancelled = on_timer(Op::Cancel);
    let tt = tid_named(v, TIMER_THREAD);
    let ts = tt.map(|t| span(v, t));
    let started = ts.and_then(|s| s.start).unwrap_or(0.0);
    let timer_end = ts.and_then(|s| s.end);
    let cut = ts.and_then(|s| s.how) == Some(ThreadEndHow::CutOff);
    let hello_lines =
        lines(v).into_iter().filter(|l| Some(l.actor) == tt && !l.stderr && l.text.starts_with("hello:")).count();
    let main_end = span(v, v.thread(Actor::MAIN_TID)).end.unwrap_or(0.0);
    let due = started + interval;
    let mut out = Vec::new();

    let why_not = || match (cancelled, cut) {
        (Some(c), _) => {
            Msg::new(format!("Таймер отменён в {}.", s_ru(c)), format!("The timer was cancelled at {}.", s_en(c)))
        }
        (None, true) => Msg::new(
            format!("Главный поток закончился в {}, и таймер-демон умер вместе с программой.", s_ru(main_end)),
            format!("The main thread ended at {} and the daemon timer died with the program.", s_en(main_end)),
        ),
        (None, false) => Msg::new("Таймер не сработал.", "The timer did not fire."),
    };

    out.push(Insight {
        id: "starts_after_interval",
        title: Text {
            ru: "Функция начинается только после задержки",
            en: "The function starts only after the interval",
        },
        observed: fired.is_some_and(|f| f - started >= interval * (1.0 - 1e-9)),
        detail: match fired {
            Some(f) => Msg::new(
                format!(
                    "Таймер запущен в {}, hello начала работу в {} — через {} (задержка {}).",
                    s_ru(started),
                    s_ru(f),
                    s_ru(f - started),
                    s_ru(interval)
                ),
                format!(
                    "The timer started at {}, hello began at {}: {} later (interval {}).",
                    s_en(started),
                    s_en(f),
                    s_en(f - started),
                    s_en(interval)
                ),
            ),
            None => {
                let w = why_not();
                Msg::new(format!("hello не запускалась. {}", w.ru), format!("hello never ran. {}", w.en))
            }
        },
    });

    out.push(Insight {
        id: "cancel_prevents",
        title: Text { ru: "cancel() до срабатывания — функция не запустится никогда", en: "cancel() before it fires means the function never runs" },
        observed: cancelled.is_some() && fired.is_none() && hello_lines == 0,
        detail: match (cancelled, fired) {
            (Some(c), None) => Msg::new(
                format!("cancel() в {}, раньше срока {}: hello не напечатала ни строки, поток таймера закончился в {}.", s_ru(c), s_ru(due), timer_end.map_or("—".into(), s_ru)),
                format!("cancel() at {}, before the due time {}: hello printed nothing, and the timer's thread ended at {}.", s_en(c), s_en(due), timer_end.map_or("-".into(), s_en)),
            ),
            (Some(c), Some(f)) => Msg::new(
                format!(
                    "cancel() в {} опоздал: таймер сработал в {}, и hello всё равно напечатала {hello_lines} {}.",
                    s_ru(c),
                    s_ru(f),
                    ru_plural(hello_lines as u64, "строку", "строки", "строк")
                ),
                format!(
                    "cancel() at {} came too late: the timer fired at {}, and hello still printed {hello_lines} {}.",
                    s_en(c),
                    s_en(f),
                    en_plural(hello_lines as u64, "line", "lines")
                ),
            ),
            (None, _) => Msg::new("В этом запуске cancel() не вызывался (cancel_after = None).", "This run never called cancel() (cancel_after = None)."),
        },
    });

    out.push(Insight {
        id: "daemon_timer",
        title: Text { ru: "Таймер-демон не держит программу", en: "A daemon timer does not keep the program alive" },
        observed: daemon && cut,
        detail: if daemon && cut {
            let what = match fired {
                None => ("до срабатывания: hello так и не запустилась", "before it fired: hello never ran"),
                Some(_) => ("посреди работы hello", "in the middle of hello"),
            };
            Msg::new(
                format!("Главный поток закончился в {}; таймер-демон оборван {} (строк hello: {hello_lines}).", s_ru(main_end), what.0),
                format!("The main thread ended at {}; the daemon timer was cut off {} (lines of hello: {hello_lines}).", s_en(main_end), what.1),
            )
        } else if daemon {
            Msg::new(
                format!("Таймер-демон успел закончить до конца главного потока ({}).", s_ru(main_end)),
                format!("The daemon timer was over before the main thread ended ({}).", s_en(main_end)),
            )
        } else if timer_end.is_some_and(|t| t <= main_end) {
            let t = timer_end.unwrap_or(0.0);
            Msg::new(
                format!("Таймер — не демон, но его поток закончился в {}, раньше главного ({}): ждать было нечего.", s_ru(t), s_ru(main_end)),
                format!("The timer is not a daemon, but its thread was over at {}, before the main thread ({}): nothing to wait for.", s_en(t), s_en(main_end)),
            )
        } else {
            let end = timer_end.unwrap_or(main_end).max(main_end);
            Msg::new(
                format!("Таймер — не демон: главный поток закончился в {}, а программа — в {}, когда закончился поток таймера.", s_ru(main_end), s_ru(end)),
                format!("The timer is not a daemon: the main thread ended at {}, the program at {}, when the timer's thread ended.", s_en(main_end), s_en(end)),
            )
        },
    });
    out
}
