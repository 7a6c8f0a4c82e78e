//! The objects panel: each primitive's state over the timeline's time window (who holds a
//! lock, a counter's value, a flag, who waits), drawn by `crate::timeline`.

use super::{canvas, Live};
use crate::dom::{self, escape};
use crate::i18n::{self, tr};
use crate::timeline::{self, Viewport};

pub fn html() -> String {
    format!(
        r#"<section class="panel objects-panel" aria-labelledby="objects-h">
  <h2 id="objects-h" class="panel-h">{objects_h}</h2>
  <p id="objects-empty" class="muted">{objects_empty}</p>
  <div class="canvas-wrap" id="objects-wrap" hidden>
    <canvas id="objects" tabindex="0" role="img" aria-label="{objects_label}" aria-describedby="objects-summary"></canvas>
    <div id="objects-tip" class="tip" role="tooltip" hidden></div>
  </div>
  <ul id="objects-summary" class="sr-only"></ul>
</section>"#,
        objects_h = escape(tr(i18n::OBJECTS)),
        objects_empty = escape(tr(i18n::OBJECTS_EMPTY)),
        objects_label = escape(tr(i18n::OBJECTS_LABEL)),
    )
}

/// Redraws the object rows (or shows the placeholder while there are none).
pub fn draw(live: Option<&Live>, vp: &Viewport, hover: Option<(f64, f64)>) {
    let has_objs = live.is_some_and(|l| !l.model.objects.is_empty());
    dom::set_hidden("objects-wrap", !has_objs);
    dom::set_hidden("objects-empty", has_objs);
    let (Some(live), Some(c)) = (live.filter(|_| has_objs), canvas("objects")) else { return };
    timeline::draw_objects(&c, &live.model, &live.view, vp, live.now(), live.running(), hover);
    let _ = c.set_attribute("data-objects", &live.model.objects.len().to_string());
}

/// The objects' last states as text (for screen readers, and the tests).
pub fn summary(live: Option<&Live>) {
    let Some(live) = live else { return dom::set_html("objects-summary", "") };
    let objs: String = live
        .model
        .objects
        .iter()
        .map(|o| {
            let last = o.steps.last().copied();
            let state =
                last.map_or(String::new(), |s| timeline::step_label(o, s.value, s.holder, s.waiting, &live.view));
            format!(
                r#"<li data-obj="{}">{}: {} (max {})</li>"#,
                o.obj,
                escape(&timeline::obj_title(o)),
                escape(&state),
                o.max_value
            )
        })
        .collect();
    dom::set_html("objects-summary", &objs);
}

/// What is under the pointer, as the tooltip's lines.
pub fn hit(live: &Live, vp: &Viewport, x: f64, y: f64) -> Option<Vec<String>> {
    let c = canvas("objects")?;
    timeline::hit_object(&c, &live.model, &live.view, vp, x, y)
}
