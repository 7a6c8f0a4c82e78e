//! What a run showed, read from its trace: every process's own, on one clock.

use crate::analysis::TraceView;
use crate::lessons::exec::{lines, plural, IndexedLine};
use crate::lessons::{Insight, Measurements, Msg, Params, Text};
use crate::msg;
use crate::trace::Kind;
use std::collections::BTreeMap;

/// What one worker printed, and how its process ended.
#[derive(Default)]
struct Worker {
    name: String,
    /// Its own pid and its parent's, as it printed them.
    pid: Option<String>,
    parent: Option<String>,
    /// Steps printed, of how many.
    steps: u64,
    of: u64,
    /// Its `counter` at its last step.
    counter: Option<String>,
    returned: bool,
    exit: Option<i64>,
}

/// The number after `key` in `text`, up to the next comma or the end.
fn after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let rest = &text[text.find(key)? + key.len()..];
    Some(rest.split(',').next().unwrap_or(rest).trim())
}

fn workers(v: &TraceView, all: &[IndexedLine]) -> Vec<Worker> {
    let mut by_pid: BTreeMap<u32, Worker> = BTreeMap::new();
    for l in all.iter().filter(|l| !l.stderr && l.actor.pid != 1) {
        let w = by_pid.entry(l.actor.pid).or_default();
        w.name = v.process_name(l.actor.pid).to_owned();
        if l.text.contains("run() in pid") {
            w.pid = after(&l.text, "run() in pid ").map(str::to_owned);
            w.parent = after(&l.text, "parent pid ").map(str::to_owned);
        } else if let Some(step) = after(&l.text, ": step ") {
            w.steps += 1;
            w.of = step.split(" of ").nth(1).and_then(|n| n.parse().ok()).unwrap_or(w.of);
            w.counter = after(&l.text, "counter = ").map(str::to_owned);
        } else if l.text.ends_with("run() returns") {
            w.returned = true;
        }
    }
    for e in v.events.iter().filter(|e| e.kind == Kind::ProcEnd) {
        if let Some(w) = by_pid.get_mut(&e.obj) {
            w.exit = Some(e.arg as i64);
        }
    }
    by_pid.into_values().collect()
}

pub(super) fn insights(v: &TraceView, p: &Params, _: &Measurements) -> Vec<Insight> {
    let all = lines(v);
    let ws = workers(v, &all);
    let main_pid = all.iter().find(|l| l.actor.pid == 1).and_then(|l| after(&l.text, "pid ")).map(str::to_owned);
    let main_counter =
        all.iter().rev().find_map(|l| (l.actor.pid == 1).then(|| l.text.strip_prefix("main: counter = ")).flatten());
    let mut out = Vec::new();

    // 1. Each process its own pid; every worker's parent is main.
    let mut pids: Vec<&str> = ws.iter().filter_map(|w| w.pid.as_deref()).collect();
    pids.extend(main_pid.as_deref());
    let printed = pids.len();
    pids.sort_unstable();
    pids.dedup();
    let parents_main = ws.iter().all(|w| w.parent.is_some() && w.parent == main_pid);
    let distinct = pids.len();
    let main_pid = main_pid.clone().unwrap_or_else(|| "?".into());
    let n = printed as u64;
    out.push(Insight {
        id: "pids_distinct",
        title: Text { ru: "У каждого процесса свой pid", en: "Every process has a pid of its own" },
        observed: printed == ws.len() + 1 && distinct == printed && parents_main,
        detail: msg!(
            ru: "{n} {procs}, {distinct} разных pid; родитель каждого рабочего — main (pid {main_pid}).",
            en: "{n} {procs}, {distinct} different pids; every worker's parent is main (pid {main_pid}).";
            n = n, main_pid = main_pid, distinct = distinct,
            procs = plural(n, ["процесс", "процесса", "процессов"], ["process", "processes"]),
        ),
    });

    // 2. A global changed in a child stays unchanged in the parent.
    let changed: Vec<&Worker> = ws.iter().filter(|w| w.counter.as_deref().is_some_and(|c| c != "0")).collect();
    let main_counter = main_counter.unwrap_or("?");
    let example =
        changed.iter().max_by_key(|w| w.steps).map(|w| (w.name.clone(), w.counter.clone().unwrap_or_default()));
    out.push(Insight {
        id: "child_global_unchanged",
        title: Text {
            ru: "Глобальная переменная дочернего процесса — его собственная",
            en: "A child's global is its own",
        },
        observed: !changed.is_empty() && main_counter == "0",
        detail: match example {
            Some((name, counter)) => msg!(
                ru: "{name} досчитал counter до {counter} в своей памяти, а у main counter = {main_counter}: памяти процессов разные.",
                en: "{name} counted counter up to {counter} in its own memory, and main's counter is {main_counter}: the processes' memories are different.";
                name = name, counter = counter, main_counter = main_counter,
            ),
            None => Msg::new(
                "Ни один рабочий не успел сделать шаг: counter не менялся ни у кого.",
                "No worker got to a step: nobody's counter changed.",
            ),
        },
    });

    // 3. terminate() cuts a process off mid-work, with a negative exit code.
    let cut: Vec<&Worker> = ws.iter().filter(|w| w.exit.is_some_and(|c| c < 0)).collect();
    let whole: Vec<&Worker> = ws.iter().filter(|w| w.exit == Some(0)).collect();
    let detail = match (cut.first(), p.opt_float("terminate_after")) {
        (Some(w), _) => {
            let (name, steps, of, code) = (&w.name, w.steps, w.of, w.exit.unwrap_or(0));
            let others = if whole.is_empty() {
                Msg::new("", "")
            } else {
                let names = whole.iter().map(|w| w.name.as_str()).collect::<Vec<_>>().join(", ");
                msg!(ru: "; закончили сами (exitcode 0): {names}", en: "; ended by themselves (exitcode 0): {names}")
            };
            msg!(
                ru: "{name} прерван после {steps} из {of} шагов, без «run() returns»: exitcode {code} (минус номер сигнала SIGTERM){others}.",
                en: "{name} was cut off after {steps} of {of} steps, with no 'run() returns': exitcode {code} (minus SIGTERM's number){others}.";
                name = name, steps = steps, of = of, code = code, others = others,
            )
        }
        (None, Some(_)) => Msg::new(
            "К моменту terminate() все рабочие уже закончили: у каждого exitcode 0.",
            "By the time of terminate() every worker had ended: every exitcode is 0.",
        ),
        (None, None) => Msg::new(
            "terminate() не вызывался: каждый процесс доделал работу, у каждого exitcode 0. Задайте «terminate() через».",
            "terminate() was not called: every process did all its work, every exitcode is 0. Set 'terminate() after'.",
        ),
    };
    out.push(Insight {
        id: "terminate_cuts_off",
        title: Text {
            ru: "terminate() обрывает процесс на полпути", en: "terminate() cuts a process off mid-work"
        },
        observed: cut.iter().any(|w| !w.returned),
        detail,
    });
    out
}
