//! daemon: a daemon thread dies with the main thread; a non-daemon one keeps the program
//! alive until it ends.

use super::exec::{lines, s_en, s_ru, span, tid_named, IndexedLine};
use super::{no_cross_checks, Insight, Lesson, Measurements, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::py_print;
use crate::runtime;
use crate::threading::{self, Thread};
use crate::trace::Actor;
use crate::trace::{Kind, ThreadEndHow};

/// Python's name for the first thread started with `target=get_data`.
const WORKER: &str = "Thread-1 (get_data)";

static PARAMS: [ParamSpec; 3] = [
    ParamSpec {
        key: "daemon",
        label: Text { ru: "daemon-поток", en: "daemon thread" },
        kind: ParamKind::Bool { default: true },
    },
    ParamSpec {
        key: "iterations",
        label: Text { ru: "строк у потока", en: "worker's lines" },
        kind: ParamKind::Int { min: 1, max: 50, default: 5 },
    },
    ParamSpec {
        key: "main_work",
        label: Text { ru: "работа главного потока, с", en: "main thread's work, s" },
        kind: ParamKind::Float { min: 0.0, max: 30.0, default: 1.0 },
    },
];

const LISTING: &str = r#"import threading
import time


def get_data(data):
    for i in range({{iterations}}):
        print(f'[{threading.current_thread().name}] - {data} {i + 1}')
        time.sleep(1)
    print(f'[{threading.current_thread().name}] - done')


thr = threading.Thread(target=get_data, args=('tick',), daemon={{daemon}})
thr.start()

time.sleep({{main_work}})    # the main thread's own work
print('finish')
"#;

const EXPLANATION: Text = Text {
    ru: "Программа на Python завершается, когда заканчивается главный поток и все обычные потоки. \
Обычный поток, запущенный из главного, держит программу: даже если главный поток уже напечатал \
«finish» и дошёл до конца, интерпретатор ждёт, пока поток доделает свою работу.\n\n\
Поток-демон (daemon=True, или thr.daemon = True до start()) — фоновый: его никто не ждёт. Когда \
кончаются все обычные потоки, демоны просто обрываются на том месте, где были, — их оставшиеся строки \
так и не появятся, блоки finally не выполнятся. Так удобно запускать фоновые задачи, которые не должны \
мешать программе завершиться (проверка обновлений, периодический опрос), но нельзя поручать демону \
то, что обязательно нужно довести до конца: запись файла, отправку данных.\n\n\
Переключите daemon и сравните: когда заканчивается программа и сколько строк успевает напечатать поток. \
Увеличьте работу главного потока — и демон успеет больше.",
    en: "A Python program ends when its main thread and all ordinary threads have ended. An ordinary \
thread started from the main one keeps the program alive: even after the main thread has printed \
'finish' and run out of code, the interpreter waits for that thread to finish its work.\n\n\
A daemon thread (daemon=True, or thr.daemon = True before start()) is a background thread that nobody \
waits for. When the last ordinary thread ends, daemons are cut off wherever they are: their remaining \
lines never appear and their finally blocks do not run. That suits background jobs that must not keep \
the program from ending (checking for updates, periodic polling), but a daemon must never be trusted with \
work that has to be completed, such as writing a file or sending data.\n\n\
Toggle daemon and compare when the program ends and how many lines the thread gets to print. Give the \
main thread more work and the daemon gets further.",
};

pub static LESSON: Lesson = Lesson {
    id: "daemon",
    section: Section::Threads,
    title: Text { ru: "Потоки-демоны", en: "Daemon threads" },
    params: &PARAMS,
    listing: LISTING,
    explanation: EXPLANATION,
    default_speed: 1.0,
    threads: |_| 2,
    run,
    validate: no_cross_checks,
    insights,
};

fn run(p: &Params) -> PyResult<()> {
    let iterations = p.int("iterations");
    let thr = Thread::new("get_data", move || {
        let name = threading::current_thread().name().to_owned();
        let data = "tick";
        for i in 0..iterations {
            py_print!("[{name}] - {data} {}", i + 1)?;
            runtime::sleep(1.0)?;
        }
        py_print!("[{name}] - done")
    })
    .with_daemon(p.flag("daemon"));
    thr.start()?;
    runtime::sleep(p.float("main_work"))?;
    py_print!("finish")
}

/// Real nanoseconds within which a line stamped after the main thread's end still counts
/// as printed "with" it: the worker may pass its last check a moment before the main
/// thread's exit is published and write its line a moment after.
const SAME_INSTANT_NS: u64 = 200_000;

fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
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
