//! What a run showed, read from its trace.

use crate::analysis::TraceView;
use crate::lessons::exec::{failures, plural};
use crate::lessons::model::{actor_name, workers, Model};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{Actor, Kind, ObjKey, ObjKind, Op};
use std::collections::HashMap;

/// What the trace says about `pool`.
struct Occupancy {
    /// Lesson time of each entry (an acquire that succeeded in a `thr-*` thread).
    entries: Vec<f64>,
    /// The most threads holding a place at one instant, and when.
    max_inside: usize,
    max_at: f64,
    /// Releases by a thread that held no place (the extra release) that succeeded.
    unpaid_releases: usize,
}

fn occupancy(v: &TraceView, sem: ObjKey) -> Occupancy {
    let mut holding: HashMap<Actor, usize> = HashMap::new();
    let (mut inside, mut max_inside, mut max_at, mut unpaid) = (0usize, 0usize, 0.0, 0usize);
    let mut entries = Vec::new();
    for e in v.events.iter().filter(|e| e.obj_key() == sem) {
        match (e.kind, e.op) {
            (Kind::Ok, Op::Acquire) => {
                *holding.entry(e.actor).or_default() += 1;
                inside += 1;
                entries.push(v.t(e));
                if inside > max_inside {
                    max_inside = inside;
                    max_at = v.t(e);
                }
            }
            (Kind::Signal, Op::Release) => match holding.get_mut(&e.actor) {
                Some(h) if *h > 0 => {
                    *h -= 1;
                    inside -= 1;
                }
                _ => unpaid += 1,
            },
            _ => {}
        }
    }
    Occupancy { entries, max_inside, max_at, unpaid_releases: unpaid }
}

/// Groups entry times into waves: a new wave starts after a pause longer than `gap`.
pub(crate) fn waves(times: &[f64], gap: f64) -> Vec<(f64, usize)> {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut out: Vec<(f64, usize)> = Vec::new();
    let mut last = f64::NEG_INFINITY;
    for t in sorted {
        match out.last_mut() {
            Some(w) if t - last <= gap => w.1 += 1,
            _ => out.push((t, 1)),
        }
        last = t;
    }
    out
}

