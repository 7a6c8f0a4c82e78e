//! What a run showed, read from its trace.

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::{failures, lines, s_en, s_ru, span, tid_named};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::trace::{EndState, Kind, ObjKind, Op};

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
    v.events
        .iter()
        .filter(|e| e.kind == Kind::WaitEdge)
        .map(|e| {
            let holder = (e.arg != 0).then(|| v.thread(e.arg as u32));
            Edge {
                waiter: v.thread_name(e.actor).to_owned(),
                kind: v.obj_kind(e.obj),
                what: v.obj_name(e.obj).to_owned(),
                holder: holder.map(|h| v.thread_name(h).to_owned()),
                holder_ended: holder.and_then(|h| span(v, h).end),
            }
        })
        .collect()
}

fn describe(edges: &[Edge]) -> Msg {
    let mut ru = Vec::new();
    let mut en = Vec::new();
    for e in edges {
        let (what_ru, what_en) = match e.kind {
            Some(ObjKind::Thread) => {
                (format!("конца потока {} (join)", e.what), format!("thread {} to finish (join)", e.what))
            }
            Some(k) => (format!("{} «{}»", k.name(), e.what), format!("{} '{}'", k.name(), e.what)),
            None => (e.what.clone(), e.what.clone()),
        };
        let held_ru = match (&e.holder, e.holder_ended) {
            (None, _) => "его никто не держит".to_owned(),
            (Some(h), _) if *h == e.waiter && e.kind != Some(ObjKind::Thread) => format!("а держит его сам {h}"),
            (Some(h), _) if *h == e.what && e.kind == Some(ObjKind::Thread) => format!("а {h} сам заблокирован"),
            (Some(h), Some(t)) => format!("держит {h}, который завершился в {}, не отпустив его", s_ru(t)),
            (Some(h), None) => format!("держит {h}"),
        };
        let held_en = match (&e.holder, e.holder_ended) {
            (None, _) => "held by nobody".to_owned(),
            (Some(h), _) if *h == e.waiter && e.kind != Some(ObjKind::Thread) => format!("held by {h} itself"),
            (Some(h), _) if *h == e.what && e.kind == Some(ObjKind::Thread) => format!("and {h} is stuck itself"),
            (Some(h), Some(t)) => format!("held by {h}, which ended at {} without releasing it", s_en(t)),
            (Some(h), None) => format!("held by {h}"),
        };
        ru.push(format!("{} ждёт {what_ru}, {held_ru}", e.waiter));
        en.push(format!("{} waits for {what_en}, {held_en}", e.waiter));
    }
    Msg::new(ru.join("; "), en.join("; "))
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let rlock = p.choice("kind") == "RLock";
    let end = v.end().map(|(s, _)| s);
    let deadlocked = end == Some(EndState::Deadlocked);
    let lock = v.find_obj(if rlock { ObjKind::RLock } else { ObjKind::Lock }, "lock");
    let es = edges(v);
    let report = describe(&es);
    let end_t = v.duration();
    let mut out = Vec::new();
    match p.choice("scenario") {
        "release_other" => {
            let other = tid_named(v, "other");
            let err = failures(v).into_iter().find(|(who, msg)| Some(*who) == other && msg == RELEASE_ERROR);
            let traceback = lines(v).into_iter().any(|l| {
                l.stderr && l.text.starts_with("Exception in thread other:") && l.text.ends_with(RELEASE_ERROR)
            });
            out.push(Insight {
                id: "release_error",
                title: Text {
                    ru: "RLock отпускает только хозяин: иначе RuntimeError",
                    en: "Only an RLock's owner may release it, or RuntimeError",
                },
                observed: rlock && err.is_some() && traceback,
                detail: match (&err, rlock) {
                    (Some(_), _) => Msg::new(
                        format!("Поток other вызвал release() у RLock, которым владеет owner, и получил {RELEASE_ERROR}; traceback напечатан в stderr."),
                        format!("Thread other called release() on an RLock owned by owner and got {RELEASE_ERROR}; the traceback went to stderr."),
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
                .find(|e| Some(e.obj) == lock && e.kind == Kind::Ok && e.op == Op::Acquire)
                .map(|e| e.actor);
            let releaser = v
                .events
                .iter()
                .find(|e| Some(e.obj) == lock && e.kind == Kind::Signal && e.op == Op::Release)
                .map(|e| e.actor);
            let by_other = matches!((acquirer, releaser), (Some(a), Some(r)) if a != r);
            out.push(Insight {
                id: "any_thread_releases",
                title: Text { ru: "Lock может отпустить любой поток", en: "Any thread may release a Lock" },
                observed: !rlock && by_other,
                detail: if by_other {
                    Msg::new(
                        format!(
                            "Lock взял {}, а отпустил {}: у Lock нет хозяина.",
                            acquirer.map_or("?", |a| v.thread_name(a)),
                            releaser.map_or("?", |r| v.thread_name(r))
                        ),
                        format!(
                            "{} took the Lock and {} released it: a Lock has no owner.",
                            acquirer.map_or("?", |a| v.thread_name(a)),
                            releaser.map_or("?", |r| v.thread_name(r))
                        ),
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
            let owner_end = tid_named(v, "owner").and_then(|t| span(v, t).end);
            let waiter = tid_named(v, "waiter");
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
                    Msg::new(
                        format!(
                            "owner завершился в {}, не отпустив замок. В {} сторож остановил запуск: {}.",
                            owner_end.map_or("—".into(), s_ru),
                            s_ru(end_t),
                            report.ru
                        ),
                        format!(
                            "owner ended at {} without releasing the lock. At {} the watchdog stopped the run: {}.",
                            owner_end.map_or("-".into(), s_en),
                            s_en(end_t),
                            report.en
                        ),
                    )
                } else {
                    Msg::new("Запуск не застрял: взаимной блокировки нет.", "The run did not get stuck: no deadlock.")
                },
            });
            let got_it = waiter.is_some_and(|w| {
                v.events
                    .iter()
                    .any(|e| e.actor == w && Some(e.obj) == lock && e.kind == Kind::Ok && e.op == Op::Acquire)
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
                    Msg::new(
                        format!("В {} все потоки стояли, и сторож остановил запуск: {}.", s_ru(end_t), report.ru),
                        format!(
                            "At {} every thread was stuck and the watchdog stopped the run: {}.",
                            s_en(end_t),
                            report.en
                        ),
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
                    Some(e.obj) == lock
                        && ((e.kind == Kind::Ok && e.op == Op::Acquire)
                            || (e.kind == Kind::Signal && e.op == Op::Release))
                })
                .map(|e| e.arg)
                .collect();
            let seq = counts.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" → ");
            let counted = rlock && counts.iter().max() >= Some(&2) && counts.last() == Some(&0);
            out.push(Insight {
                id: "recursion_count",
                title: Text { ru: "RLock считает захваты своего хозяина", en: "An RLock counts its owner's acquisitions" },
                observed: counted,
                detail: if rlock {
                    Msg::new(
                        format!("Счётчик RLock после каждого acquire() и release(): {seq}. Замок открылся, когда он дошёл до 0."),
                        format!("The RLock's count after each acquire() and release(): {seq}. It opened when the count reached 0."),
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
