//! The URL holds the set-up: `?lesson=race-condition&threads=50&lock=on&speed=5`, plus
//! `embed=1` (or `embed=compact`) and `lang=en` when given. A link reproduces what the learner had on screen,
//! refused values included.

use parlab::lessons::{Lesson, ParamKind, Value};

/// Keys of the URL that are not lesson parameters.
pub const RESERVED: [&str; 4] = ["lesson", "speed", "embed", "lang"];

/// The query string's pairs, decoded, in order.
pub fn query() -> Vec<(String, String)> {
    let search = gloo::utils::window().location().search().unwrap_or_default();
    parse(&search)
}

pub fn parse(search: &str) -> Vec<(String, String)> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    js_sys::decode_uri_component(&s).map(String::from).unwrap_or(s)
}

pub fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

pub fn get<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

pub fn flag(q: &[(String, String)], key: &str) -> bool {
    get(q, key).is_some_and(|v| matches!(v, "" | "1" | "true" | "on" | "yes"))
}

/// How a parameter's text goes in the URL: bools as on/off, the rest as typed.
pub fn param_text(lesson: &Lesson, key: &str, text: &str) -> Option<String> {
    let spec = lesson.param(key)?;
    match spec.parse(text) {
        Ok(v) if v == spec.default_value() => None,
        Ok(Value::Bool(b)) => Some(if b { "on" } else { "off" }.to_owned()),
        Ok(Value::Choice(c)) => Some(c),
        Ok(_) | Err(_) => Some(text.trim().to_owned()),
    }
}

/// The query for a lesson with these parameter texts and speed.
/// How the page is framed, from the URL's `embed`: a page of its own, one lesson with
/// minimal chrome (`embed=1`), or that laid out for a course page's frame about 900 px wide
/// (`embed=compact`: listing and console side by side, shorter panels).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Frame {
    #[default]
    Page,
    Embed,
    Compact,
}

impl Frame {
    pub fn of(q: &[(String, String)]) -> Frame {
        match get(q, "embed") {
            Some("compact") => Frame::Compact,
            _ if flag(q, "embed") => Frame::Embed,
            _ => Frame::Page,
        }
    }

    pub fn embedded(self) -> bool {
        self != Frame::Page
    }

    /// Its part of a query (`None` for a page of its own).
    pub fn query(self) -> Option<&'static str> {
        match self {
            Frame::Page => None,
            Frame::Embed => Some("embed=1"),
            Frame::Compact => Some("embed=compact"),
        }
    }
}

pub fn lesson_query(lesson: &Lesson, texts: &[(&str, &str)], speed: &str, frame: Frame, lang: Option<&str>) -> String {
    let mut parts = vec![format!("lesson={}", encode(lesson.id))];
    for spec in lesson.params {
        if let Some((_, text)) = texts.iter().find(|(k, _)| *k == spec.key) {
            if let Some(t) = param_text(lesson, spec.key, text) {
                parts.push(format!("{}={}", encode(spec.key), encode(&t)));
            }
        }
    }
    let default_speed = crate::lesson::speed_text(lesson.default_speed);
    if speed.trim() != default_speed && crate::lesson::parse_speed(speed) != Some(lesson.default_speed) {
        parts.push(format!("speed={}", encode(speed.trim())));
    }
    if let Some(f) = frame.query() {
        parts.push(f.to_owned());
    }
    if let Some(l) = lang {
        parts.push(format!("lang={l}"));
    }
    format!("?{}", parts.join("&"))
}

/// Replaces the address bar's query without a new history entry.
pub fn replace(query: &str) {
    let window = gloo::utils::window();
    let path = window.location().pathname().unwrap_or_default();
    if let Ok(h) = window.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}{query}")));
    }
}

/// Adds a history entry (a link followed inside the page).
pub fn push(href: &str) {
    if let Ok(h) = gloo::utils::window().history() {
        let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href));
    }
}

/// A short description of a parameter's range, for labels.
pub fn range_text(kind: &ParamKind) -> String {
    let n = crate::i18n::num;
    match kind {
        ParamKind::Int { min, max, .. } => format!("{}–{}", n(*min as f64), n(*max as f64)),
        ParamKind::Float { min, max, .. } => format!("{}–{}", n(*min), n(*max)),
        ParamKind::OptFloat { min, max, none, .. } => format!("{}–{} / {none}", n(*min), n(*max)),
        ParamKind::Bool { .. } => "True / False".to_owned(),
        ParamKind::Choice { options, .. } => options.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(" / "),
    }
}
