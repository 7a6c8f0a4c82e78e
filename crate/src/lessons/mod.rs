//! The lessons, grouped by the syllabus's section: one folder each,
//! `lessons/<section>/<id_snake>/` (e.g. `threads/race_condition/`), registered in [`all`].
//! A folder holds everything a lesson is:
//!
//! - `listing.py`: the Python program the learner reads, a real `.py` file with a `{{key}}`
//!   slot where each parameter's value stands, and a choice slot
//!   `{{key|value=text|value=text}}` where the text depends on a parameter's value (a
//!   lesson with the [`model`] switch says `{{model|threads=Thread|processes=Process}}`);
//! - `explain.ru.md`, `explain.en.md`: the explanation, paragraphs split by a blank line;
//! - `mod.rs`: the [`Lesson`] itself, `pub static LESSON`: its parameters (the ones many
//!   lessons share come from [`params`]), the checks across them, and its declared
//!   [`Expect`]ations: the actors a run starts and how a run ends;
//! - `program.rs`: the program that runs (`run`), written against the runtime, so that the
//!   same code runs natively and in the browser;
//! - `insights.rs`: what a run showed (`insights`), read from its trace.
//!
//! Shared helpers: [`exec`] (running natively, reading a trace back, nouns for numbers),
//! [`params`] (common parameters), `pyrandom` (Python's `random` for programs).
//!
//! **Insight ids** are snake_case statements of what a run observed, true when
//! `observed` is: `never_more_than_n`, `updates_lost`, `finish_last`, `flag_stays_set`. Not
//! a noun (`leftovers`), not kebab-case. Tests and the embed API name insights by id, so an
//! id, once published, changes only with every test and document that names it.
//!
//! **Messages with numbers** use [`msg!`](crate::msg): each value is named once for both
//! languages, and seconds go through [`Secs`] so that each language spells them its way.
//!
//! Adding a lesson: a folder `lessons/<section>/<id_snake>/` with the five parts above, its
//! line in the [`registry!`] below, a litmus test `crate/tests/native/lesson_<id_snake>.rs`
//! and its CPython cases `tests/cpython/cases/<id>.toml`;
//! `crate/tests/native/lesson_expectations.rs` holds it to its declared expectations by
//! itself.

pub mod exec;
pub mod model;
pub mod params;
mod pyrandom;

use crate::analysis::TraceView;
use crate::error::PyResult;
use crate::msg;
use serde::Serialize;
use std::collections::BTreeMap;

pub use crate::runtime::process::Target;
pub use crate::text::{Lang, Msg, Secs, Text};
pub use crate::trace::EndState;

/// The syllabus's sections, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Section {
    Threads,
    Processes,
    Gil,
    Asyncio,
}

impl Section {
    pub const ALL: [Section; 4] = [Section::Threads, Section::Processes, Section::Gil, Section::Asyncio];
    pub fn title(self) -> Text {
        match self {
            Section::Threads => Text { ru: "Потоки (threading)", en: "Threads (threading)" },
            Section::Processes => Text { ru: "Процессы (multiprocessing)", en: "Processes (multiprocessing)" },
            Section::Gil => Text { ru: "GIL и выбор модели", en: "The GIL and choosing a model" },
            Section::Asyncio => Text { ru: "asyncio", en: "asyncio" },
        }
    }
}

/// What values a parameter takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    Int {
        min: i64,
        max: i64,
        default: i64,
    },
    Float {
        min: f64,
        max: f64,
        default: f64,
    },
    Bool {
        default: bool,
    },
    /// One of `options` (key, label); the value is the key.
    Choice {
        options: &'static [(&'static str, Text)],
        default: &'static str,
    },
    /// A number, or none ("never", "None"); `none` is what the learner types for none.
    OptFloat {
        min: f64,
        max: f64,
        default: Option<f64>,
        none: &'static str,
    },
}

/// One parameter of a lesson.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// Its name in the URL and in the listing's `{{key}}` slot.
    pub key: &'static str,
    pub label: Text,
    pub kind: ParamKind,
}

/// A parameter's value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Value {
    Int(i64),
    Float(f64),
    Bool(bool),
    Choice(String),
    None,
}

impl Value {
    /// As the learner would type it (and as it goes in the URL and the listing).
    pub fn to_text(&self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format_float(*f),
            Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
            Value::Choice(c) => c.clone(),
            Value::None => "None".to_owned(),
        }
    }
}

