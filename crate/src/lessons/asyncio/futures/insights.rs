//! What a run showed, read from its trace: the future's `set_result` (`Signal`/
//! `Op::SetResult` on its object), main's wait at `await fut` (`Block`/`Ok` with
//! `Op::Await` on Task-1) and the loop's iterations (`LoopIter`) between them.

use crate::analysis::TraceView;
use crate::lessons::exec::lines;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{Kind, ObjKind, Op};

pub(super) fn insights(v: &TraceView, _: &Params, _: &Measurements) -> Vec<Insight> {
    let lines = lines(v);
    let said = |text: &str| lines.iter().find(|l| l.text.contains(text));
    let before = said("main: a new future, done() = False");
    let after = said("main: await fut gave 42, done() = True");
    let fut =
        v.events.iter().find(|e| e.kind == Kind::ObjNew && e.obj_kind() == Some(ObjKind::AsyncFuture)).map(|e| e.obj);
    let set = v.events.iter().position(|e| e.kind == Kind::Signal && e.op == Op::SetResult && Some(e.obj) == fut);
    let main = v.tasks.iter().find(|(_, n)| n.as_str() == "Task-1").map(|(a, _)| a.task);
    // main goes on at its first Ok after the set_result: how many iterations began between.
    let resumed = set.and_then(|s| {
        v.events[s..]
            .iter()
            .position(|e| e.kind == Kind::Ok && e.op == Op::Await && Some(e.actor.task) == main)
            .map(|k| s + k)
    });
    let iterations = match (set, resumed) {
        (Some(s), Some(r)) => Some(v.events[s..r].iter().filter(|e| e.kind == Kind::LoopIter).count()),
        _ => None,
    };
    let mut out = Vec::new();

    out.push(Insight {
        id: "done_false_then_true",
        title: Text {
            ru: "done(): сначала False, после set_result — True",
            en: "done(): False at first, True after set_result",
        },
        observed: matches!((before, after, set), (Some(b), Some(a), Some(s)) if b.index < s && s < a.index),
        detail: match (before, after, set) {
            (Some(b), Some(a), Some(s)) => msg!(
                ru: "В {b} done() = False; set_result в {s}; в {a} main получил 42, и done() = True.",
                en: "At {b} done() = False; set_result at {s}; at {a} main got 42, and done() = True.";
                b = Secs(b.t),
                s = Secs(v.t(&v.events[s])),
                a = Secs(a.t),
            ),
            _ => Msg::new("Запуск не дошёл до set_result.", "The run did not get to set_result."),
        },
    });

    out.push(Insight {
        id: "resumes_right_after_set_result",
        title: Text {
            ru: "Ждущая задача продолжает сразу после set_result — на следующей итерации цикла",
            en: "The waiting task resumes right after set_result, on the loop's next iteration",
        },
        observed: iterations == Some(1),
        detail: match iterations {
            Some(n) => msg!(
                ru: "Между set_result и продолжением main началось итераций цикла: {n}. producer же дописал строку после set_result раньше: будить — не значит отдать поток.",
                en: "Loop iterations that began between set_result and main going on: {n}. The producer still printed its line after set_result first: waking is not handing the thread over."
            ),
            None => Msg::new("main не дождался результата.", "main never got the result."),
        },
    });
    out
}
