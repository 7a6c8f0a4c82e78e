//! `Event`: one flag that many threads wait for.

use super::exec::{s_en, s_ru, tid_named};
use super::{Insight, Lesson, Measurements, Msg, ParamKind, ParamSpec, Params, Section, Text};
use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::prims::Event;
use crate::runtime::{self, monotonic};
use crate::threading::{current_thread, Thread};
use crate::trace::{Kind, ObjKind, Op};
use std::sync::Arc;

pub static LESSON: Lesson = Lesson {
    id: "event",
    section: Section::Threads,
    title: Text { ru: "Event: wait, set, clear, is_set", en: "Event: wait, set, clear, is_set" },
    params: &[
        ParamSpec {
            key: "waiters",
            label: Text { ru: "Ждущих потоков", en: "Waiting threads" },
            kind: ParamKind::Int { min: 1, max: 128, default: 10 },
        },
        ParamSpec {
            key: "set_after",
            label: Text { ru: "set() через, с", en: "set() after, s" },
            kind: ParamKind::Float { min: 0.0, max: 30.0, default: 3.0 },
        },
        ParamSpec {
            key: "clear_after",
            label: Text { ru: "clear() через, с", en: "clear() after, s" },
            kind: ParamKind::OptFloat { min: 0.0, max: 30.0, default: None, none: "never" },
        },
    ],
    listing: LISTING,
    explanation: Text { ru: EXPLANATION_RU, en: EXPLANATION_EN },
    default_speed: 1.0,
    threads: |p| p.int("waiters") as usize + 4,
    run,
    validate: super::no_cross_checks,
    insights,
};

const LISTING: &str = r#"import time
from threading import Event, Thread, current_thread

WAITERS = {{waiters}}
SET_AFTER = {{set_after}}
CLEAR_AFTER = {{clear_after}}      # None: never clear the flag

ready = Event()
start = time.monotonic()

def handler():
    name = current_thread().name
    print(f'{name}: prepared, waiting for the signal')
    ready.wait()
    print(f'{name}: signal received at {time.monotonic() - start:.2f}')

def latecomer():
    name = current_thread().name
    t0 = time.monotonic()
    flag = ready.wait(timeout=2)
    print(f'{name}: wait() returned {flag} after {time.monotonic() - t0:.2f} s')

handlers = [Thread(target=handler, name=f'thr-{i}') for i in range(WAITERS)]
for t in handlers:
    t.start()
time.sleep(SET_AFTER)
print(f'main: set() at {time.monotonic() - start:.2f}')
ready.set()
for t in handlers:
    t.join()

late = Thread(target=latecomer, name='late-1')   # comes after set(): the flag is still up
late.start()
late.join()
if CLEAR_AFTER is not None:
    time.sleep(CLEAR_AFTER)
    ready.clear()
    print(f'main: clear() at {time.monotonic() - start:.2f}, is_set() = {ready.is_set()}')
    late = Thread(target=latecomer, name='late-2')   # the flag is down: it has to wait
    late.start()
    late.join()
"#;

const EXPLANATION_RU: &str = "`Event` — это флаг, который один поток поднимает, а другие ждут. Сначала флаг опущен: `wait()` усыпляет поток. `set()` поднимает флаг и будит сразу всех, кто ждал, — сколько бы их ни было. `clear()` опускает флаг снова, `is_set()` сообщает его состояние.

Главное отличие от `Condition`: событие помнит, что оно произошло. Поднятый флаг остаётся поднятым, пока его не опустят вручную, поэтому поток, который пришёл к `wait()` уже после `set()`, проходит не останавливаясь. Уведомление `notify()` у `Condition`, наоборот, достаётся только тем, кто ждёт в эту секунду.

Здесь обработчики готовятся и ждут сигнала; главный поток через SET_AFTER секунд вызывает `set()`, и все просыпаются одновременно. Затем опоздавший `late-1` вызывает `wait()` и сразу получает `True`. Если задать CLEAR_AFTER, флаг опускается, и следующий опоздавший `late-2` ждёт свой таймаут и получает `False`.";

