//! The page's own part of lessons that are about the page itself.
//!
//! `responsive-ui` shows that long work on the UI thread freezes it. Its program runs in
//! workers like every lesson; the page adds what only it can do: with `where = page` it
//! does the same work on its own thread (a busy loop, on purpose: that freeze is the
//! lesson), and it measures what a learner feels: the longest pause of its event loop
//! during the run and the delay of a click on "About".

use crate::dom::escape;
use crate::i18n::tr;
use parlab::lessons::{Lesson, Measurements, Params, Text, Value};

pub const RESPONSIVE_UI: &str = "responsive-ui";

const ABOUT: Text = Text { ru: "О программе", en: "About" };
const ABOUT_TEXT: Text = Text {
    ru: "Parlab — лаборатория параллелизма: уроки Python на настоящих потоках в браузере. Если это окно открылось не сразу, поток страницы был занят.",
    en: "Parlab, a parallelism lab: Python lessons on real threads in the browser. If this took a while to open, the page's thread was busy.",
};

/// Extra controls of a lesson (an "About" button for responsive-ui).
pub fn controls_html(lesson: &Lesson) -> String {
    if lesson.id != RESPONSIVE_UI {
        return String::new();
    }
    format!(
        r#"<button type="button" class="btn" id="about" data-action="about" aria-expanded="false" aria-controls="about-box">{}</button><p id="about-box" class="about-box" hidden>{}</p>"#,
        escape(tr(ABOUT)),
        escape(tr(ABOUT_TEXT))
    )
}

/// Milliseconds of work the page must do on its own thread for this run, if any.
pub fn page_work_ms(lesson: &Lesson, params: &Params, speed: f64) -> Option<f64> {
    if lesson.id != RESPONSIVE_UI || !on_page(params) {
        return None;
    }
    // Read defensively: a renamed parameter must not take the page down.
    let work = match params.0.get("work") {
        Some(Value::Float(f)) => *f,
        Some(Value::Int(i)) => *i as f64,
        _ => return None,
    };
    Some((work / speed.max(1e-9) * 1000.0).min(60_000.0))
}

fn on_page(params: &Params) -> bool {
    matches!(params.0.get("where"), Some(Value::Choice(w)) if w == "page")
}

/// Busy for `ms` on the page's thread: no event, no frame, no click gets through.
pub fn spin(ms: f64) {
    let perf = gloo::utils::window().performance();
    let Some(perf) = perf else { return };
    let end = perf.now() + ms;
    let mut x: u64 = 0;
    while perf.now() < end {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
    }
    std::hint::black_box(x);
}

/// What the page measured, as the lesson's insights read it.
pub fn measurements(
    lesson: &Lesson,
    params: &Params,
    max_gap_ms: f64,
    frames: u64,
    click_delay_ms: Option<f64>,
) -> Measurements {
    let mut m = Measurements::new();
    if frames > 0 {
        m.insert("frame_gap_max_ms".to_owned(), max_gap_ms);
        m.insert("frames".to_owned(), frames as f64);
    }
    if let Some(d) = click_delay_ms {
        m.insert("click_delay_ms".to_owned(), d);
    }
    if lesson.id == RESPONSIVE_UI {
        m.insert("where".to_owned(), if on_page(params) { 0.0 } else { 1.0 });
    }
    m
}

pub fn about_toggle() {
    if let Some(b) = crate::dom::by_id("about-box") {
        let open = b.has_attribute("hidden");
        crate::dom::set_hidden("about-box", !open);
        crate::dom::set_attr("about", "aria-expanded", if open { "true" } else { "false" });
    }
}
