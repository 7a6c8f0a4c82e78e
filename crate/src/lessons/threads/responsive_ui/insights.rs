//! What a run showed, read from its trace.

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::lines;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;

pub(super) fn insights(v: &TraceView, p: &Params, m: &Measurements) -> Vec<Insight> {
    let work = p.float("work");
    // Where the page says the work ran; without that, where it was asked to run.
    let reported = m.get("where").copied();
    let on_page = match reported {
        Some(w) => w < 0.5,
        None => p.choice("where") == "page",
    };
    let work_ms = work / v.speed.max(1e-9) * 1000.0;
    let at = if on_page {
        Text { ru: "в потоке страницы", en: "on the page's thread" }
    } else {
        Text { ru: "в отдельном потоке", en: "in a thread of its own" }
    };
    let place = if reported.is_some() {
        msg!(ru: "шла {at}", en: "ran {at}"; at = at)
    } else {
        msg!(ru: "должна была идти {at}", en: "was to run {at}"; at = at)
    };
    let mut out = Vec::new();
    // The page adds where the work ran to every run's measurements; a run without them
    // ran outside a browser, where there are no frames and no clicks.
    let in_page = reported.is_some();
    let not_here = Msg::new(
        "Это измеряет только страница в браузере: при запуске вне браузера кадров и щелчков нет.",
        "Only the page in a browser measures this: a run outside a browser has no frames and no clicks.",
    );

    // 1. Frames stop while the page's thread computes. The page froze when its longest
    // pause between frames covered at least half the work (and was a freeze a person sees):
    // on the page's thread the pause is the whole work, in a thread of its own at most a
    // loaded machine's stutter, so the verdict does not flip from run to run near a fixed
    // number of milliseconds.
    // The page may name the gap either way.
    let gap = m.get("frame_gap_max_ms").or_else(|| m.get("max_frame_gap_ms"));
    let (observed, detail) = match gap {
        None => (
            false,
            if in_page {
                Msg::new(
                    "Кадры не измерены: прогон остановлен до начала работы?",
                    "No frames measured: was the run stopped before the work began?",
                )
            } else {
                not_here.clone()
            },
        ),
        Some(gap) => {
            let froze = *gap >= (work_ms * FROZEN_SHARE).max(FROZEN_MS);
            (
                froze == on_page,
                msg!(ru: "Работа {place} около {work_ms:.0} мс; самая длинная пауза между кадрами — {gap:.0} мс ({felt}).", en: "The work {place} for about {work_ms:.0} ms; the longest pause between frames was {gap:.0} ms ({felt})."; place = &place, felt = if froze {
                    Text { ru: "страница замирала", en: "the page froze" }
                } else if *gap < SMOOTH_MS {
                    Text { ru: "кадры шли плавно", en: "frames kept coming smoothly" }
                } else {
                    Text { ru: "были рывки, но страница не замирала", en: "some stutter, but the page never froze" }
                }),
            )
        }
    };
    out.push(Insight {
        id: "page_work_stops_frames",
        title: Text {
            ru: "Работа в потоке страницы останавливает кадры, в отдельном потоке — нет",
            en: "Work on the page's thread stops the frames; in a thread of its own it does not",
        },
        observed,
        detail,
    });

    // 2. A click waits for the work, or is answered at once.
    let (observed, detail) = match m.get("click_delay_ms") {
        None if in_page => (
            false,
            Msg::new(
                "Нажмите «О программе», пока идёт работа: страница измерит, сколько щелчок ждал ответа.",
                "Click \"About\" while the work runs: the page times how long the click waits for an answer.",
            ),
        ),
        None => (false, not_here),
        Some(d) => {
            let ok = if on_page { *d >= FROZEN_MS } else { *d < SMOOTH_MS };
            (
                ok,
                msg!(
                    ru: "Щелчок по «О программе» во время работы (она {place}) был обработан через {d:.0} мс.",
                    en: "A click on \"About\" during the work (which {place}) was handled after {d:.0} ms.";
                    place = &place,
                ),
            )
        }
    };
    out.push(Insight {
        id: "click_waits_for_page_work",
        // What this run is to show: a click that waits, or one answered at once.
        title: if on_page {
            Text {
                ru: "Щелчок ждёт конца работы, если она идёт в потоке страницы",
                en: "A click waits for the work to end when it runs on the page's thread",
            }
        } else {
            Text {
                ru: "Щелчок получает ответ сразу, пока работа идёт в отдельном потоке",
                en: "A click is answered at once while the work runs in a thread of its own",
            }
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
                msg!(
                    ru: "download() выполнял {who} с {t} по {t2}: {steps} шагов без единого ожидания.",
                    en: "download() ran in {who} from {t} to {t2}: {steps} steps without a single wait.";
                    who = v.thread_name(s.actor),
                    t = Secs(s.t),
                    t2 = Secs(f.t),
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
        id: "work_takes_as_long",
        title: Text {
            ru: "Сама работа занимает то же время в любом потоке",
            en: "The work itself takes as long on either thread",
        },
        observed,
        detail,
    });
    out
}
