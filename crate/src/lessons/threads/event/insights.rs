//! What a run showed, read from its trace.

use crate::analysis::TraceView;
use crate::lessons::exec::{s_en, s_ru, tid_named};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::trace::{Kind, ObjKind, Op};

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
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
