//! What a run showed, read from its trace: who cancelled which task (`Signal`/`Op::Cancel`
//! on its object) and how each task ended (`TaskEnd`; a cancelled task's is `Raised`),
//! with the lines the program printed.

use crate::analysis::TraceView;
use crate::lessons::exec::lines;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::text::Secs;
use crate::trace::{Kind, ObjKind, Op, ThreadEndHow};

/// (when it was cancelled, when it ended and how) for the task named `name`.
fn fate(v: &TraceView, name: &str) -> (Option<f64>, Option<(f64, ThreadEndHow)>) {
    let Some(obj) = v.find_obj(ObjKind::Task, name) else { return (None, None) };
    let cancel = v.events.iter().find(|e| e.kind == Kind::Signal && e.op == Op::Cancel && e.obj == obj).map(|e| v.t(e));
    let end = v
        .events
        .iter()
        .find(|e| e.kind == Kind::TaskEnd && e.obj == obj)
        .map(|e| (v.t(e), e.thread_end_code().unwrap_or(ThreadEndHow::Returned)));
    (cancel, end)
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let shield = p.flag("shield");
    let timeout = p.float("timeout");
    let lines = lines(v);
    let said = |text: &str| lines.iter().find(|l| l.text.contains(text)).map(|l| l.t);
    // job-1 is the first task main creates (Task-2), job-2 the second (Task-3).
    let (c1, end1) = fate(v, "Task-2");
    let (c2, end2) = fate(v, "Task-3");
    let timed_out = said("main: TimeoutError");
    // A cancel() of a task already done changes nothing, and records nothing.
    let late = said("main: job-2.cancel() returned False");
    let mut out = Vec::new();

    let job2_cancelled = said("main: job-2 ended with CancelledError").is_some()
        && c2.is_some()
        && end2.is_some_and(|(_, how)| how == ThreadEndHow::Raised);
    out.push(Insight {
        id: "cancelled_task_ends_with_cancelled_error",
        title: Text {
            ru: "Отменённая задача заканчивается CancelledError",
            en: "A cancelled task ends with CancelledError",
        },
        observed: job2_cancelled,
        detail: match (c2, end2) {
            (Some(c), Some((e, _))) if job2_cancelled => msg!(
                ru: "cancel() в {c}: в job-2 на её await выброшен CancelledError, она напечатала об этом и закончилась в {e}; await second в main получил то же исключение.",
                en: "cancel() at {c}: CancelledError was thrown into job-2 at its await, it said so and ended at {e}; main's await second got the same exception.";
                c = Secs(c),
                e = Secs(e),
            ),
            _ if late.is_some() => msg!(
                ru: "cancel() в {c} опоздал: job-2 уже закончилась, и cancel() вернул False.",
                en: "cancel() at {c} came too late: job-2 was already done, and cancel() returned False.";
                c = Secs(late.unwrap_or(0.0)),
            ),
            _ => Msg::new("В этом запуске job-2 никто не отменял (cancel_after = None).", "Nobody cancelled job-2 in this run (cancel_after = None)."),
        },
    });

    let job1_cut = timed_out.is_some() && c1.is_some() && end1.is_some_and(|(_, h)| h == ThreadEndHow::Raised);
    out.push(Insight {
        id: "wait_for_times_out_and_cancels",
        title: Text {
            ru: "wait_for по таймауту отменяет задачу и выбрасывает TimeoutError",
            en: "wait_for cancels the task at its timeout and raises TimeoutError",
        },
        observed: job1_cut && !shield,
        detail: match (timed_out, end1) {
            (Some(t), Some((e, _))) if job1_cut => msg!(
                ru: "Через {timeout} wait_for отменил job-1 (она закончилась отменённой в {e}) и только потом выбросил TimeoutError в {t}.",
                en: "After {timeout} wait_for cancelled job-1 (it ended cancelled at {e}), and only then raised TimeoutError at {t}.";
                timeout = Secs(timeout),
                e = Secs(e),
                t = Secs(t),
            ),
            (Some(t), _) => msg!(
                ru: "TimeoutError в {t}, но job-1 не отменена: её защищал shield.",
                en: "TimeoutError at {t}, but job-1 was not cancelled: shield protected it.";
                t = Secs(t),
            ),
            (None, _) => Msg::new("job-1 успела до таймаута: wait_for вернул её результат.", "job-1 made it before the timeout: wait_for returned its result."),
        },
    });

    let survived =
        shield && timed_out.is_some() && end1.is_some_and(|(_, h)| h == ThreadEndHow::Returned) && c1.is_none();
    out.push(Insight {
        id: "shield_keeps_it_running",
        title: Text {
            ru: "shield: таймаут отменяет обёртку, а задача работает дальше",
            en: "shield: the timeout cancels the wrapper, and the task goes on",
        },
        observed: survived,
        detail: match (timed_out, end1) {
            (Some(t), Some((e, _))) if survived => msg!(
                ru: "TimeoutError в {t} отменил только внешний future от shield; сама job-1 не получила cancel() и закончилась в {e}.",
                en: "The TimeoutError at {t} cancelled only shield's outer future; job-1 itself got no cancel() and finished at {e}.";
                t = Secs(t),
                e = Secs(e),
            ),
            _ if !shield => Msg::new("В этом запуске shield выключен.", "shield is off in this run."),
            _ => Msg::new("Таймаут не наступил: защищать было не от чего.", "The timeout never came: there was nothing to shield from."),
        },
    });
    out
}
