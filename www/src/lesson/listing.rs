//! The listing panel: the lesson's Python code, highlighted, with an input in each
//! parameter's slot (a mirror where a parameter is used again), and each refusal shown
//! beside its input and listed above the controls.

use super::LessonPage;
use crate::dom::{self, escape};
use crate::i18n::{self, tr};
use crate::urlstate;
use parlab::lessons::{ParamKind, ParamSpec, Value};

/// The listing's part of the code panel; the refusals go in `#param-errors` below it.
pub fn html(page: &LessonPage) -> String {
    format!(
        r#"<pre class="listing" id="listing"><code>{}</code></pre>
  <div id="param-errors" class="param-errors" role="status" aria-live="polite"></div>"#,
        code_html(page)
    )
}

/// Replaces the listing's code (the embed API set values the inputs do not show yet).
pub fn rerender(page: &LessonPage) {
    dom::set_html("listing", &format!("<code>{}</code>", code_html(page)));
}

/// The listing, highlighted, with an input in each parameter's slot.
pub fn code_html(page: &LessonPage) -> String {
    let lang = i18n::lang();
    let mut seen: Vec<&str> = Vec::new();
    // Choice slots (`{{model|threads=...|processes=...}}`) read as the text for the value
    // now chosen (the default while the text is refused); the page shows it as code, with
    // each comment in the reader's language.
    let value_of = |key: &str| {
        let spec = page.lesson.param(key)?;
        let text = page.texts.get(spec.key).cloned().unwrap_or_default();
        Some(spec.parse(&text).unwrap_or_else(|_| spec.default_value()).to_text())
    };
    let src = parlab::lessons::fill_choices(page.lesson.listing, value_of);
    let src = crate::highlight::comments_in(&src, lang == parlab::lessons::Lang::Ru);
    crate::highlight::to_html(&src, |key| {
        let Some(spec) = page.lesson.param(key) else { return format!("{{{{{}}}}}", escape(key)) };
        let text = page.texts.get(spec.key).cloned().unwrap_or_default();
        // A parameter used again further down: a mirror of its one input.
        if seen.contains(&spec.key) {
            return format!(
                r#"<button type="button" class="slot-mirror" data-mirror="{k}" data-action="focus" data-target="param-{k}" title="{k}" tabindex="-1">{v}</button>"#,
                k = escape(spec.key),
                v = escape(&mirror_text(spec, &text))
            );
        }
        seen.push(spec.key);
        let label = spec.label.get(lang);
        let range = urlstate::range_text(&spec.kind);
        let id = format!("param-{}", spec.key);
        let msg = format!(r#"<span class="param-msg" id="{id}-msg" hidden></span>"#);
        let common = format!(
            r#"id="{id}" data-key="{k}" aria-label="{label} ({range})" title="{label}: {range}" aria-describedby="{id}-msg""#,
            k = escape(spec.key),
            label = escape(label),
            range = escape(&range)
        );
        match spec.kind {
            ParamKind::Bool { default } => {
                let on = spec.parse(&text).map_or(default, |v| v == Value::Bool(true));
                format!(
                    r#"<label class="slot slot-bool"><input type="checkbox" {common}{checked}><span class="bool-val" id="{id}-val">{val}</span></label>{msg}"#,
                    checked = if on { " checked" } else { "" },
                    val = if on { "True" } else { "False" }
                )
            }
            ParamKind::Choice { options, .. } => {
                let current = spec.parse(&text).ok().map(|v| v.to_text());
                let mut opts = String::new();
                if current.is_none() {
                    opts.push_str(&format!(r#"<option value="{t}" selected disabled>{t}</option>"#, t = escape(&text)));
                }
                // The options read as the Python values they are; their meaning is in
                // each option's title and the select's label.
                for (k, label) in options {
                    let sel = if current.as_deref() == Some(*k) { " selected" } else { "" };
                    opts.push_str(&format!(
                        r#"<option value="{k}"{sel} title="{t}">{k}</option>"#,
                        k = escape(k),
                        t = escape(label.get(lang))
                    ));
                }
                let meanings: Vec<String> = options.iter().map(|(k, l)| format!("{k}: {}", l.get(lang))).collect();
                let common = common.replace(
                    &format!(r#"title="{}: {}""#, escape(label), escape(&range)),
                    &format!(r#"title="{}: {}""#, escape(label), escape(&meanings.join("; "))),
                );
                format!(r#"<select class="slot" {common}>{opts}</select>{msg}"#)
            }
            // Text rather than type=number: a refused value from a link stays as typed,
            // beside its explanation. Arrow keys step it like a number input.
            _ => {
                let (min, max) = match spec.kind {
                    ParamKind::Int { min, max, .. } => (min as f64, max as f64),
                    ParamKind::Float { min, max, .. } | ParamKind::OptFloat { min, max, .. } => (min, max),
                    _ => (0.0, 0.0),
                };
                format!(
                    r#"<input class="slot" type="text" role="spinbutton" aria-valuemin="{min}" aria-valuemax="{max}" inputmode="decimal" autocomplete="off" spellcheck="false" {common} value="{v}" style="width:{w}ch">{msg}"#,
                    v = escape(&text),
                    w = input_width(&text)
                )
            }
        }
    })
}

/// Shows each refusal beside its input, lists them by the Run button, sets Run.
pub fn show_errors(page: &LessonPage) {
    let lang = i18n::lang();
    if let Ok(mirrors) = dom::document().query_selector_all(".slot-mirror") {
        for i in 0..mirrors.length() {
            let Some(m) = mirrors.item(i).and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
            else {
                continue;
            };
            let key = m.get_attribute("data-mirror").unwrap_or_default();
            if let (Some(spec), Some(text)) = (page.lesson.param(&key), page.texts.get(key.as_str())) {
                m.set_text_content(Some(&mirror_text(spec, text)));
            }
        }
    }
    for spec in page.lesson.params {
        let id = format!("param-{}", spec.key);
        let msg_id = format!("{id}-msg");
        match page.errors.get(spec.key) {
            Some(m) => {
                dom::set_text(&msg_id, m.get(lang));
                dom::set_hidden(&msg_id, false);
                dom::set_attr(&id, "aria-invalid", "true");
                dom::remove_attr(&id, "aria-valuenow");
            }
            None => {
                dom::set_text(&msg_id, "");
                dom::set_hidden(&msg_id, true);
                dom::set_attr(&id, "aria-invalid", "false");
                if let Some(v) = page.texts.get(spec.key).and_then(|t| spec.parse(t).ok()) {
                    match v {
                        Value::Int(i) => dom::set_attr(&id, "aria-valuenow", &i.to_string()),
                        Value::Float(f) => dom::set_attr(&id, "aria-valuenow", &f.to_string()),
                        _ => dom::remove_attr(&id, "aria-valuenow"),
                    }
                }
            }
        }
    }
    match page.errors.get("speed") {
        Some(m) => {
            dom::set_text("speed-msg", m.get(lang));
            dom::set_hidden("speed-msg", false);
            dom::set_attr("speed", "aria-invalid", "true");
        }
        None => {
            dom::set_hidden("speed-msg", true);
            dom::set_attr("speed", "aria-invalid", "false");
        }
    }
    let list = if page.errors.is_empty() {
        String::new()
    } else {
        let items: String = page
            .errors
            .iter()
            .map(|(k, m)| {
                let target = if k == "speed" { "speed".to_owned() } else { format!("param-{k}") };
                let name = page.lesson.param(k).map_or(k.clone(), |s| format!("{k} ({})", s.label.get(lang)));
                format!(
                    r#"<li><button type="button" class="linkish" data-action="focus" data-target="{t}">{n}</button>: {m}</li>"#,
                    t = escape(&target),
                    n = escape(&name),
                    m = escape(m.get(lang))
                )
            })
            .collect();
        format!(r#"<p>{}</p><ul>{items}</ul>"#, escape(tr(i18n::FIX_TO_RUN)))
    };
    dom::set_html("param-errors", &list);
}

/// The text of a numeric parameter one step up or down (ArrowUp/ArrowDown), kept in range.
pub fn step_param(spec: &ParamSpec, text: &str, up: bool) -> Option<String> {
    let sign = if up { 1.0 } else { -1.0 };
    match spec.kind {
        ParamKind::Int { min, max, .. } => {
            let v = match spec.parse(text).unwrap_or_else(|_| spec.default_value()) {
                Value::Int(i) => i,
                _ => min,
            };
            Some((v + sign as i64).clamp(min, max).to_string())
        }
        ParamKind::Float { min, max, .. } | ParamKind::OptFloat { min, max, .. } => {
            let step = if max - min <= 10.0 {
                0.1
            } else if max - min <= 100.0 {
                1.0
            } else {
                10.0
            };
            let v = match spec.parse(text) {
                Ok(Value::Float(f)) => f + sign * step,
                Ok(Value::None) => min,
                _ => match spec.default_value() {
                    Value::Float(f) => f,
                    _ => min,
                },
            };
            let v = ((v / step).round() * step).clamp(min, max);
            let s = if step < 1.0 { format!("{v:.1}") } else { format!("{v}") };
            Some(if s.contains('.') || matches!(spec.kind, ParamKind::OptFloat { .. }) { s } else { format!("{s}.0") })
        }
        _ => None,
    }
}

/// What a parameter's mirror shows: the value as it stands in the code.
pub fn mirror_text(spec: &ParamSpec, text: &str) -> String {
    match spec.parse(text) {
        Ok(v) => v.to_text(),
        Err(_) => text.to_owned(),
    }
}

pub fn input_width(text: &str) -> usize {
    text.chars().count().clamp(2, 24) + 1
}
