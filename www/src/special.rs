//! The page's own part of lessons that are about the page itself, as each lesson declares
//! it in its [`PageExtension`] (today `responsive-ui`: long work on the UI thread freezes
//! it). Its program runs in workers like every lesson's; the page adds what only it can
//! do: the extension's controls, work on its own thread (a busy loop, on purpose: that
//! freeze is the lesson), and what it measures of what a learner feels: the longest pause
//! of its event loop during the run and the delay of a click on a control.

use crate::dom::escape;
use crate::i18n::tr;
use parlab::lessons::{Lesson, Measurements, PageControl, Params};

/// The longest the page will freeze itself, whatever a lesson asks.
const MAX_PAGE_WORK_MS: f64 = 60_000.0;

fn controls(lesson: &Lesson) -> &'static [PageControl] {
    lesson.page.map_or(&[], |x| x.controls)
}

/// Extra controls of a lesson: a button and the text it shows, for each control its page
/// extension declares.
pub fn controls_html(lesson: &Lesson) -> String {
    controls(lesson)
        .iter()
        .map(|c| {
            format!(
                r#"<button type="button" class="btn" id="{id}" data-action="about" aria-expanded="false" aria-controls="{id}-box">{}</button><p id="{id}-box" class="about-box" hidden>{}</p>"#,
                escape(tr(c.label)),
                escape(tr(c.text)),
                id = escape(c.id),
            )
        })
        .collect()
}

/// Milliseconds of work the page must do on its own thread for this run, if any.
pub fn page_work_ms(lesson: &Lesson, params: &Params, speed: f64) -> Option<f64> {
    let ms = (lesson.page?.page_work_ms)(params, speed)?;
    Some(ms.min(MAX_PAGE_WORK_MS))
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
    if let Some(x) = lesson.page {
        (x.measurements)(params, &mut m);
    }
    m
}

/// Shows or hides the text of the control just clicked: the focused one (a click focuses
/// a button), else the first control on the page.
pub fn about_toggle() {
    let doc = crate::dom::document();
    let focused = doc.active_element().filter(|e| e.get_attribute("data-action").as_deref() == Some("about"));
    let Some(button) = focused.or_else(|| doc.query_selector(r#"[data-action="about"]"#).ok().flatten()) else {
        return;
    };
    let Some(id) = button.get_attribute("id") else { return };
    let box_id = format!("{id}-box");
    if let Some(b) = crate::dom::by_id(&box_id) {
        let open = b.has_attribute("hidden");
        crate::dom::set_hidden(&box_id, !open);
        crate::dom::set_attr(&id, "aria-expanded", if open { "true" } else { "false" });
    }
}
