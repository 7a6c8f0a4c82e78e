//! What a run showed, read from its trace: the order the request tasks ended in (their
//! `TaskEnd`s, `Raised` for a failed one) against the order the program printed, and how
//! many had ended when `wait` returned.

use super::*;
use crate::analysis::TraceView;
use crate::lessons::exec::lines;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::trace::{Kind, ThreadEndHow};
use std::collections::HashMap;

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let api = p.choice("api");
    let n = p.int("requests") as usize;
    let number: HashMap<u32, usize> =
        v.tasks.iter().filter_map(|(a, name)| Some((a.task, name.strip_prefix("request-")?.parse().ok()?))).collect();
    // Requests in the order they ended, each with whether it failed, and where it ended.
    let ended: Vec<(usize, bool, usize)> = v
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == Kind::TaskEnd)
        .filter_map(|(i, e)| Some((*number.get(&e.actor.task)?, e.thread_end_code() == Some(ThreadEndHow::Raised), i)))
        .collect();
    let failed: HashMap<usize, bool> = ended.iter().map(|&(k, f, _)| (k, f)).collect();
    let shown = |ks: &mut dyn Iterator<Item = (usize, bool)>| -> String {
        ks.take(SHOWN).map(|(k, f)| if f { "error".to_owned() } else { k.to_string() }).collect::<Vec<_>>().join(", ")
    };
    let finish_order = shown(&mut ended.iter().map(|&(k, f, _)| (k, f)));
    let input_order = shown(&mut (0..n).map(|k| (k, failed.get(&k).copied().unwrap_or(false))));
    let in_input_order = ended.windows(2).all(|w| w[0].0 < w[1].0);
    let lines = lines(v);
    let printed = lines.iter().find_map(|l| l.text.split_once("the first ones: ").map(|(_, s)| s.to_owned()));
    let first_done = ended.first().map(|&(k, _, _)| k);
    let other_api = |api: &str| msg!(ru: "В этом запуске ждали через {api}.", en: "This run waited with {api}."; api = api.to_owned());
    let mut out = Vec::new();

    let gather_ok = api == "gather" && printed.as_deref() == Some(input_order.as_str()) && ended.len() == n;
    out.push(Insight {
        id: "gather_keeps_input_order",
        title: Text { ru: "gather отдаёт результаты в порядке задач", en: "gather gives the results in the order of the tasks" },
        observed: gather_ok && !in_input_order,
        detail: if api != "gather" {
            other_api(api)
        } else if gather_ok {
            msg!(
                ru: "Первым закончился request-{first}, а результаты начинаются так: {input_order} — по порядку задач. Порядок завершения: {finish_order}.",
                en: "request-{first} finished first, yet the results begin {input_order}: in the order of the tasks. The order they finished in: {finish_order}.";
                first = first_done.unwrap_or(0),
                input_order = input_order.clone(),
                finish_order = finish_order.clone(),
            )
        } else {
            Msg::new("gather не вернул все результаты.", "gather did not return every result.")
        },
    });

    let completed_ok = api == "as_completed" && printed.as_deref() == Some(finish_order.as_str()) && !ended.is_empty();
    out.push(Insight {
        id: "as_completed_yields_in_completion_order",
        title: Text {
            ru: "as_completed отдаёт результаты в порядке завершения",
            en: "as_completed yields the results in the order they finish",
        },
        observed: completed_ok && !in_input_order,
        detail: if api != "as_completed" {
            other_api(api)
        } else if completed_ok {
            msg!(
                ru: "Результаты пришли так: {finish_order} — ровно в том порядке, в каком задачи закончились (по порядку задач было бы {input_order}).",
                en: "The results came {finish_order}: exactly as the tasks finished (in the order of the tasks it would be {input_order}).";
                finish_order = finish_order.clone(),
                input_order = input_order.clone(),
            )
        } else {
            Msg::new("Ни одного результата до таймаута.", "No result before the timeout.")
        },
    });

    let waited = lines.iter().find(|l| l.text.contains(" wait("));
    let split = waited.and_then(|l| {
        let (_, rest) = l.text.split_once("): ")?;
        let done: usize = rest.split(' ').next()?.parse().ok()?;
        let pending: usize = rest.rsplit_once(", ")?.1.split(' ').next()?.parse().ok()?;
        Some((done, pending, l.index))
    });
    let ended_before = split.map(|(_, _, at)| ended.iter().filter(|&&(_, _, i)| i < at).count());
    let wait_ok = matches!((split, ended_before), (Some((d, pd, _)), Some(e)) if d == e && d + pd == n);
    out.push(Insight {
        id: "wait_returns_done_and_pending",
        title: Text {
            ru: "wait возвращает готовые и ждущие задачи",
            en: "wait returns the tasks done and those pending",
        },
        observed: api.starts_with("wait") && wait_ok,
        detail: match split {
            _ if !api.starts_with("wait") => other_api(api),
            Some((d, pd, _)) => msg!(
                ru: "wait вернул {d} готовых и {pd} ждущих; по трассе к этому моменту закончились {e} из {n} задач.",
                en: "wait returned {d} done and {pd} pending; by the trace, {e} of {n} tasks had ended by then.";
                e = ended_before.unwrap_or(0),
            ),
            None => Msg::new("wait не вернулся.", "wait did not return."),
        },
    });
    out
}
