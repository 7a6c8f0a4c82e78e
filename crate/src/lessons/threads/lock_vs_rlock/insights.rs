//! What a run showed, read from its trace.

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::{failures, lines};
use crate::lessons::model::{actor_name, actor_named, ended_at, Model};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{EndState, Kind, ObjKind, Op};

/// What a foreign release() of an RLock raises: `threading`'s error, or the assertion of
/// `multiprocessing`'s.
const PROCESS_RELEASE_ERROR: &str = "AssertionError: attempt to release recursive lock not owned by thread";

/// One line of the deadlock report: who waits on what, held by whom.
struct Edge {
    waiter: String,
    kind: Option<ObjKind>,
    what: String,
    holder: Option<String>,
    /// When the holder ended, if it has.
    holder_ended: Option<f64>,
}

fn edges(v: &TraceView) -> Vec<Edge> {
    v.wait_edges()
        .into_iter()
        .map(|e| Edge {
            waiter: actor_name(v, e.waiter).to_owned(),
            kind: v.obj_kind(e.key()),
            what: v.obj_name(e.key()).to_owned(),
            holder: e.holder.map(|h| actor_name(v, h).to_owned()),
            holder_ended: e.holder.and_then(|h| ended_at(v, h)),
        })
        .collect()
}

fn describe(edges: &[Edge]) -> Msg {
    let parts = edges.iter().map(|e| {
        let what = match e.kind {
            Some(ObjKind::Thread) => {
                msg!(ru: "конца потока {name} (join)", en: "thread {name} to finish (join)"; name = &e.what)
            }
            Some(k) => msg!(ru: "{kind} «{name}»", en: "{kind} '{name}'"; kind = k.name(), name = &e.what),
            None => Msg::new(e.what.clone(), e.what.clone()),
        };
        let held = match (&e.holder, e.holder_ended) {
            (None, _) => Msg::new("его никто не держит", "held by nobody"),
            (Some(h), _) if *h == e.waiter && e.kind != Some(ObjKind::Thread) => {
                msg!(ru: "а держит его сам {h}", en: "held by {h} itself")
            }
            (Some(h), _) if *h == e.what && e.kind == Some(ObjKind::Thread) => {
                msg!(ru: "а {h} сам заблокирован", en: "and {h} is stuck itself")
            }
            (Some(h), Some(t)) => msg!(
                ru: "держит {h}, который завершился в {t}, не отпустив его",
                en: "held by {h}, which ended at {t} without releasing it";
                t = Secs(t),
            ),
            (Some(h), None) => msg!(ru: "держит {h}", en: "held by {h}"),
        };
        msg!(
            ru: "{waiter} ждёт {what}, {held}",
            en: "{waiter} waits for {what}, {held}";
            waiter = &e.waiter,
            what = &what,
            held = &held,
        )
    });
    Msg::join(parts, "; ")
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let rlock = p.choice("kind") == "RLock";
    let processes = Model::of(p) == Model::Processes;
    let (release_error, crash_header) = match processes {
        false => (RELEASE_ERROR, "Exception in thread other:"),
        true => (PROCESS_RELEASE_ERROR, "Process other:"),
    };
    let end = v.end().map(|(s, _)| s);
    let deadlocked = end == Some(EndState::Deadlocked);
    let lock = v.find_key(if rlock { ObjKind::RLock } else { ObjKind::Lock }, "lock");
    let es = edges(v);
    let report = describe(&es);
    let end_t = v.duration();
    let mut out = Vec::new();
    match p.choice("scenario") {
        "release_other" => {
            let other = actor_named(v, "other");
            let err = failures(v).into_iter().find(|(who, msg)| Some(*who) == other && msg == release_error);
            let traceback = lines(v)
                .into_iter()
                .any(|l| l.stderr && l.text.starts_with(crash_header) && l.text.ends_with(release_error));
            out.push(Insight {
                id: "foreign_release_raises",
                title: Text {
                    ru: "RLock отпускает только хозяин: иначе RuntimeError",
                    en: "Only an RLock's owner may release it, or RuntimeError",
                },
                observed: rlock && err.is_some() && traceback,
                detail: match (&err, rlock) {
                    (Some(_), _) => msg!(
                        ru: "other вызвал release() у RLock, которым владеет owner, и получил {release_error}; traceback напечатан в stderr.",
                        en: "other called release() on an RLock owned by owner and got {release_error}; the traceback went to stderr.",
                    ),
                    (None, false) => Msg::new(
                        "С Lock ошибки нет: other отпустил замок, который взял owner.",
                        "With a Lock there is no error: other released the lock that owner took.",
                    ),
                    (None, true) => Msg::new("Ошибки release() в этом запуске не было.", "No release() error in this run."),
                },
            });
            // Who acquired and who released the lock, from its events.
            let acquirer = v
                .events
                .iter()
                .find(|e| Some(e.obj_key()) == lock && e.kind == Kind::Ok && e.op == Op::Acquire)
                .map(|e| e.actor);
            let releaser = v
                .events
                .iter()
                .find(|e| Some(e.obj_key()) == lock && e.kind == Kind::Signal && e.op == Op::Release)
                .map(|e| e.actor);
            let by_other = matches!((acquirer, releaser), (Some(a), Some(r)) if a != r);
            out.push(Insight {
                id: "any_thread_releases",
                title: match Model::of(p) {
                    Model::Threads => Text { ru: "Lock может отпустить любой поток", en: "Any thread may release a Lock" },
                    Model::Processes => {
                        Text { ru: "Lock может отпустить любой процесс", en: "Any process may release a Lock" }
                    }
                },
                observed: !rlock && by_other,
                detail: if by_other {
                    msg!(
                        ru: "Lock взял {taker}, а отпустил {releaser}: у Lock нет хозяина.",
                        en: "{taker} took the Lock and {releaser} released it: a Lock has no owner.";
                        taker = acquirer.map_or("?", |a| actor_name(v, a)),
                        releaser = releaser.map_or("?", |r| actor_name(v, r)),
                    )
                } else if rlock {
                    Msg::new(
                        "RLock так и остался у owner: чужой release() не сработал, и программа всё же дошла до finish, потому что больше его никто не ждал.",
                        "The RLock stayed with owner: the foreign release() failed, and the program still reached finish because nobody else needed it.",
                    )
                } else {
                    Msg::new("Замок в этом запуске никто чужой не отпускал.", "Nobody but its holder released the lock in this run.")
                },
            });
        }
        "never_release" => {
            let owner_end = actor_named(v, "owner").and_then(|t| ended_at(v, t));
            let waiter = actor_named(v, "waiter");
            let stuck = es.iter().any(|e| {
                Some(e.what.as_str()) == Some("lock")
                    && Some(e.waiter.as_str()) == Some("waiter")
                    && e.holder.as_deref() == Some("owner")
            });
            out.push(Insight {
                id: "held_forever",
                title: Text {
                    ru: "Неотпущенный замок держит всех, кто придёт после",
                    en: "A lock never released blocks everyone who comes after",
                },
                observed: deadlocked && stuck && owner_end.is_some(),
                detail: if deadlocked {
                    msg!(
                        ru: "owner завершился в {owner_end}, не отпустив замок. В {end_t} сторож остановил запуск: {note}.",
                        en: "owner ended at {owner_end} without releasing the lock. At {end_t} the watchdog stopped the run: {note}.";
                        owner_end = owner_end.map(Secs),
                        end_t = Secs(end_t),
                        note = &report,
                    )
                } else {
                    Msg::new("Запуск не застрял: взаимной блокировки нет.", "The run did not get stuck: no deadlock.")
                },
            });
            let got_it = waiter.is_some_and(|w| {
                v.events
                    .iter()
                    .any(|e| e.actor == w && Some(e.obj_key()) == lock && e.kind == Kind::Ok && e.op == Op::Acquire)
            });
            out.push(Insight {
                id: "waiter_never_gets_it",
                title: Text { ru: "waiter так и не получает замок", en: "waiter never gets the lock" },
                observed: !got_it && waiter.is_some(),
                detail: if got_it {
                    Msg::new("waiter получил замок.", "waiter got the lock.")
                } else {
                    Msg::new(
                        "У waiter есть попытка acquire() и ни одного успешного захвата: «got it» и «finish» не напечатаны.",
                        "waiter has an acquire() attempt and no successful acquire: 'got it' and 'finish' never printed.",
                    )
                },
            });
        }
        _ => {
            let self_edge = es.iter().any(|e| e.what == "lock" && e.holder.as_deref() == Some(e.waiter.as_str()));
            out.push(Insight {
                id: "self_deadlock",
                title: Text {
                    ru: "Lock, взятый повторно тем же потоком, — взаимная блокировка",
                    en: "A Lock acquired again by its holder deadlocks",
                },
                observed: !rlock && deadlocked && self_edge,
                detail: if deadlocked {
                    msg!(
                        ru: "В {end_t} все потоки стояли, и сторож остановил запуск: {note}.",
                        en: "At {end_t} every thread was stuck and the watchdog stopped the run: {note}.";
                        end_t = Secs(end_t),
                        note = &report,
                    )
                } else {
                    Msg::new(
                        "RLock пустил своего хозяина снова: взаимной блокировки нет, программа дошла до finish.",
                        "The RLock let its owner in again: no deadlock, the program reached finish.",
                    )
                },
            });
            // The count after each acquire and release of the RLock, from its events.
            let counts: Vec<u64> = v
                .events
                .iter()
                .filter(|e| {
                    Some(e.obj_key()) == lock
                        && ((e.kind == Kind::Ok && e.op == Op::Acquire)
                            || (e.kind == Kind::Signal && e.op == Op::Release))
                })
                .map(|e| e.arg)
                .collect();
            let seq = counts.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" → ");
            let counted = rlock && counts.iter().max() >= Some(&2) && counts.last() == Some(&0);
            out.push(Insight {
                id: "rlock_counts_acquisitions",
                title: Text { ru: "RLock считает захваты своего хозяина", en: "An RLock counts its owner's acquisitions" },
                observed: counted,
                detail: if rlock {
                    msg!(
                        ru: "Счётчик RLock после каждого acquire() и release(): {seq}. Замок открылся, когда он дошёл до 0.",
                        en: "The RLock's count after each acquire() and release(): {seq}. It opened when the count reached 0.",
                    )
                } else {
                    Msg::new(
                        "У Lock нет ни хозяина, ни счётчика: второй acquire() ждал release(), который мог сделать только сам worker.",
                        "A Lock has no owner and no count: the second acquire() waited for a release() that only worker itself could make.",
                    )
                },
            });
        }
    }
    out
}
