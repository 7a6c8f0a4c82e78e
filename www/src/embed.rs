//! The embedding API: a course page that shows a lesson in an iframe drives it with
//! `postMessage` and reads its result (see www/EMBED.md).
//!
//! In: `{type:'parlab:set', params:{...}}`, `{type:'parlab:run'}`, `{type:'parlab:stop'}`.
//! Out: `parlab:ready`, `parlab:params`, `parlab:result`, `parlab:error`, `parlab:size`.

use crate::action::{Action, Source};
use parlab::lessons::Msg;
use parlab::msg;
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

/// What a message from the embedding window asks: an action, or a refusal to answer with
/// `parlab:error` (a `parlab:` message of an unknown type, or a `parlab:set` whose
/// `params` is not an object of plain values). `None`: not for us (another window's, or a
/// message of some other protocol, which a course page may well use beside ours).
pub fn decode(e: &web_sys::MessageEvent) -> Option<Result<Action, Msg>> {
    let parent = host()?;
    let source = e.source()?;
    let p: &JsValue = parent.as_ref();
    if !js_sys::Object::is(&JsValue::from(source), p) {
        return None;
    }
    let text = js_sys::JSON::stringify(&e.data()).ok()?.as_string()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    Some(parse(&v)?)
}

/// [`decode`]'s reading of a message's JSON, apart so that it is tested natively.
pub fn parse(v: &Value) -> Option<Result<Action, Msg>> {
    let kind = v.get("type")?.as_str()?;
    let kind = kind.strip_prefix("parlab:")?;
    Some(match kind {
        "set" => set_pairs(v.get("params")).map(|pairs| Action::SetParams { pairs, source: Source::Host }),
        "run" => Ok(Action::Run),
        "stop" => Ok(Action::Stop),
        other => Err(msg!(
            ru: "Неизвестное сообщение «parlab:{other}»: урок понимает parlab:set, parlab:run и parlab:stop.",
            en: "Unknown message 'parlab:{other}': a lesson takes parlab:set, parlab:run and parlab:stop.",
        )),
    })
}

/// `params` of a `parlab:set`: an object whose values are numbers, booleans, strings or
/// `null`; anything else is refused whole, so that nothing is half-applied.
fn set_pairs(params: Option<&Value>) -> Result<Vec<(String, String)>, Msg> {
    let Some(Value::Object(map)) = params else {
        return Err(Msg::new(
            "В parlab:set нужно поле params: объект вида {threads: 50, lock: true}.",
            "parlab:set needs params: an object such as {threads: 50, lock: true}.",
        ));
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::Array(_) | Value::Object(_) => Err(msg!(
                ru: "Значение «{k}» в parlab:set должно быть числом, строкой, true/false или null.",
                en: "The value of '{k}' in parlab:set must be a number, a string, true/false or null.",
            )),
            v => Ok((k.clone(), value_text(v))),
        })
        .collect()
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

/// `{type:'parlab:size', width, height}`: the page's full size in CSS pixels, sent to the
/// host whenever it changes, so that the host can fit its iframe to the lesson.
pub fn size(width: f64, height: f64) -> Value {
    json!({ "type": "parlab:size", "width": width.ceil(), "height": height.ceil() })
}

/// `{type:'parlab:error', errors:[{param, ru, en}]}`.
pub fn error(errors: &[(String, parlab::lessons::Msg)]) -> Value {
    json!({
        "type": "parlab:error",
        "errors": errors.iter().map(|(k, m)| json!({ "param": k, "ru": m.ru, "en": m.en })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::action::{Action, Source};
    use serde_json::json;

    #[test]
    fn set_takes_plain_values_as_a_learner_would_type_them() {
        let got = parse(&json!({"type": "parlab:set", "params": {"threads": 50, "lock": true, "limit": null}}));
        let Some(Ok(Action::SetParams { mut pairs, source: Source::Host })) = got else { panic!("{got:?}") };
        pairs.sort();
        let want = [("limit", "None"), ("lock", "on"), ("threads", "50")].map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(pairs, want);
    }

    #[test]
    fn malformed_sets_and_unknown_types_are_refused_other_protocols_ignored() {
        for bad in [
            json!({"type": "parlab:set"}),
            json!({"type": "parlab:set", "params": [1, 2]}),
            json!({"type": "parlab:set", "params": {"threads": [50]}}),
            json!({"type": "parlab:go"}),
        ] {
            let got = parse(&bad);
            assert!(matches!(got, Some(Err(_))), "{bad} must be refused, got {got:?}");
        }
        let got = parse(&json!({"type": "parlab:set", "params": {"threads": {"n": 1}}}));
        let Some(Err(why)) = got else { panic!() };
        assert!(why.en.contains("'threads'") && why.ru.contains("«threads»"), "{why:?}");
        for other in [json!({"type": "resize"}), json!({"kind": "parlab:run"}), json!(7), json!({"type": 3})] {
            assert_eq!(parse(&other), None, "{other} is not ours");
        }
        assert_eq!(parse(&json!({"type": "parlab:run"})), Some(Ok(Action::Run)));
    }
}