fn format_float(f: f64) -> String {
    let s = format!("{f}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

impl ParamSpec {
    pub fn default_value(&self) -> Value {
        match self.kind {
            ParamKind::Int { min, max, default: params::CORES } => {
                Value::Int((crate::runtime::cpu_count() as i64).clamp(min, max))
            }
            ParamKind::Int { default, .. } => Value::Int(default),
            ParamKind::Float { default, .. } => Value::Float(default),
            ParamKind::Bool { default } => Value::Bool(default),
            ParamKind::Choice { default, .. } => Value::Choice(default.to_owned()),
            ParamKind::OptFloat { default, .. } => default.map_or(Value::None, Value::Float),
        }
    }

    /// Parses what the learner typed; the error says, in both languages, what is accepted.
    pub fn parse(&self, input: &str) -> Result<Value, Msg> {
        let s = input.trim();
        match self.kind {
            ParamKind::Int { min, max, .. } => {
                let refuse =
                    || msg!(ru: "Нужно целое число от {min} до {max}", en: "Enter a whole number from {min} to {max}");
                let v: i64 = s.replace('_', "").parse().map_err(|_| refuse())?;
                if v < min || v > max {
                    return Err(refuse());
                }
                Ok(Value::Int(v))
            }
            ParamKind::Float { min, max, .. } => parse_float(s, min, max).map(Value::Float),
            ParamKind::Bool { .. } => match s.to_ascii_lowercase().as_str() {
                "true" | "on" | "1" | "yes" => Ok(Value::Bool(true)),
                "false" | "off" | "0" | "no" => Ok(Value::Bool(false)),
                _ => Err(Msg::new("Нужно True или False", "Enter True or False")),
            },
            ParamKind::Choice { options, .. } => match options.iter().find(|(k, _)| k.eq_ignore_ascii_case(s)) {
                Some((k, _)) => Ok(Value::Choice((*k).to_owned())),
                None => {
                    let keys: Vec<_> = options.iter().map(|(k, _)| *k).collect();
                    Err(msg!(ru: "Выберите одно из: {keys}", en: "Choose one of: {keys}"; keys = keys.join(", ")))
                }
            },
            ParamKind::OptFloat { min, max, none, .. } => {
                if s.eq_ignore_ascii_case(none) || s.eq_ignore_ascii_case("none") || s.is_empty() {
                    Ok(Value::None)
                } else {
                    parse_float(s, min, max).map(Value::Float).map_err(
                        |refused| msg!(ru: "{refused} или {none}", en: "{refused} or {none}"; refused = refused),
                    )
                }
            }
        }
    }
}

fn parse_float(s: &str, min: f64, max: f64) -> Result<f64, Msg> {
    let refuse = || msg!(ru: "Нужно число от {min} до {max}", en: "Enter a number from {min} to {max}");
    let v: f64 = s.replace(',', ".").parse().map_err(|_| refuse())?;
    if !v.is_finite() || v < min || v > max {
        return Err(refuse());
    }
    Ok(v)
}

/// A lesson's parameter values, each already validated.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Params(pub BTreeMap<String, Value>);

impl Params {
    pub fn int(&self, key: &str) -> i64 {
        match self.0.get(key) {
            Some(Value::Int(i)) => *i,
            Some(Value::Float(f)) => *f as i64,
            other => panic!("parameter {key} is not an integer: {other:?}"),
        }
    }
    pub fn float(&self, key: &str) -> f64 {
        match self.0.get(key) {
            Some(Value::Float(f)) => *f,
            Some(Value::Int(i)) => *i as f64,
            other => panic!("parameter {key} is not a number: {other:?}"),
        }
    }
    pub fn opt_float(&self, key: &str) -> Option<f64> {
        match self.0.get(key) {
            Some(Value::None) => None,
            _ => Some(self.float(key)),
        }
    }
    pub fn flag(&self, key: &str) -> bool {
        match self.0.get(key) {
            Some(Value::Bool(b)) => *b,
            other => panic!("parameter {key} is not a flag: {other:?}"),
        }
    }
    pub fn choice(&self, key: &str) -> &str {
        match self.0.get(key) {
            Some(Value::Choice(c)) => c,
            other => panic!("parameter {key} is not a choice: {other:?}"),
        }
    }
}

/// One "what to notice" of a lesson, computed from a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Insight {
    /// Stable id, for tests and the embed API.
    pub id: &'static str,
    pub title: Text,
    /// Whether this run showed it.
    pub observed: bool,
    /// What was measured, with the numbers.
    pub detail: Msg,
}

/// Numbers that only the page can measure (frame gaps, click delay), by name; empty when
/// a lesson runs natively.
pub type Measurements = BTreeMap<String, f64>;

/// A lesson, as registered in [`all`].
pub struct Lesson {
    pub id: &'static str,
    pub section: Section,
    pub title: Text,
    pub params: &'static [ParamSpec],
    /// The Python program with a `{{key}}` slot where each parameter's value stands (the
    /// folder's `listing.py`).
    pub listing: &'static str,
    /// The folder's `explain.ru.md` and `explain.en.md`.
    pub explanation: Text,
    /// A speed (lesson seconds per real second) that makes the defaults pleasant to watch.
    pub default_speed: f64,
    /// What a run with given parameters does, as the lesson declares it; the tests hold
    /// every lesson to it.
    pub expect: Expect,
    /// The program's main thread.
    pub run: fn(&Params) -> PyResult<()>,
    /// Checks that involve several parameters at once: (parameter key, message).
    pub validate: fn(&Params) -> Vec<(&'static str, Msg)>,
    pub insights: fn(&TraceView, &Params, &Measurements) -> Vec<Insight>,
    /// The functions its child processes run, by name (see [`Target`]); empty for a
    /// lesson without processes.
    pub targets: &'static [&'static Target],
    /// Who runs next, when the lesson is about that (CPython's GIL); `None`: the run's own
    /// choice (free threads, or what the learner picked).
    pub policy: Option<fn(&Params) -> crate::runtime::Policy>,
    /// What only the page does for this lesson (extra controls, work on the page's own
    /// thread, measurements); `None` for almost every lesson.
    pub page: Option<&'static PageExtension>,
}

/// What a lesson declares about a run with given parameters, when nobody stops it.
#[derive(Clone, Copy)]
pub struct Expect {
    /// How many actors (threads, the main thread included) the run starts at most, so that
    /// the page can have that many workers ready before Run: a worker started mid-run would
    /// delay a thread's start and distort the lesson's timing.
    pub actors: fn(&Params) -> usize,
    /// How the run ends: [`EndState::Finished`], or on purpose [`EndState::Deadlocked`]
    /// (a lock its holder asks for again) or [`EndState::Failed`] (the main thread raised).
    pub ends: fn(&Params) -> EndState,
    /// How many child processes the run starts at most, so that the page can have that
    /// many instances of the module booted before Run (a process then starts in well under
    /// a millisecond, not the tens a boot takes).
    pub processes: fn(&Params) -> usize,
}

/// A lesson that starts no process.
pub fn no_processes(_: &Params) -> usize {
    0
}

/// Every run ends [`EndState::Finished`].
pub fn finishes(_: &Params) -> EndState {
    EndState::Finished
}

/// The page's own part of a lesson that is about the page itself (`responsive-ui`: long
/// work on the page's thread freezes it). The program still runs in workers like every
/// lesson's; the page adds what only it can do, as declared here, and names no lesson.
pub struct PageExtension {
    /// Controls the page shows beside Run. Each is a button whose click the page times
    /// while a run goes on (the delay goes into [`Measurements`] as `click_delay_ms`) and
    /// that shows or hides its text.
    pub controls: &'static [PageControl],
    /// Milliseconds the page must keep its own thread busy for a run with these parameters
    /// at this speed (lesson seconds per real second), if any.
    pub page_work_ms: fn(&Params, f64) -> Option<f64>,
    /// Measurements of the lesson's own beside the page's frame and click numbers (where
    /// the work ran, for example), added to `Measurements` before insights read them.
    pub measurements: fn(&Params, &mut Measurements),
}

/// An extra control of a [`PageExtension`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageControl {
    /// The button's DOM id (its text's box is `<id>-box`).
    pub id: &'static str,
    pub label: Text,
    /// What the button shows when pressed.
    pub text: Text,
}

