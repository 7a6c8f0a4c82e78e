//! join: the main thread waits for N workers before it goes on.

use super::exec::{en_plural, lines, s_en, s_ru, span, tid_named};
use super::{no_cross_checks, Insight, Lesson, Measurements, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::py_print;
use crate::runtime;
use crate::threading::{self, Thread};
use crate::trace::Actor;
use crate::trace::{Kind, Op};

static PARAMS: [ParamSpec; 3] = [
    ParamSpec {
        key: "threads",
        label: Text { ru: "потоков", en: "threads" },
        kind: ParamKind::Int { min: 1, max: 64, default: 4 },
    },
    ParamSpec {
        key: "iterations",
        label: Text { ru: "строк у каждого потока", en: "lines per thread" },
        kind: ParamKind::Int { min: 1, max: 50, default: 3 },
    },
    ParamSpec {
        key: "join",
        label: Text { ru: "ждать потоки (join)", en: "wait for the threads (join)" },
        kind: ParamKind::Bool { default: true },
    },
];

const LISTING: &str = r#"import threading
import time


def get_data(data, count):
    for _ in range(count):
        print(f'[{threading.current_thread().name}] - {data}')
        time.sleep(1)


threads = []
for i in range({{threads}}):
    thr = threading.Thread(target=get_data, args=(f'job {i}', {{iterations}}), name=f'thr-{i}')
    threads.append(thr)
    thr.start()          # returns at once: the thread runs on its own

if {{join}}:
    for thr in threads:
        thr.join()       # blocks until this thread has finished

print('finish')
"#;

const EXPLANATION: Text = Text {
    ru: "start() не ждёт окончания потока: он запускает его и сразу возвращается. Поэтому главный поток, \
запустив всех рабочих, мгновенно доходит до следующей строки. Если следующая строка — print('finish'), \
то «finish» появится раньше, чем рабочие успеют сделать свою работу.\n\n\
thr.join() блокирует вызывающий поток, пока thr не завершится. Перебрав список потоков и вызвав join() \
у каждого, главный поток дождётся всех: неважно, кто закончит первым, — join() у уже завершённого потока \
возвращается сразу. Только после этого выполняется print('finish').\n\n\
Заметьте и другое: даже без join() программа не заканчивается, пока работают обычные (не daemon) потоки — \
интерпретатор ждёт их при выходе. join() решает не то, когда закончится программа, а то, дождётся ли \
ваш код результатов, прежде чем идти дальше. Выключите join и посмотрите, где окажется «finish» и \
сколько ещё длится программа.",
    en: "start() does not wait for the thread to finish: it launches it and returns at once. So the main \
thread, having started every worker, reaches its next line immediately. If that line is print('finish'), \
'finish' shows up before the workers have done their work.\n\n\
thr.join() blocks the calling thread until thr has finished. Going through the list of threads and \
joining each one, the main thread waits for all of them: it does not matter who finishes first, since \
join() on a thread that has already ended returns at once. Only then does print('finish') run.\n\n\
Notice one more thing: even without join() the program does not end while ordinary (non-daemon) threads \
are running; the interpreter waits for them at exit. join() decides not when the program ends but whether \
your code waits for the results before it goes on. Turn join off and see where 'finish' lands and how long \
the program still runs.",
};

pub static LESSON: Lesson = Lesson {
    id: "join",
    section: Section::Threads,
    title: Text { ru: "join(): дождаться потоков", en: "join(): waiting for threads" },
    params: &PARAMS,
    listing: LISTING,
    explanation: EXPLANATION,
    default_speed: 1.0,
    threads: |p| p.int("threads") as usize + 1,
    run,
    validate: no_cross_checks,
    insights,
};

fn run(p: &Params) -> PyResult<()> {
    let n = p.int("threads");
    let count = p.int("iterations");
    let mut threads = Vec::new();
    for i in 0..n {
        let data = format!("job {i}");
        let thr = Thread::named(&format!("thr-{i}"), "get_data", move || {
            for _ in 0..count {
                py_print!("[{}] - {data}", threading::current_thread().name())?;
                runtime::sleep(1.0)?;
            }
            Ok(())
        });
        threads.push(thr.clone());
        thr.start()?;
    }
    if p.flag("join") {
        for thr in &threads {
            thr.join(None)?;
        }
    }
    py_print!("finish")
}

fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
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
            Msg::new(
                format!(
                    "«finish» в {} напечатан после всех строк рабочих потоков ({total}, последняя в {}).",
                    s_ru(finish_t),
                    s_ru(last_worker_t)
                ),
                format!(
                    "'finish' at {} came after all {total} {} of the workers (the last at {}).",
                    s_en(finish_t),
                    en_plural(total, "line", "lines"),
                    s_en(last_worker_t)
                ),
            )
        } else {
            Msg::new(
                format!("«finish» в {}, а после него ещё {after} из {total} строк рабочих потоков.", s_ru(finish_t)),
                format!("'finish' at {}, and {after} of the workers' {total} lines came after it.", s_en(finish_t)),
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
            Msg::new(
                format!(
                    "Главный поток напечатал «finish» в {}, когда {after} из {total} строк рабочих ещё не было.",
                    s_ru(finish_t)
                ),
                format!(
                    "The main thread printed 'finish' at {} with {after} of the workers' {total} lines still to come.",
                    s_en(finish_t)
                ),
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
            Msg::new(
                format!(
                    "MainThread провёл в join() {} и завершился в {}, после последнего рабочего ({}).",
                    s_ru(blocked),
                    s_ru(main_end),
                    s_ru(last_end)
                ),
                format!(
                    "MainThread spent {} in join() and ended at {}, after the last worker ({}).",
                    s_en(blocked),
                    s_en(main_end),
                    s_en(last_end)
                ),
            )
        } else {
            Msg::new(
                format!(
                    "MainThread закончил свой код в {}, но программа шла до {}: при выходе Python ждёт потоки, которые не daemon.",
                    s_ru(main_end),
                    s_ru(last_end)
                ),
                format!(
                    "MainThread ran out of code at {}, yet the program went on until {}: at exit Python waits for non-daemon threads.",
                    s_en(main_end),
                    s_en(last_end)
                ),
            )
        },
    });
    out
}