const EXPLANATION_EN: &str = "An `Event` is a flag that one thread raises and others wait for. It starts lowered: `wait()` puts a thread to sleep. `set()` raises the flag and wakes everyone who was waiting at once, however many. `clear()` lowers it again, and `is_set()` tells its state.

The main difference from a `Condition`: an event remembers that it happened. A raised flag stays raised until someone lowers it, so a thread that reaches `wait()` after the `set()` goes straight through. A `Condition`'s `notify()`, on the other hand, reaches only those waiting at that moment.

Here the handlers get ready and wait for the signal; after SET_AFTER seconds the main thread calls `set()` and they all wake together. Then the latecomer `late-1` calls `wait()` and gets `True` at once. With CLEAR_AFTER set, the flag goes down, and the next latecomer `late-2` waits out its timeout and gets `False`.";

fn run(p: &Params) -> PyResult<()> {
    let waiters = p.int("waiters");
    let set_after = p.float("set_after");
    let clear_after = p.opt_float("clear_after");
    let ready = Arc::new(Event::named("ready"));
    let start = monotonic();

    let latecomer = |ready: Arc<Event>| {
        move || {
            let name = current_thread().name().to_owned();
            let t0 = monotonic();
            let flag = ready.wait(Some(2.0))?;
            crate::py_print!("{name}: wait() returned {} after {:.2} s", super::exec::py_bool(flag), monotonic() - t0)
        }
    };

    let mut handlers = Vec::new();
    for i in 0..waiters {
        let ready = ready.clone();
        handlers.push(Thread::named(&format!("thr-{i}"), "handler", move || {
            let name = current_thread().name().to_owned();
            crate::py_print!("{name}: prepared, waiting for the signal")?;
            ready.wait(None)?;
            crate::py_print!("{name}: signal received at {:.2}", monotonic() - start)
        }));
    }
    for t in &handlers {
        t.start()?;
    }
    runtime::sleep(set_after)?;
    crate::py_print!("main: set() at {:.2}", monotonic() - start)?;
    ready.set();
    for t in &handlers {
        t.join(None)?;
    }

    let late = Thread::named("late-1", "latecomer", latecomer(ready.clone()));
    late.start()?;
    late.join(None)?;
    if let Some(c) = clear_after {
        runtime::sleep(c)?;
        ready.clear();
        crate::py_print!(
            "main: clear() at {:.2}, is_set() = {}",
            monotonic() - start,
            super::exec::py_bool(ready.is_set())
        )?;
        let late = Thread::named("late-2", "latecomer", latecomer(ready.clone()));
        late.start()?;
        late.join(None)?;
    }
    Ok(())
}

fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let waiters = p.int("waiters") as usize;
    let clear_after = p.opt_float("clear_after");
    let Some(obj) = v.find_obj(ObjKind::Event, "ready") else {
        return vec![];
    };
    let mut out = Vec::new();
    let evs: Vec<(usize, &crate::trace::Event)> = v.events.iter().enumerate().filter(|(_, e)| e.obj == obj).collect();
    let set = evs.iter().find(|(_, e)| e.kind == Kind::Signal && e.op == Op::Set).map(|(i, e)| (*i, v.t(e)));
    let clear = evs.iter().find(|(_, e)| e.kind == Kind::Signal && e.op == Op::Clear).map(|(i, e)| (*i, v.t(e)));

    // 1. Every waiter wakes at set().
    // "At once": within 50 ms of lesson time or 20 ms of real time, whichever is larger.
    let tol = (0.05f64).max(0.02 * v.speed);
    let (observed, detail) = match set {
        None => (false, Msg::new("set() в журнале не найден.", "No set() in the trace.")),
        Some((si, st)) => {
            let mut woke = 0;
            let mut early = 0;
            let mut blocked = 0;
            let mut lag: f64 = 0.0;
            for i in 0..waiters {
                let Some(tid) = tid_named(v, &format!("thr-{i}")) else { continue };
                let mine: Vec<&(usize, &crate::trace::Event)> = evs.iter().filter(|(_, e)| e.actor == tid).collect();
                let was_blocked = mine.iter().any(|(_, e)| e.kind == Kind::Block && e.op == Op::Wait);
                if let Some((oi, oe)) = mine.iter().find(|(_, e)| e.kind == Kind::Ok && e.op == Op::Wait) {
                    woke += 1;
                    if *oi < si {
                        early += 1;
                    }
                    if was_blocked {
                        blocked += 1;
                        lag = lag.max(v.t(oe) - st);
                    }
                }
            }
            let ok = woke == waiters && early == 0 && lag <= tol;
            let (ru_late, en_late) = if blocked < woke {
                (
                    format!(" Спали в wait(): {blocked}, остальные {} пришли уже к поднятому флагу.", woke - blocked),
                    format!(" {blocked} were asleep in wait(); the other {} came to a raised flag.", woke - blocked),
                )
            } else {
                (String::new(), String::new())
            };
            (
                ok,
                Msg::new(
                    format!(
                        "set() в {}: проснулись {woke} из {waiters} ждавших, все не раньше set() и не позже чем через {} после него.{ru_late}",
                        s_ru(st),
                        s_ru(lag)
                    ),
                    format!(
                        "set() at {}: {woke} of {waiters} waiters woke, none before the set() and all within {} of it.{en_late}",
                        s_en(st),
                        s_en(lag)
                    ),
                ),
            )
        }
    };
    out.push(Insight {
        id: "all-wake-at-set",
        title: Text { ru: "set() будит всех ждущих сразу", en: "set() wakes every waiter at once" },
        observed,
        detail,
    });

    // 2. The flag stays set until clear().
    let late = |name: &str| -> Option<(bool, bool, f64)> {
        let tid = tid_named(v, name)?;
        let mine: Vec<&(usize, &crate::trace::Event)> = evs.iter().filter(|(_, e)| e.actor == tid).collect();
        let attempt = mine.iter().find(|(_, e)| e.op == Op::Wait && e.kind == Kind::Attempt).map(|(_, e)| v.t(e));
        let blocked = mine.iter().any(|(_, e)| e.op == Op::Wait && e.kind == Kind::Block);
        let ok = mine.iter().find(|(_, e)| e.op == Op::Wait && matches!(e.kind, Kind::Ok | Kind::Timeout));
        let ok = ok?;
        let waited = v.t(ok.1) - attempt.unwrap_or(v.t(ok.1));
        Some((ok.1.kind == Kind::Ok, blocked, waited))
    };
    let l1 = late("late-1");
    let (observed, detail) = match (l1, set) {
        (Some((true, false, w)), Some((_, st))) => {
            let mut ru = format!(
                "late-1 пришёл к wait() после set() в {} и прошёл сразу (ждал {}): флаг всё ещё поднят.",
                s_ru(st),
                s_ru(w)
            );
            let mut en = format!("late-1 came to wait() after the set() at {} and went straight through (waited {}): the flag was still up.", s_en(st), s_en(w));
            let mut ok = true;
            if clear_after.is_some() {
                match (late("late-2"), clear) {
                    (Some((false, true, w2)), Some((_, ct))) => {
                        ru += &format!(" После clear() в {} late-2 ждал {} и получил False.", s_ru(ct), s_ru(w2));
                        en += &format!(" After the clear() at {}, late-2 waited {} and got False.", s_en(ct), s_en(w2));
                    }
                    _ => {
                        ok = false;
                        ru += " Но после clear() late-2 не ждал, как ожидалось.";
                        en += " But after the clear() late-2 did not wait as expected.";
                    }
                }
            } else {
                ru += " clear() не вызывался — флаг так и остался поднятым.";
                en += " clear() was never called, so the flag stayed up.";
            }
            (ok, Msg::new(ru, en))
        }
        _ => (
            false,
            Msg::new(
                "late-1 не прошёл wait() сразу после set().",
                "late-1 did not pass wait() at once after the set().",
            ),
        ),
    };
    out.push(Insight {
        id: "flag-stays-set",
        title: Text {
            ru: "Флаг остаётся поднятым до clear()", en: "The flag stays set until clear()"
        },
        observed,
        detail,
    });
    out
}
