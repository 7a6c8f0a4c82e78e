//! What a manager holds and what crosses to and from it: Python values, as far as the
//! lessons need them, with Python's `repr`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A Python value held by a manager or carried by a proxy call (CPython pickles any
/// object; the lessons need these).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub enum Val {
    #[default]
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Val>),
    Tuple(Vec<Val>),
    Dict(Vec<(Val, Val)>),
}

impl Val {
    pub fn str(s: &str) -> Val {
        Val::Str(s.to_owned())
    }

    /// The integer inside, if it is one (a bool counts, as in Python).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Python's truth value.
    pub fn truthy(&self) -> bool {
        match self {
            Val::None => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::List(v) | Val::Tuple(v) => !v.is_empty(),
            Val::Dict(d) => !d.is_empty(),
        }
    }
}

impl From<i64> for Val {
    fn from(i: i64) -> Val {
        Val::Int(i)
    }
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::str(s)
    }
}

impl From<f64> for Val {
    fn from(f: f64) -> Val {
        Val::Float(f)
    }
}

impl From<bool> for Val {
    fn from(b: bool) -> Val {
        Val::Bool(b)
    }
}

fn seq(f: &mut fmt::Formatter<'_>, items: &[Val]) -> fmt::Result {
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{v}")?;
    }
    Ok(())
}

/// Python's `repr`.
impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::None => f.write_str("None"),
            Val::Bool(true) => f.write_str("True"),
            Val::Bool(false) => f.write_str("False"),
            Val::Int(i) => write!(f, "{i}"),
            // Rust's shortest round-trip digits are Python's, but for a whole number's ".0".
            Val::Float(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 => write!(f, "{x:.1}"),
            Val::Float(x) => write!(f, "{x}"),
            Val::Str(s) => write!(f, "'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            Val::List(v) => {
                f.write_str("[")?;
                seq(f, v)?;
                f.write_str("]")
            }
            Val::Tuple(v) => {
                f.write_str("(")?;
                seq(f, v)?;
                f.write_str(if v.len() == 1 { ",)" } else { ")" })
            }
            Val::Dict(d) => {
                f.write_str("{")?;
                for (i, (k, v)) in d.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}
