//! What a run showed, read from its trace.

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::{lines, plural, span, tid_named};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
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
            msg!(ru: "Таймер отменён в {c}.", en: "The timer was cancelled at {c}."; c = Secs(c))
        }
        (None, true) => {
            msg!(
                ru: "Главный поток закончился в {main_end}, и таймер-демон умер вместе с программой.",
                en: "The main thread ended at {main_end} and the daemon timer died with the program.";
                main_end = Secs(main_end),
            )
        }
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
            Some(f) => msg!(
                ru: "Таймер запущен в {started}, hello начала работу в {f} — через {took} (задержка {interval}).",
                en: "The timer started at {started}, hello began at {f}: {took} later (interval {interval}).";
                started = Secs(started),
                f = Secs(f),
                took = Secs(f - started),
                interval = Secs(interval),
            ),
            None => {
                let w = why_not();
                msg!(ru: "hello не запускалась. {note}", en: "hello never ran. {note}"; note = &w)
            }
        },
    });

    out.push(Insight {
        id: "cancel_prevents",
        title: Text { ru: "cancel() до срабатывания — функция не запустится никогда", en: "cancel() before it fires means the function never runs" },
        observed: cancelled.is_some() && fired.is_none() && hello_lines == 0,
        detail: match (cancelled, fired) {
            (Some(c), None) => msg!(
                ru: "cancel() в {c}, раньше срока {due}: hello не напечатала ни строки, поток таймера закончился в {end}.",
                en: "cancel() at {c}, before the due time {due}: hello printed nothing, and the timer's thread ended at {end}.";
                c = Secs(c),
                due = Secs(due),
                end = timer_end.map(Secs),
            ),
            (Some(c), Some(f)) => msg!(
                ru: "cancel() в {c} опоздал: таймер сработал в {f}, и hello всё равно напечатала {hello_lines} {lines}.",
                en: "cancel() at {c} came too late: the timer fired at {f}, and hello still printed {hello_lines} {lines}.";
                c = Secs(c),
                f = Secs(f),
                lines = plural(hello_lines as u64, ["строку", "строки", "строк"], ["line", "lines"]),
            ),
            (None, _) => Msg::new("В этом запуске cancel() не вызывался (cancel_after = None).", "This run never called cancel() (cancel_after = None)."),
        },
    });

    out.push(Insight {
        id: "daemon_timer_does_not_keep_alive",
        title: Text { ru: "Таймер-демон не держит программу", en: "A daemon timer does not keep the program alive" },
        observed: daemon && cut,
        detail: if daemon && cut {
            let what = match fired {
                None => ("до срабатывания: hello так и не запустилась", "before it fired: hello never ran"),
                Some(_) => ("посреди работы hello", "in the middle of hello"),
            };
            msg!(
                ru: "Главный поток закончился в {main_end}; таймер-демон оборван {what} (строк hello: {hello_lines}).",
                en: "The main thread ended at {main_end}; the daemon timer was cut off {what} (lines of hello: {hello_lines}).";
                main_end = Secs(main_end),
                what = Msg::new(what.0, what.1),
            )
        } else if daemon {
            msg!(
                ru: "Таймер-демон успел закончить до конца главного потока ({main_end}).",
                en: "The daemon timer was over before the main thread ended ({main_end}).";
                main_end = Secs(main_end),
            )
        } else if timer_end.is_some_and(|t| t <= main_end) {
            let t = timer_end.unwrap_or(0.0);
            msg!(
                ru: "Таймер — не демон, но его поток закончился в {t}, раньше главного ({main_end}): ждать было нечего.",
                en: "The timer is not a daemon, but its thread was over at {t}, before the main thread ({main_end}): nothing to wait for.";
                t = Secs(t),
                main_end = Secs(main_end),
            )
        } else {
            let end = timer_end.unwrap_or(main_end).max(main_end);
            msg!(
                ru: "Таймер — не демон: главный поток закончился в {main_end}, а программа — в {end}, когда закончился поток таймера.",
                en: "The timer is not a daemon: the main thread ended at {main_end}, the program at {end}, when the timer's thread ended.";
                main_end = Secs(main_end),
                end = Secs(end),
            )
        },
    });
    out
}
