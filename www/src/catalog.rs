//! The lesson catalog, grouped by the syllabus's sections; lessons not written yet are
//! simply absent.

use crate::dom::escape;
use crate::i18n::{self, tr};
use parlab::lessons::{self, Section};

/// The first sentence of a text, cut to about `max` characters.
fn blurb(text: &str, max: usize) -> String {
    let first = text.split("\n\n").next().unwrap_or("");
    let end = first.find(". ").map_or(first.len(), |i| i + 1);
    let s = first[..end].replace('`', "");
    let s = s.as_str();
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

pub fn html(unknown: Option<&str>) -> String {
    let lang = i18n::lang();
    let mut out = String::new();
    if let Some(id) = unknown {
        out.push_str(&format!(
            r#"<div id="unknown-lesson" class="notice-inline error" role="alert"><p><strong>{}</strong> {}</p></div>"#,
            escape(&tr(i18n::UNKNOWN_LESSON).replace("{id}", id)),
            escape(tr(i18n::UNKNOWN_LESSON_HINT))
        ));
    }
    out.push_str(&format!(
        r#"<section id="catalog" class="catalog" aria-labelledby="catalog-h"><h1 id="catalog-h" tabindex="-1">{}</h1><p class="intro">{}</p>"#,
        escape(tr(i18n::LESSONS)),
        escape(tr(i18n::CATALOG_INTRO))
    ));
    let all = lessons::all();
    if all.is_empty() {
        out.push_str(&format!(r#"<p class="muted">{}</p>"#, escape(tr(i18n::NO_LESSONS))));
    }
    for section in Section::ALL {
        let ls: Vec<_> = all.iter().filter(|l| l.section == section).collect();
        if ls.is_empty() {
            continue;
        }
        let sid = format!("section-{section:?}").to_lowercase();
        out.push_str(&format!(
            r#"<section class="cat-section" aria-labelledby="{sid}"><h2 id="{sid}">{}</h2><ul class="cards">"#,
            escape(section.title().get(lang))
        ));
        for l in ls {
            out.push_str(&format!(
                r#"<li><a class="card" href="?lesson={id}" data-nav data-lesson="{id}" data-ends="{ends}"><span class="card-title">{title}</span><span class="card-blurb">{blurb}</span><code class="card-id">{id}</code></a></li>"#,
                id = escape(l.id),
                title = escape(l.title.get(lang)),
                blurb = escape(&blurb(l.explanation.get(lang), 150)),
                // How a run with the defaults ends, as the lesson declares it (for tests).
                ends = (l.expect.ends)(&l.defaults()).name(),
            ));
        }
        out.push_str("</ul></section>");
    }
    out.push_str("</section>");
    out
}
