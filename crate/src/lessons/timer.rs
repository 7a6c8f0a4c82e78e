//! timer: `threading.Timer` runs a function after a delay on its own thread, unless
//! cancelled first; a daemon timer dies with the program.

use super::exec::{en_plural, lines, ru_plural, s_en, s_ru, span, tid_named};
use super::{no_cross_checks, Insight, Lesson, Measurements, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::prims::Timer;
use crate::py_print;
use crate::runtime;
use crate::trace::Actor;
use crate::trace::{Kind, ObjKind, Op, ThreadEndHow};

/// Python's name for the timer's thread: the first thread the program creates.
const TIMER_THREAD: &str = "Thread-1";
/// hello's steps and the main thread's steps, one lesson second each (literals in the listing).
const STEPS: u32 = 3;

static PARAMS: [ParamSpec; 3] = [
    ParamSpec {
        key: "interval",
        label: Text { ru: "задержка таймера, с", en: "timer's interval, s" },
        kind: ParamKind::Float { min: 0.0, max: 60.0, default: 5.0 },
    },
    ParamSpec {
        key: "cancel_after",
        label: Text { ru: "cancel() через, с", en: "cancel() after, s" },
        kind: ParamKind::OptFloat { min: 0.0, max: 60.0, default: None, none: "None" },
    },
    ParamSpec {
        key: "daemon",
        label: Text { ru: "таймер-демон", en: "daemon timer" },
        kind: ParamKind::Bool { default: false },
    },
];

const LISTING: &str = r#"import threading
import time


def hello():
    print('hello: the timer fired')
    for i in range(3):
        time.sleep(1)
        print(f'hello: working {i + 1}/3')
    print('hello: done')


timer = threading.Timer({{interval}}, hello)
timer.daemon = {{daemon}}
timer.start()
print('main: timer started')

cancel_after = {{cancel_after}}     # None: never cancel
if cancel_after is not None:
    time.sleep(cancel_after)
    timer.cancel()
    print(f'main: cancel() after {cancel_after} s')

for i in range(3):
    time.sleep(1)
    print(f'main: working {i + 1}/3')
print('main: finish')
"#;

const EXPLANATION: Text = Text {
    ru: "threading.Timer(interval, function) — это поток, который сначала ждёт interval секунд и только \
потом вызывает function. start() запускает поток-таймер сразу, но сама функция начнётся не раньше, чем \
пройдёт задержка; главный поток тем временем занимается своим делом.\n\n\
Пока таймер ждёт, его можно отменить: timer.cancel(). Тогда функция не запустится вовсе. Но cancel() \
действует только на ожидание: если таймер уже сработал и функция выполняется, отмена ничего не \
остановит — функция доработает до конца.\n\n\
Таймер — обычный поток, поэтому к нему применимо всё, что известно о потоках. Если он не daemon, \
программа будет ждать его даже после того, как главный поток закончил. Если daemon — таймер умрёт \
вместе с программой: не успел сработать — функция так и не запустится; успел — оборвётся на полуслове. \
Поиграйте задержкой, моментом отмены и флагом daemon и сравните, что успевает напечатать hello.",
    en: "threading.Timer(interval, function) is a thread that first waits interval seconds and only then \
calls function. start() launches the timer's thread at once, but the function itself starts no earlier \
than the interval has passed; meanwhile the main thread goes about its business.\n\n\
While the timer waits, it can be cancelled with timer.cancel(), and then the function never runs at all. \
But cancel() only affects the waiting: once the timer has fired and the function is running, cancelling \
stops nothing, and the function runs to its end.\n\n\
A timer is an ordinary thread, so everything about threads applies. If it is not a daemon, the program \
waits for it even after the main thread is done. If it is a daemon, the timer dies with the program: if \
it had not fired yet, the function never runs; if it had, it is cut off mid-way. Play with the interval, \
the moment of cancel and the daemon flag, and compare what hello gets to print.",
};

pub static LESSON: Lesson = Lesson {
    id: "timer",
    section: Section::Threads,
    title: Text {
        ru: "Timer: отложенный запуск и отмена", en: "Timer: a delayed start and cancel()"
    },
    params: &PARAMS,
    listing: LISTING,
    explanation: EXPLANATION,
    default_speed: 2.0,
    threads: |_| 3,
    run,
    validate: no_cross_checks,
    insights,
};

/// Python's `str()` of a float: `2.0`, `0.5`.
fn py_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

fn hello() -> PyResult<()> {
    py_print!("hello: the timer fired")?;
    for i in 0..STEPS {
        runtime::sleep(1.0)?;
        py_print!("hello: working {}/{STEPS}", i + 1)?;
    }
    py_print!("hello: done")
}

fn run(p: &Params) -> PyResult<()> {
    let timer = Timer::new(p.float("interval"), hello);
    timer.set_daemon(p.flag("daemon"))?;
    timer.start()?;
    py_print!("main: timer started")?;
    if let Some(after) = p.opt_float("cancel_after") {
        runtime::sleep(after)?;
        timer.cancel();
        py_print!("main: cancel() after {} s", py_float(after))?;
    }
    for i in 0..STEPS {
        runtime::sleep(1.0)?;
        py_print!("main: working {}/{STEPS}", i + 1)?;
    }
    py_print!("main: finish")
}

fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
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