fn wave_list(ws: &[(f64, usize)]) -> Msg {
    let mut parts: Vec<Msg> =
        ws.iter().take(6).map(|(t, n)| msg!(ru: "{n} в {t}", en: "{n} at {t}"; n = *n, t = Secs(*t))).collect();
    if ws.len() > 6 {
        parts.push(Msg::new("…", "…"));
    }
    Msg::join(parts, ", ")
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let n = p.int("max_connections") as usize;
    let threads = p.int("threads") as usize;
    let hold = p.float("hold");
    let bounded = p.flag("bounded");
    let extra = p.flag("extra_release");
    let kind = if bounded { ObjKind::BoundedSemaphore } else { ObjKind::Semaphore };
    let Some(sem) = v.find_key(kind, "pool") else {
        return vec![];
    };
    let occ = occupancy(v, sem);
    let mut out = Vec::new();

    // 1. Never more than N inside.
    let within = occ.max_inside <= n;
    let detail = if within {
        msg!(
            ru: "Внутри одновременно было не больше {max_inside} {who} (предел {n}); {n_entries} входов за прогон.",
            en: "At most {max_inside} {who} were inside at once (the limit is {n}); {n_entries} entries in this run.";
            who = workers(p),
            max_inside = occ.max_inside,
            n_entries = occ.entries.len(),
        )
    } else {
        msg!(
            ru: "В {max_at} внутри оказалось {max_inside} {who} при пределе {n}: обычный Semaphore принял лишний release() как ещё одно свободное место.",
            en: "At {max_at} there were {max_inside} {who} inside with a limit of {n}: the plain Semaphore took the extra release() as one more free place.";
            who = workers(p),
            max_at = Secs(occ.max_at),
            max_inside = occ.max_inside,
        )
    };
    out.push(Insight {
        id: "never_more_than_n",
        title: match Model::of(p) {
            Model::Threads => Text {
                ru: "Внутри никогда не больше N потоков", en: "Never more than N threads inside"
            },
            Model::Processes => Text {
                ru: "Внутри никогда не больше N процессов",
                en: "Never more than N processes inside",
            },
        },
        observed: within,
        detail,
    });

    // 2. Waves.
    let cap = n + if bounded { 0 } else { occ.unpaid_releases };
    let expected = threads.div_ceil(cap.max(1));
    // Entries of one wave come within scheduling jitter of each other (a few ms of real
    // time); waves are HOLD apart. Split them at 30% of HOLD, or at 20 ms of real time when
    // that is larger, but never past half of HOLD.
    let ws = waves(&occ.entries, (hold * 0.3).max(0.02 * v.speed).min(hold * 0.5));
    let (observed, detail) = if hold <= 0.0 {
        (
            false,
            Msg::new(
                "При HOLD = 0 поток освобождает место сразу же, и волн не получается: задайте время внутри больше нуля.",
                "With HOLD = 0 a thread gives its place back at once and no waves form: give the threads some time inside.",
            ),
        )
    } else if threads <= cap {
        (
            false,
            msg!(
                ru: "Потоков ({threads}) не больше, чем мест ({cap}): все вошли сразу, ждать никому не пришлось.",
                en: "There are no more threads ({threads}) than places ({cap}): all got in at once, nobody had to wait.",
            ),
        )
    } else {
        let ok = ws.len() == expected && ws.iter().all(|w| w.1 <= cap);
        (
            ok,
            msg!(
                ru: "{n} {waves} входов (ожидалось {expected} = ⌈{threads}/{cap}⌉): {list}.",
                en: "{n} {waves} of entries (expected {expected} = ceil({threads}/{cap})): {list}.";
                n = ws.len(),
                waves = plural(ws.len() as u64, ["волна", "волны", "волн"], ["wave", "waves"]),
                list = wave_list(&ws),
            ),
        )
    };
    out.push(Insight {
        id: "enters_in_waves",
        title: Text { ru: "Потоки входят волнами", en: "Threads get in in waves" },
        observed,
        detail,
    });

    // 3. BoundedSemaphore refuses an extra release.
    let refused: Vec<(Actor, String)> =
        failures(v).into_iter().filter(|(_, m)| m.contains("released too many times")).collect();
    let (observed, detail) = if !extra {
        (
            false,
            Msg::new(
                "Лишнего release() в этом прогоне не было: включите его, чтобы увидеть разницу между Semaphore и BoundedSemaphore.",
                "There was no extra release() in this run: turn it on to see how Semaphore and BoundedSemaphore differ.",
            ),
        )
    } else if let Some((actor, msg)) = refused.first() {
        (
            true,
            msg!(
                ru: "{who} получил «{msg}»: счётчик BoundedSemaphore не может превысить начальные {n}.",
                en: "{who} got '{msg}': a BoundedSemaphore's counter cannot go above its initial {n}.";
                who = actor_name(v, *actor),
            ),
        )
    } else if !bounded {
        (
            false,
            msg!(
                ru: "Обычный Semaphore молча принял лишний release(): мест стало {places}, и внутри одновременно побывало до {max_inside} потоков. BoundedSemaphore ответил бы ValueError.",
                en: "The plain Semaphore silently accepted the extra release(): it now had {places} places, and up to {max_inside} threads were inside at once. A BoundedSemaphore would have raised ValueError.";
                places = n + occ.unpaid_releases,
                max_inside = occ.max_inside,
            ),
        )
    } else {
        (false, Msg::new("ValueError в журнале не найден.", "No ValueError was found in the trace."))
    };
    out.push(Insight {
        id: "bounded_refuses_extra_release",
        title: Text {
            ru: "Лишний release() у BoundedSemaphore — ValueError",
            en: "An extra release() of a BoundedSemaphore raises ValueError",
        },
        observed,
        detail,
    });
    out
}