/// No checks beyond each parameter's own range.
pub fn no_cross_checks(_: &Params) -> Vec<(&'static str, Msg)> {
    Vec::new()
}

impl Lesson {
    pub fn param(&self, key: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|p| p.key == key)
    }

    pub fn defaults(&self) -> Params {
        Params(self.params.iter().map(|p| (p.key.to_owned(), p.default_value())).collect())
    }

    /// Parameters from text pairs (URL query, command line, embed API), defaults for the
    /// rest. Every refusal comes back with its key; unknown keys are refused too.
    pub fn parse_params<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Params, Vec<(String, Msg)>> {
        let mut params = self.defaults();
        let mut errors = Vec::new();
        for (k, v) in pairs {
            match self.param(k) {
                Some(spec) => match spec.parse(v) {
                    Ok(val) => {
                        params.0.insert(k.to_owned(), val);
                    }
                    Err(m) => errors.push((k.to_owned(), m)),
                },
                None => errors.push((
                    k.to_owned(),
                    msg!(ru: "У урока нет параметра «{k}»", en: "This lesson has no parameter '{k}'"),
                )),
            }
        }
        if errors.is_empty() {
            errors.extend((self.validate)(&params).into_iter().map(|(k, m)| (k.to_owned(), m)));
        }
        if errors.is_empty() {
            Ok(params)
        } else {
            Err(errors)
        }
    }

    /// A run's configuration for `params`: `base`, under the lesson's own policy when it
    /// has one and the caller asked for none other than free threads.
    pub fn config(&self, params: &Params, base: crate::runtime::RunConfig) -> crate::runtime::RunConfig {
        match self.policy {
            Some(policy) if base.policy == crate::runtime::Policy::Free => {
                crate::runtime::RunConfig { policy: policy(params), ..base }
            }
            _ => base,
        }
    }

    /// The listing with every slot filled: `{{key}}` with the parameter's value,
    /// `{{key|value=text|...}}` with the text given for its value ([`fill_choices`]).
    pub fn listing_with(&self, params: &Params) -> String {
        let mut s = fill_choices(self.listing, |k| params.0.get(k).map(Value::to_text));
        for (k, v) in &params.0 {
            s = s.replace(&format!("{{{{{k}}}}}"), &v.to_text());
        }
        s
    }
}

