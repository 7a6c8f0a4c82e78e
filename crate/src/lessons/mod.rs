//! The lessons: one file each, registered in [`all`]. A lesson is a program written against
//! the runtime (the same code runs natively and in the browser), its parameters with ranges
//! and messages, its Python listing with a slot for each parameter, its explanation, and
//! the insights it computes from the trace of a run.
//!
//! Adding a lesson: write `lessons/<id>.rs` exposing `pub static LESSON: Lesson`, and add
//! one line to [`all`].

mod barrier;
mod condition;
mod daemon;
mod event;
pub mod exec;
mod join;
mod lock_vs_rlock;
mod pyrandom;
mod queue_threads;
mod race_condition;
mod responsive_ui;
mod semaphore;
mod thread_basics;
mod thread_local;
mod thread_pool;
mod timer;

use crate::analysis::TraceView;
use crate::error::PyResult;
use serde::Serialize;
use std::collections::BTreeMap;

pub use crate::text::{Lang, Msg, Text};

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
                let refuse = || {
                    Msg::new(
                        format!("Нужно целое число от {min} до {max}"),
                        format!("Enter a whole number from {min} to {max}"),
                    )
                };
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
                    Err(Msg::new(
                        format!("Выберите одно из: {}", keys.join(", ")),
                        format!("Choose one of: {}", keys.join(", ")),
                    ))
                }
            },
            ParamKind::OptFloat { min, max, none, .. } => {
                if s.eq_ignore_ascii_case(none) || s.eq_ignore_ascii_case("none") || s.is_empty() {
                    Ok(Value::None)
                } else {
                    parse_float(s, min, max)
                        .map(Value::Float)
                        .map_err(|m| Msg::new(format!("{} или {none}", m.ru), format!("{} or {none}", m.en)))
                }
            }
        }
    }
}

fn parse_float(s: &str, min: f64, max: f64) -> Result<f64, Msg> {
    let refuse = || Msg::new(format!("Нужно число от {min} до {max}"), format!("Enter a number from {min} to {max}"));
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
    /// The Python program with a `{{key}}` slot where each parameter's value stands.
    pub listing: &'static str,
    pub explanation: Text,
    /// A speed (lesson seconds per real second) that makes the defaults pleasant to watch.
    pub default_speed: f64,
    /// How many threads a run with these parameters starts at most (its main thread
    /// included), so that the page can have that many workers ready before Run: a worker
    /// started mid-run would delay a thread's start and distort the lesson's timing.
    pub threads: fn(&Params) -> usize,
    /// The program's main thread.
    pub run: fn(&Params) -> PyResult<()>,
    /// Checks that involve several parameters at once: (parameter key, message).
    pub validate: fn(&Params) -> Vec<(&'static str, Msg)>,
    pub insights: fn(&TraceView, &Params, &Measurements) -> Vec<Insight>,
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
                    Msg::new(format!("У урока нет параметра «{k}»"), format!("This lesson has no parameter '{k}'")),
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

    /// The listing with every slot filled with its value.
    pub fn listing_with(&self, params: &Params) -> String {
        let mut s = self.listing.to_owned();
        for (k, v) in &params.0 {
            s = s.replace(&format!("{{{{{k}}}}}"), &v.to_text());
        }
        s
    }
}

/// Every lesson, in the syllabus's order (a static: a reference to a static cannot be
/// promoted out of a function body).
static ALL: &[&Lesson] = &[
    // A. Threads
    &thread_basics::LESSON,
    &join::LESSON,
    &daemon::LESSON,
    &race_condition::LESSON,
    &lock_vs_rlock::LESSON,
    &timer::LESSON,
    &thread_local::LESSON,
    &semaphore::LESSON,
    &barrier::LESSON,
    &event::LESSON,
    &condition::LESSON,
    &queue_threads::LESSON,
    &thread_pool::LESSON,
    &responsive_ui::LESSON,
];

/// Every lesson, in the syllabus's order.
pub fn all() -> &'static [&'static Lesson] {
    ALL
}

pub fn find(id: &str) -> Option<&'static Lesson> {
    all().iter().copied().find(|l| l.id == id)
}
