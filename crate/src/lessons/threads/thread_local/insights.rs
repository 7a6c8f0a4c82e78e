//! What a run showed, read from its trace.

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::{failures, lines, ru_plural, tid_named};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{Kind, ObjKind, Op};

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let n = p.int("threads");
    let per = p.int("values");
    let data = v.find_obj(ObjKind::Local, "data");
    let all = lines(v);
    let mut out = Vec::new();

    // Each worker's printed values against the values it wrote (n * 100 + i, in order), and
    // how many writes by other threads fell between a thread's write and its read.
    let mut reads = 0u64;
    let mut own = 0u64;
    let mut foreign_writes = 0u64;
    let mut samples = Vec::new();
    for k in 1..=n {
        let Some(tid) = tid_named(v, &format!("t{k}")) else { continue };
        let seen: Vec<i64> = all
            .iter()
            .filter(|l| l.actor == tid && !l.stderr)
            .filter_map(|l| l.text.rsplit_once("= ").and_then(|(_, x)| x.trim().parse().ok()))
            .collect();
        reads += seen.len() as u64;
        own += seen.iter().enumerate().filter(|(i, x)| **x == k * 100 + *i as i64).count() as u64;
        if k <= 3 {
            let list = seen.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
            samples.push(format!("t{k}: {list}"));
        }
        // Between each of this thread's writes and its next read.
        let mut since_write: Option<u64> = None;
        for e in v.events.iter().filter(|e| Some(e.obj) == data && data.is_some()) {
            match (e.kind, e.op) {
                (Kind::Signal, Op::Write) if e.actor == tid => since_write = Some(0),
                (Kind::Signal, Op::Write) => {
                    if let Some(c) = since_write.as_mut() {
                        *c += 1;
                    }
                }
                (Kind::Ok, Op::Read) if e.actor == tid => foreign_writes += since_write.take().unwrap_or(0),
                _ => {}
            }
        }
    }
    let expected = (n * per) as u64;
    let more = if n > 3 { "; …" } else { "" };
    out.push(Insight {
        id: "each_thread_reads_its_own",
        title: Text { ru: "Каждый поток читает своё значение", en: "Each thread reads its own value" },
        observed: reads == expected && own == reads && reads > 0,
        detail: msg!(
            ru: "Прочитано {reads} из {expected}, своих значений {own} ({samples}{more}). Пока потоки спали между записью и чтением, другие потоки записали data.value в сумме {foreign_writes} {times} — и ничего чужого не затёрли.",
            en: "{reads} of {expected} reads, {own} of them the thread's own values ({samples}{more}). While the threads slept between a write and a read, other threads set data.value {foreign_writes} times in all, and overwrote nothing of theirs.";
            samples = samples.join("; "),
            times = ru_plural(foreign_writes, "раз", "раза", "раз"),
        ),
    });

    let main_reads = p.flag("main_reads");
    let failed = failures(v).into_iter().find(|(who, msg)| who.is_main_thread() && msg == ATTRIBUTE_ERROR);
    let printed = all.iter().any(|l| l.actor.is_main_thread() && l.stderr && l.text.ends_with(ATTRIBUTE_ERROR));
    let at = v.events.iter().find(|e| e.actor.is_main_thread() && e.kind == Kind::Fail).map_or(0.0, |e| v.t(e));
    let writes = v
        .events
        .iter()
        .filter(|e| Some(e.obj) == data && data.is_some() && e.kind == Kind::Signal && e.op == Op::Write)
        .count();
    out.push(Insight {
        id: "main_attribute_error",
        title: Text { ru: "Из главного потока — AttributeError", en: "From the main thread: AttributeError" },
        observed: main_reads && failed.is_some() && printed,
        detail: if failed.is_some() {
            msg!(
                ru: "В {at} MainThread прочитал data.value, хотя рабочие потоки записали его {writes} {times}, и получил {ATTRIBUTE_ERROR}.",
                en: "At {at} MainThread read data.value, which the workers had set {writes} times, and got {ATTRIBUTE_ERROR}.";
                at = Secs(at),
                times = ru_plural(writes as u64, "раз", "раза", "раз"),
            )
        } else if main_reads {
            Msg::new("Главный поток не дошёл до чтения.", "The main thread never got to its read.")
        } else {
            Msg::new(
                "В этом запуске главный поток data.value не читал (main_reads = False): программа закончилась без ошибки.",
                "In this run the main thread did not read data.value (main_reads = False): the program ended without an error.",
            )
        },
    });
    out
}
