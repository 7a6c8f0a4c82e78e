//! Running a lesson natively (tests, litmus runs, the command-line runner), and small
//! helpers that lesson programs and insights share: thread lookup in a trace, nouns for a
//! number in both languages, Python's spelling of values.

use super::Text;
use crate::analysis::TraceView;
use crate::msg;
use crate::trace::{Actor, Kind, ThreadEndHow};
#[cfg(not(target_arch = "wasm32"))]
use {
    super::{Lesson, Params},
    crate::runtime::{native, Run, RunConfig},
    crate::trace::DEFAULT_CAPACITY,
    std::sync::Arc,
};

/// Runs `lesson` with `params` on OS threads at `speed` (lesson seconds per real second)
/// and returns the finished run with its decoded trace. The trace holds as many events as
/// the page's does, so a native run sees what the page would.
#[cfg(not(target_arch = "wasm32"))]
pub fn run_native(lesson: &Lesson, params: &Params, speed: f64) -> (Arc<Run>, TraceView) {
    run_native_with(lesson, params, RunConfig { speed, trace_capacity: DEFAULT_CAPACITY, ..RunConfig::default() })
}

/// [`run_native`] with a run configuration of the caller's choice (a smaller trace for
/// litmus loops, a thread cap).
#[cfg(not(target_arch = "wasm32"))]
pub fn run_native_with(lesson: &Lesson, params: &Params, cfg: RunConfig) -> (Arc<Run>, TraceView) {
    let program = lesson.run;
    let p = params.clone();
    let run = native::run(lesson.config(params, cfg), move || program(&p));
    // Every process's trace, on the run's one clock.
    let view = run.with_traces(TraceView::from_traces);
    (run, view)
}

/// Python's spelling of a bool.
pub(crate) fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// The Russian noun form for `n`: `ru_plural(n, "строка", "строки", "строк")`.
pub(crate) fn ru_plural(n: u64, one: &'static str, few: &'static str, many: &'static str) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=14) => many,
        (1, _) => one,
        (2..=4, _) => few,
        _ => many,
    }
}

/// The English noun form for `n`.
pub(crate) fn en_plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// The noun for `n` in both languages: `plural(n, ["строка", "строки", "строк"], ["line", "lines"])`.
pub(crate) fn plural(n: u64, ru: [&'static str; 3], en: [&'static str; 2]) -> Text {
    Text { ru: ru_plural(n, ru[0], ru[1], ru[2]), en: en_plural(n, en[0], en[1]) }
}

/// The thread named `name` in a run.
pub(crate) fn tid_named(v: &TraceView, name: &str) -> Option<Actor> {
    v.thread_named(name)
}

/// When a thread started and when (and how) it ended, in lesson seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Span {
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub how: Option<ThreadEndHow>,
    /// Index in the view's events of its `ThreadEnd`.
    pub end_index: Option<usize>,
}

pub(crate) fn span(v: &TraceView, actor: Actor) -> Span {
    let mut s = Span { start: None, end: None, how: None, end_index: None };
    for (i, e) in v.events.iter().enumerate().filter(|(_, e)| e.actor == actor) {
        match e.kind {
            Kind::ThreadStart => s.start = Some(v.t(e)),
            Kind::ThreadEnd => {
                s.end = Some(v.t(e));
                s.how = e.thread_end();
                s.end_index = Some(i);
            }
            _ => {}
        }
    }
    s
}

/// A printed line with the index of its event, for ordering against other events.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct IndexedLine {
    pub index: usize,
    pub t: f64,
    pub actor: Actor,
    pub text: String,
    pub stderr: bool,
}

/// Every printed line with its event index.
pub(crate) fn lines(v: &TraceView) -> Vec<IndexedLine> {
    v.events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == Kind::Print)
        .map(|(i, e)| IndexedLine {
            index: i,
            t: v.t(e),
            actor: e.actor,
            text: v.strings.get(&i).cloned().unwrap_or_default(),
            stderr: e.is_stderr(),
        })
        .collect()
}

/// The message of every exception raised in the run (`Fail` events), with who raised it.
pub(crate) fn failures(v: &TraceView) -> Vec<(Actor, String)> {
    v.events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == Kind::Fail)
        .map(|(i, e)| (e.actor, v.strings.get(&i).cloned().unwrap_or_default()))
        .collect()
}

/// A note for insights of a run whose trace overflowed: the numbers may be incomplete.
pub(crate) fn dropped_note(v: &TraceView) -> Option<super::Msg> {
    (v.dropped > 0).then(|| {
        msg!(ru: " (журнал переполнился: {dropped} событий не записано, числа могут быть неполными)", en: " (the trace overflowed: {dropped} events were not recorded, the numbers may be incomplete)"; dropped = v.dropped)
    })
}
