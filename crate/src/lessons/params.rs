//! Parameters that many lessons share, each kind written once: a lesson's `mod.rs` lists
//! its parameters as calls of these (`threads(label, 1, 64, 4)`), with its own label and
//! range. Durations are lesson seconds; a count is a whole number.

use super::{ParamKind, ParamSpec, Text};

/// How many threads the lesson starts (key `threads`).
pub const fn threads(label: Text, min: i64, max: i64, default: i64) -> ParamSpec {
    count("threads", label, min, max, default)
}

/// How many steps or lines each thread does (key `iterations`), at least one.
pub const fn iterations(label: Text, max: i64, default: i64) -> ParamSpec {
    count("iterations", label, 1, max, default)
}

/// A whole number: threads of a role, items, tasks, places, milliseconds.
pub const fn count(key: &'static str, label: Text, min: i64, max: i64, default: i64) -> ParamSpec {
    ParamSpec { key, label, kind: ParamKind::Int { min, max, default } }
}

/// The default of a count that is this machine's core count ([`cores`]), known only when
/// the lesson runs.
pub const CORES: i64 = i64::MIN;

/// How many processes or threads, by default one per core of this machine.
pub const fn cores(key: &'static str, label: Text, min: i64, max: i64) -> ParamSpec {
    count(key, label, min, max, CORES)
}

/// A duration in lesson seconds.
pub const fn seconds(key: &'static str, label: Text, min: f64, max: f64, default: f64) -> ParamSpec {
    ParamSpec { key, label, kind: ParamKind::Float { min, max, default } }
}

/// A duration in lesson seconds from 0 to `max`, or none by default; `none` is how the
/// learner types none (Python's `None`, or a word such as `never`).
pub const fn seconds_or_none(key: &'static str, label: Text, max: f64, none: &'static str) -> ParamSpec {
    ParamSpec { key, label, kind: ParamKind::OptFloat { min: 0.0, max, default: None, none } }
}

/// A yes/no switch: with a lock or without, bounded or not.
pub const fn flag(key: &'static str, label: Text, default: bool) -> ParamSpec {
    ParamSpec { key, label, kind: ParamKind::Bool { default } }
}

/// Whether a thread is a daemon (key `daemon`).
pub const fn daemon(label: Text, default: bool) -> ParamSpec {
    flag("daemon", label, default)
}

/// One of `options` (key, label).
pub const fn choice(
    key: &'static str,
    label: Text,
    options: &'static [(&'static str, Text)],
    default: &'static str,
) -> ParamSpec {
    ParamSpec { key, label, kind: ParamKind::Choice { options, default } }
}