/// Fills a listing's choice slots, `{{key|value=text|value=text}}`, with the text given
/// for the parameter's value (`value_of(key)`; no text for it: nothing), and leaves its
/// `{{key}}` slots as they are (the page puts an input there). A lesson with the [`model`]
/// switch says `{{model|threads=Thread|processes=Process}}`. Texts hold neither `|` nor
/// `}}`; a slot must not follow a `{`.
pub fn fill_choices(listing: &str, value_of: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(listing.len());
    let mut rest = listing;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}") else { break };
        let slot = &rest[open + 2..open + close];
        out.push_str(&rest[..open]);
        rest = &rest[open + close + 2..];
        match slot.split_once('|') {
            Some((key, options)) => {
                let value = value_of(key);
                let text =
                    options.split('|').find_map(|o| o.split_once('=').filter(|(v, _)| Some(*v) == value.as_deref()));
                out.push_str(text.map_or("", |(_, t)| t));
            }
            None => {
                out.push_str("{{");
                out.push_str(slot);
                out.push_str("}}");
            }
        }
    }
    out.push_str(rest);
    out
}

/// Declares every lesson's folder as a module of its section and lists the lessons in
/// [`ALL`] in the order written: one line per lesson. rustfmt does not look into modules a
/// macro declares, so the format tier checks the lesson folders by path as well
/// (`scripts/test.sh`).
macro_rules! registry {
    ($($section:ident: [$($id:ident),+ $(,)?]),+ $(,)?) => {
        $(
            mod $section {
                $(pub mod $id;)+
            }
        )+
        /// Every lesson, in the syllabus's order (a static: a reference to a static cannot
        /// be promoted out of a function body).
        static ALL: &[&Lesson] = &[$($(&$section::$id::LESSON,)+)+];
    };
}

// The syllabus, section by section; a lesson's line is its folder's name.
registry! {
    // A. Threads (`threading`)
    threads: [
        thread_basics,
        join,
        daemon,
        race_condition,
        lock_vs_rlock,
        timer,
        thread_local,
        semaphore,
        barrier,
        event,
        condition,
        queue_threads,
        thread_pool,
        responsive_ui,
    ],
    // B. Processes (`multiprocessing`)
    processes: [
        process_basics,
        shared_memory,
        process_queue,
        pipe,
        pool,
        manager,
        remote_manager,
        divide_and_conquer,
    ],
    // D. asyncio
    asyncio: [
        coroutines,
        tasks,
        gather_wait,
        cancel_timeout,
        futures,
    ],
}

/// Every lesson, in the syllabus's order.
pub fn all() -> &'static [&'static Lesson] {
    ALL
}

pub fn find(id: &str) -> Option<&'static Lesson> {
    all().iter().copied().find(|l| l.id == id)
}
