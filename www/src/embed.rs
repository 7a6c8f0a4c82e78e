//! The embedding API: a course page that shows a lesson in an iframe drives it with
//! `postMessage` and reads its result (see www/EMBED.md).
//!
//! In: `{type:'parlab:set', params:{...}}`, `{type:'parlab:run'}`, `{type:'parlab:stop'}`.
//! Out: `parlab:ready`, `parlab:params`, `parlab:result`, `parlab:error`.

use crate::action::{Action, Source};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;

/// The window that embeds this page, if any.
pub fn host() -> Option<web_sys::Window> {
    let window = gloo::utils::window();
    let parent = window.parent().ok().flatten()?;
    let me: &JsValue = window.as_ref();
    let p: &JsValue = parent.as_ref();
    if js_sys::Object::is(me, p) {
        None
    } else {
        Some(parent)
    }
}

/// Sends `msg` to the embedding page (no-op when not embedded). The messages carry only
/// the lesson's public set-up and results, so any embedding origin may read them.
pub fn post(msg: &Value) {
    let Some(parent) = host() else { return };
    if let Ok(v) = js_sys::JSON::parse(&msg.to_string()) {
        let _ = parent.post_message(&v, "*");
    }
}

/// Decodes a message event into what it asks; only messages from the embedding window
/// are taken.
pub fn decode(e: &web_sys::MessageEvent) -> Option<Action> {
    let parent = host()?;
    let source = e.source()?;
    let p: &JsValue = parent.as_ref();
    if !js_sys::Object::is(&JsValue::from(source), p) {
        return None;
    }
    let text = js_sys::JSON::stringify(&e.data()).ok()?.as_string()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    match v.get("type")?.as_str()? {
        "parlab:set" => {
            let params = v.get("params").and_then(Value::as_object).cloned().unwrap_or_default();
            let pairs = params.into_iter().map(|(k, v)| (k, value_text(&v))).collect();
            Some(Action::SetParams { pairs, source: Source::Host })
        }
        "parlab:run" => Some(Action::Run),
        "parlab:stop" => Some(Action::Stop),
        _ => None,
    }
}

/// A JSON value as the text a learner would type.
fn value_text(v: &Value) -> String {
    match v {
        Value::Bool(b) => if *b { "on" } else { "off" }.to_owned(),
        Value::Null => "None".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `{type:'parlab:error', errors:[{param, ru, en}]}`.
pub fn error(errors: &[(String, parlab::lessons::Msg)]) -> Value {
    json!({
        "type": "parlab:error",
        "errors": errors.iter().map(|(k, m)| json!({ "param": k, "ru": m.ru, "en": m.en })).collect::<Vec<_>>(),
    })
}
