//! What a run showed, read from its trace.

use crate::analysis::TraceView;
use crate::lessons::model::{actor_named as tid_named, Model};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{Kind, ObjKind, Op};

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let waiters = p.int("waiters") as usize;
    let clear_after = p.opt_float("clear_after");
    let Some(obj) = v.find_key(ObjKind::Event, "ready") else {
        return vec![];
    };
    let mut out = Vec::new();
    let evs: Vec<(usize, &crate::trace::Event)> =
        v.events.iter().enumerate().filter(|(_, e)| e.obj_key() == obj).collect();
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
                let Some(tid) = tid_named(v, &format!("{}-{i}", Model::of(p).prefix())) else { continue };
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
            let late = if blocked < woke {
                msg!(
                    ru: " Спали в wait(): {blocked}, остальные {others} пришли уже к поднятому флагу.",
                    en: " {blocked} were asleep in wait(); the other {others} came to a raised flag.";
                    others = woke - blocked,
                )
            } else {
                Msg::default()
            };
            (
                ok,
                msg!(
                    ru: "set() в {st}: проснулись {woke} из {waiters} ждавших, все не раньше set() и не позже чем через {lag} после него.{late}",
                    en: "set() at {st}: {woke} of {waiters} waiters woke, none before the set() and all within {lag} of it.{late}";
                    st = Secs(st),
                    lag = Secs(lag),
                    late = &late,
                ),
            )
        }
    };
    out.push(Insight {
        id: "all_wake_at_set",
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
            let mut detail = msg!(
                ru: "late-1 пришёл к wait() после set() в {st} и прошёл сразу (ждал {w}): флаг всё ещё поднят.",
                en: "late-1 came to wait() after the set() at {st} and went straight through (waited {w}): the flag was still up.";
                st = Secs(st),
                w = Secs(w),
            );
            let mut ok = true;
            if clear_after.is_some() {
                match (late("late-2"), clear) {
                    (Some((false, true, w2)), Some((_, ct))) => {
                        detail.push(&msg!(
                            ru: " После clear() в {ct} late-2 ждал {w2} и получил False.",
                            en: " After the clear() at {ct}, late-2 waited {w2} and got False.";
                            ct = Secs(ct),
                            w2 = Secs(w2),
                        ));
                    }
                    _ => {
                        ok = false;
                        detail.push(&Msg::new(
                            " Но после clear() late-2 не ждал, как ожидалось.",
                            " But after the clear() late-2 did not wait as expected.",
                        ));
                    }
                }
            } else {
                detail.push(&Msg::new(
                    " clear() не вызывался — флаг так и остался поднятым.",
                    " clear() was never called, so the flag stayed up.",
                ));
            }
            (ok, detail)
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
        id: "flag_stays_set",
        title: Text {
            ru: "Флаг остаётся поднятым до clear()", en: "The flag stays set until clear()"
        },
        observed,
        detail,
    });
    out
}
