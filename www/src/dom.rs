//! Small DOM helpers.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

pub fn document() -> Document {
    gloo::utils::document()
}

pub fn by_id(id: &str) -> Option<Element> {
    document().get_element_by_id(id)
}

pub fn html_by_id(id: &str) -> Option<HtmlElement> {
    by_id(id).and_then(|e| e.dyn_into().ok())
}

pub fn set_text(id: &str, text: &str) {
    if let Some(e) = by_id(id) {
        e.set_text_content(Some(text));
    }
}

pub fn set_html(id: &str, html: &str) {
    if let Some(e) = by_id(id) {
        e.set_inner_html(html);
    }
}

pub fn set_attr(id: &str, name: &str, value: &str) {
    if let Some(e) = by_id(id) {
        let _ = e.set_attribute(name, value);
    }
}

pub fn remove_attr(id: &str, name: &str) {
    if let Some(e) = by_id(id) {
        let _ = e.remove_attribute(name);
    }
}

pub fn set_disabled(id: &str, disabled: bool) {
    if let Some(e) = by_id(id) {
        if disabled {
            let _ = e.set_attribute("disabled", "");
        } else {
            let _ = e.remove_attribute("disabled");
        }
    }
}

pub fn set_hidden(id: &str, hidden: bool) {
    if let Some(e) = by_id(id) {
        if hidden {
            let _ = e.set_attribute("hidden", "");
        } else {
            let _ = e.remove_attribute("hidden");
        }
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Paragraphs (split on blank lines) with `code` spans for backquoted text.
pub fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let mut html = String::new();
            for (i, part) in p.trim().split('`').enumerate() {
                if i % 2 == 1 {
                    html.push_str(&format!("<code>{}</code>", escape(part)));
                } else {
                    html.push_str(&escape(part).replace('\n', "<br>"));
                }
            }
            format!("<p>{html}</p>")
        })
        .collect()
}

/// Starts a download of `text` as a file named `name`.
pub fn download(name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Ok(a) = document().create_element("a") {
        let a: web_sys::HtmlAnchorElement = a.unchecked_into();
        a.set_href(&url);
        a.set_download(name);
        let _ = a.set_attribute("hidden", "");
        if let Some(body) = document().body() {
            let _ = body.append_child(&a);
            a.click();
            let _ = body.remove_child(&a);
        }
    }
    // Revoke later: the download reads the blob asynchronously.
    gloo::timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
}

/// A CSS custom property of the root element.
pub fn css_var(style: &web_sys::CssStyleDeclaration, name: &str, fallback: &str) -> String {
    let v = style.get_property_value(name).unwrap_or_default();
    let v = v.trim();
    if v.is_empty() {
        fallback.to_owned()
    } else {
        v.to_owned()
    }
}

pub fn root_style() -> Option<web_sys::CssStyleDeclaration> {
    let root = document().document_element()?;
    gloo::utils::window().get_computed_style(&root).ok().flatten()
}

/// `("ThreadPoolExecutor-0", "_3")`: the last separator-led part with a digit in it, when
/// short; `(name, "")` otherwise.
pub fn split_suffix(name: &str) -> (&str, &str) {
    match name.rfind(['-', '_', ':']) {
        Some(i) if i > 0 && name.len() - i <= 6 && name[i..].chars().any(|c| c.is_ascii_digit()) => name.split_at(i),
        _ => (name, ""),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_distinguishing_suffix_is_kept_apart() {
        use super::split_suffix;
        assert_eq!(split_suffix("ThreadPoolExecutor-0_3"), ("ThreadPoolExecutor-0", "_3"));
        assert_eq!(split_suffix("consumer-12"), ("consumer", "-12"));
        assert_eq!(split_suffix("MainThread"), ("MainThread", ""));
        assert_eq!(split_suffix("Process-1:2"), ("Process-1", ":2"));
        assert_eq!(split_suffix("late-thread"), ("late-thread", ""));
    }
}
