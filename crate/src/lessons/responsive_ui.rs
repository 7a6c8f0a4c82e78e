//! Long work on the UI thread freezes the page; the same work in a thread of its own does
//! not. The page measures the freeze (frame gaps, the delay of a click) while it runs.

use super::exec::{lines, s_en, s_ru};
use super::{Insight, Lesson, Measurements, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::runtime::{self, checkpoint, monotonic};
use crate::threading::{current_thread, Thread};

pub static LESSON: Lesson = Lesson {
    id: "responsive-ui",
    section: Section::Threads,
    title: Text {
        ru: "Отзывчивый интерфейс: долгая работа — не в потоке интерфейса",
        en: "A responsive UI: keep long work off the UI thread",
    },
    params: &[
        ParamSpec {
            key: "work",
            label: Text { ru: "Работа, с", en: "Work, s" },
            kind: ParamKind::Float { min: 1.0, max: 30.0, default: 5.0 },
        },
        ParamSpec {
            key: "where",
            label: Text { ru: "Где выполнять", en: "Where to run it" },
            kind: ParamKind::Choice {
                options: &[
                    ("page", Text { ru: "в потоке страницы", en: "on the page's thread" }),
                    ("worker", Text { ru: "в отдельном потоке", en: "in a thread of its own" }),
                ],
                default: "page",
            },
        },
    ],
    listing: LISTING,
    explanation: Text { ru: EXPLANATION_RU, en: EXPLANATION_EN },
    default_speed: 1.0,
    threads: |_| 3,
    run,
    validate: super::no_cross_checks,
    insights,
};

const LISTING: &str = r#"import threading
import time

WORK = {{work}}            # seconds of computing after a click on "Download"
WHERE = '{{where}}'        # 'page': in the click handler; 'worker': in a thread

def download():
    name = threading.current_thread().name
    print(f'{name}: download started')
    start = time.monotonic()
    steps = 0
    while time.monotonic() - start < WORK:     # busy all the time, never waits
        steps += 1
    print(f'{name}: download finished, {steps} steps in {time.monotonic() - start:.1f} s')

def on_download_click():                       # runs on the UI thread
    if WHERE == 'page':
        download()                             # the UI is frozen until it returns
    else:
        threading.Thread(target=download, name='download').start()   # returns at once
    print('UI: click handled')

on_download_click()
"#;

const EXPLANATION_RU: &str = "В графической программе (tkinter, Qt, веб-страница) есть один поток интерфейса. Он в цикле берёт события — нажатия, движения мыши, перерисовку — и вызывает их обработчики. Пока обработчик не вернул управление, следующее событие никто не разбирает: окно не перерисовывается, кнопки не нажимаются, программа выглядит зависшей.

Поэтому долгую работу (загрузку, вычисления) из обработчика не выполняют, а запускают в отдельном потоке: обработчик лишь стартует поток и сразу возвращается, а интерфейс продолжает отвечать. Результат потом передают обратно в поток интерфейса, например через очередь.

Эта страница устроена так же: у неё один главный поток, который рисует кадры и обрабатывает щелчки. Выберите WHERE = 'page', и вычисление пойдёт прямо в нём — страница замрёт на WORK секунд; попробуйте в это время нажать «О программе». С WHERE = 'worker' та же работа идёт в отдельном потоке (Web Worker), а страница остаётся живой. Замеры — самая длинная пауза между кадрами и задержка щелчка — делает сама страница во время прогона.";

const EXPLANATION_EN: &str = "A graphical program (tkinter, Qt, a web page) has one UI thread. It loops over events (clicks, mouse moves, repaints) and calls their handlers. Until a handler returns, nobody handles the next event: the window does not repaint, buttons do not respond, the program looks hung.

That is why long work (a download, a computation) is not done inside a handler but started in a thread of its own: the handler only starts the thread and returns at once, and the interface stays responsive. The result is passed back to the UI thread afterwards, for instance through a queue.

This page works the same way: it has one main thread that draws frames and handles clicks. Choose WHERE = 'page' and the computation runs right on it: the page freezes for WORK seconds; try clicking \"About\" meanwhile. With WHERE = 'worker' the same work runs in a thread of its own (a Web Worker) and the page stays alive. The page itself takes the measurements (the longest pause between frames, the delay of a click) during the run.";

fn download(work: f64) -> PyResult<()> {
    let name = current_thread().name().to_owned();
    crate::py_print!("{name}: download started")?;
    let start = monotonic();
    let mut steps: u64 = 0;
    while monotonic() - start < work {
        steps += 1;
        checkpoint()?;
    }
    crate::py_print!("{name}: download finished, {steps} steps in {:.1} s", monotonic() - start)
}

fn run(p: &Params) -> PyResult<()> {
    let work = p.float("work");
    if p.choice("where") == "page" {
        download(work)?;
    } else {
        Thread::named("download", "download", move || download(work)).start()?;
    }
    runtime::print("UI: click handled")
}

/// Frame gaps below this feel smooth (a frame is 16.7 ms; a few dropped ones pass unseen).
const SMOOTH_MS: f64 = 100.0;
/// Gaps above this are a visible freeze.
const FROZEN_MS: f64 = 250.0;

fn insights(v: &TraceView, p: &Params, m: &Measurements) -> Vec<Insight> {
    let work = p.float("work");
    // Where the page says the work ran; without that, where it was asked to run.
    let reported = m.get("where").copied();
    let on_page = match reported {
        Some(w) => w < 0.5,
        None => p.choice("where") == "page",
    };
    let work_ms = work / v.speed.max(1e-9) * 1000.0;
    let place = |ru: bool| {
        let at = match (on_page, ru) {
            (true, true) => "в потоке страницы",
            (true, false) => "on the page's thread",
            (false, true) => "в отдельном потоке",
            (false, false) => "in a thread of its own",
        };
        match (reported.is_some(), ru) {
            (true, true) => format!("шла {at}"),
            (true, false) => format!("ran {at}"),
            (false, true) => format!("должна была идти {at}"),
            (false, false) => format!("was to run {at}"),
        }
    };
    let mut out = Vec::new();
    let not_here = Msg::new(
        "Это измеряет только страница в браузере: при запуске вне браузера кадров и щелчков нет. Откройте урок на странице.",
        "Only the page in a browser measures this: a run outside a browser has no frames and no clicks. Open the lesson in the page.",
    );

    // 1. Frames stop while the page's thread computes.
    // The page may name the gap either way.
    let gap = m.get("frame_gap_max_ms").or_else(|| m.get("max_frame_gap_ms"));
    let (observed, detail) = match gap {
        None => (false, not_here.clone()),
        Some(gap) => {
            let ok = if on_page { *gap >= FROZEN_MS } else { *gap < SMOOTH_MS };
            (
                ok,
                Msg::new(
                    format!(
                        "Работа {} около {:.0} мс; самая длинная пауза между кадрами — {gap:.0} мс ({}).",
                        place(true),
                        work_ms,
                        if *gap >= FROZEN_MS {
                            "страница замирала"
                        } else if *gap < SMOOTH_MS {
                            "кадры шли плавно"
                        } else {
                            "заметные рывки"
                        }
                    ),
                    format!(
                        "The work {} for about {:.0} ms; the longest pause between frames was {gap:.0} ms ({}).",
                        place(false),
                        work_ms,
                        if *gap >= FROZEN_MS {
                            "the page froze"
                        } else if *gap < SMOOTH_MS {
                            "frames kept coming smoothly"
                        } else {
                            "visible stutter"
                        }
                    ),
                ),
            )
        }
    };
    out.push(Insight {
        id: "frame-gap",
        title: Text {
            ru: "Работа в потоке страницы останавливает кадры, в отдельном потоке — нет",
            en: "Work on the page's thread stops the frames; in a thread of its own it does not",
        },
        observed,
        detail,
    });

    // 2. A click waits for the work, or is answered at once.
    let (observed, detail) = match m.get("click_delay_ms") {
        None => (false, not_here),
        Some(d) => {
            let ok = if on_page { *d >= FROZEN_MS } else { *d < SMOOTH_MS };
            (
                ok,
                Msg::new(
                    format!(
                        "Щелчок по «О программе» во время работы (она {}) был обработан через {d:.0} мс.",
                        place(true)
                    ),
                    format!(
                        "A click on \"About\" during the work (which {}) was handled after {d:.0} ms.",
                        place(false)
                    ),
                ),
            )
        }
    };
    out.push(Insight {
        id: "click-delay",
        title: Text {
            ru: "Щелчок ждёт конца работы, если она идёт в потоке страницы",
            en: "A click waits for the work to end when it runs on the page's thread",
        },
        observed,
        detail,
    });

    // 3. The work itself, from the trace: who did it and for how long.
    let all = lines(v);
    let started = all.iter().find(|l| l.text.ends_with(": download started"));
    let finished = all.iter().find(|l| l.text.contains(": download finished, "));
    let (observed, detail) = match (started, finished) {
        (Some(s), Some(f)) => {
            let steps = f.text.split("finished, ").nth(1).and_then(|r| r.split(' ').next()).unwrap_or("?");
            (
                true,
                Msg::new(
                    format!(
                        "download() выполнял {} с {} по {}: {steps} шагов без единого ожидания.",
                        v.thread_name(s.actor),
                        s_ru(s.t),
                        s_ru(f.t)
                    ),
                    format!(
                        "download() ran in {} from {} to {}: {steps} steps without a single wait.",
                        v.thread_name(s.actor),
                        s_en(s.t),
                        s_en(f.t)
                    ),
                ),
            )
        }
        _ => (
            false,
            Msg::new(
                "Работа не дошла до конца (прогон остановлен?).",
                "The work did not finish (was the run stopped?).",
            ),
        ),
    };
    out.push(Insight {
        id: "work-done",
        title: Text {
            ru: "Сама работа занимает то же время в любом потоке",
            en: "The work itself takes as long on either thread",
        },
        observed,
        detail,
    });
    out
}
