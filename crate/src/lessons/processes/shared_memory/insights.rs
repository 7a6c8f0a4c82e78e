//! What a run showed: the parent's counter and array, against what the children did.

use crate::analysis::TraceView;
use crate::lessons::exec::lines;
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;

fn main_line(v: &TraceView, prefix: &str) -> Option<String> {
    lines(v).into_iter().find(|l| l.actor.pid == 1 && l.text.starts_with(prefix)).map(|l| l.text)
}

fn number_after(text: &str, key: &str) -> Option<i64> {
    let rest = &text[text.find(key)? + key.len()..];
    rest.split([',', ' ']).next()?.parse().ok()
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let lock = p.flag("lock");
    let counter = main_line(v, "main: counter expected ");
    let (expected, got, lost) = match &counter {
        Some(t) => (number_after(t, "expected "), number_after(t, "got "), number_after(t, "lost ")),
        None => (None, None, None),
    };
    let mut out = Vec::new();
    let detail = match (expected, got, lost) {
        (Some(e), Some(g), Some(0)) if lock => msg!(
            ru: "С get_lock() счётчик точный: {g} из {e}. Прочитать и записать под замком — одно действие для всех процессов.",
            en: "With get_lock() the counter is exact: {g} of {e}. A read and a write under the lock are one step for every process.";
            g = g, e = e,
        ),
        (Some(e), Some(g), Some(l)) if !lock && l > 0 => msg!(
            ru: "Без блокировки потеряно {l} из {e} прибавлений (итог {g}): процессы читали одно и то же значение и затирали записи друг друга.",
            en: "Without the lock {l} of {e} increments were lost (the total is {g}): processes read the same value and wrote over each other.";
            l = l, e = e, g = g,
        ),
        (Some(e), Some(g), Some(l)) if !lock => msg!(
            ru: "Без блокировки в этот раз ничего не потерялось ({g} из {e}, потеряно {l}): процессы не пересеклись. Увеличьте число прибавлений или процессов.",
            en: "Without the lock nothing was lost this time ({g} of {e}, lost {l}): the processes never overlapped. Raise the increments or the processes.";
            g = g, e = e, l = l,
        ),
        (Some(e), Some(g), Some(l)) => msg!(
            ru: "С блокировкой потеряно {l} из {e} (итог {g}): такого быть не должно.",
            en: "With the lock {l} of {e} were lost (the total is {g}): that must not happen.";
            l = l, e = e, g = g,
        ),
        _ => Msg::new("Прогон остановлен до итога.", "The run was stopped before the total."),
    };
    out.push(Insight {
        id: "counter_exact_only_with_lock",
        title: Text {
            ru: "Счётчик точен только под блокировкой", en: "The counter is exact only with the lock"
        },
        observed: match lost {
            Some(l) => (lock && l == 0) || (!lock && l > 0),
            None => false,
        },
        detail,
    });

    let array = main_line(v, "main: array slots as written ");
    let (right, size) = match &array {
        Some(t) => (number_after(t, "written "), number_after(t, "of ")),
        None => (None, None),
    };
    let writers = lines(v).iter().filter(|l| l.actor.pid != 1 && l.text.contains(": done ")).count();
    out.push(Insight {
        id: "writes_visible_in_parent",
        title: Text {
            ru: "Записи каждого процесса видны в массиве родителя",
            en: "Every process's writes show in the parent's array",
        },
        observed: right.is_some() && right == size,
        detail: match (right, size) {
            (Some(r), Some(s)) => msg!(
                ru: "{writers} процессов писали каждый в свои ячейки, и main видит {r} из {s} ячеек такими, как их записали: Array лежит в памяти, общей для всех.",
                en: "{writers} processes each wrote their own slots, and main sees {r} of {s} slots as they were written: the Array lives in memory they all share.";
                writers = writers, r = r, s = s,
            ),
            _ => Msg::new("Прогон остановлен до проверки массива.", "The run was stopped before the array was checked."),
        },
    });
    out
}
