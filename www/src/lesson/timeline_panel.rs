//! The timeline panel: one lane per thread (under a header per process when there are
//! several), its states over lesson time, hand-off arrows, zoom and pan. The canvas drawing
//! and hit-testing are `crate::timeline`'s; this is the panel around them.

use super::{canvas, Live};
use crate::dom::{self, escape};
use crate::i18n::{self, tr};
use crate::timeline::{self, Viewport};

pub fn html() -> String {
    format!(
        r#"<section class="panel timeline-panel" aria-labelledby="timeline-h">
  <div class="panel-head"><h2 id="timeline-h" class="panel-h">{timeline_h}</h2>
    <div class="tools" role="group" aria-label="{timeline_h}">
      <button type="button" class="btn small" data-action="zoom-in" aria-label="{zoom_in}" title="{zoom_in}">+</button>
      <button type="button" class="btn small" data-action="zoom-out" aria-label="{zoom_out}" title="{zoom_out}">−</button>
      <button type="button" class="btn small" data-action="fit" title="{fit}">{fit}</button>
    </div></div>
  <ul class="legend" aria-hidden="true">
    <li><i class="sw running"></i>{leg_running}</li><li><i class="sw sleeping"></i>{leg_sleeping}</li><li><i class="sw blocked"></i>{leg_blocked}</li><li><i class="sw finished"></i>{leg_finished}</li><li><i class="sw arrow"></i>{leg_handoff}</li><li><i class="sw now"></i>{leg_now}</li>
  </ul>
  <p id="timeline-empty" class="muted">{timeline_empty}</p>
  <div class="canvas-wrap" id="timeline-wrap" hidden>
    <canvas id="timeline" tabindex="0" role="img" aria-label="{timeline_label}" aria-describedby="timeline-help timeline-summary"></canvas>
    <div id="timeline-tip" class="tip" role="tooltip" hidden></div>
  </div>
  <p id="timeline-help" class="muted small">{timeline_help}</p>
  <ul id="timeline-summary" class="sr-only"></ul>
</section>"#,
        timeline_h = escape(tr(i18n::TIMELINE)),
        zoom_in = escape(tr(i18n::ZOOM_IN)),
        zoom_out = escape(tr(i18n::ZOOM_OUT)),
        fit = escape(tr(i18n::FIT)),
        leg_running = escape(tr(i18n::LEG_RUNNING)),
        leg_sleeping = escape(tr(i18n::LEG_SLEEPING)),
        leg_blocked = escape(tr(i18n::LEG_BLOCKED)),
        leg_finished = escape(tr(i18n::LEG_FINISHED)),
        leg_handoff = escape(tr(i18n::LEG_HANDOFF)),
        leg_now = escape(tr(i18n::LEG_NOW)),
        timeline_empty = escape(tr(i18n::TIMELINE_EMPTY)),
        timeline_label = escape(tr(i18n::TIMELINE_LABEL)),
        timeline_help = escape(tr(i18n::TIMELINE_HELP)),
    )
}

/// Redraws the lanes (or shows the placeholder before a run has any).
pub fn draw(live: Option<&Live>, vp: &Viewport, hover: Option<(f64, f64)>) {
    let has_lanes = live.is_some_and(|l| !l.model.lanes.is_empty());
    dom::set_hidden("timeline-wrap", !has_lanes);
    dom::set_hidden("timeline-empty", has_lanes);
    let (Some(live), Some(c)) = (live.filter(|_| has_lanes), canvas("timeline")) else { return };
    let m = &live.model;
    timeline::draw_threads(&c, m, &live.view, vp, live.now(), live.running(), hover);
    let _ = c.set_attribute("data-lanes", &m.lanes.len().to_string());
    let _ = c.set_attribute("data-arrows", &m.arrows.len().to_string());
    let _ = c.set_attribute("data-events", &m.events.to_string());
    let _ = c.set_attribute("data-view", &format!("{:.6},{:.6}", vp.t0, vp.t1));
    let _ = c.set_attribute("data-mark", &vp.mark.map_or(String::new(), |m| format!("{m:.6}")));
}

/// The lanes as text (for screen readers, and the tests).
pub fn summary(live: Option<&Live>) {
    let Some(live) = live else { return dom::set_html("timeline-summary", "") };
    let m = &live.model;
    let lanes: String = m
        .lanes
        .iter()
        .map(|l| {
            format!(
                r#"<li data-actor="{}.{}">{}: {}</li>"#,
                l.actor.pid,
                l.actor.tid,
                escape(&l.name),
                escape(&timeline::lane_summary(l, &live.view, m.end_t))
            )
        })
        .collect();
    // Each child process that ended, with its exit code (a run of several processes).
    let exits: String = m
        .processes()
        .filter_map(|p| p.exit.map(|(_, code)| (p.pid, code)))
        .map(|(pid, code)| {
            format!(
                r#"<li data-process="{pid}" data-exitcode="{code}">{}: {}</li>"#,
                escape(&timeline::process_title(&live.view, pid)),
                escape(&timeline::exit_label(code))
            )
        })
        .collect();
    dom::set_html("timeline-summary", &(lanes + &exits));
}

/// What is under the pointer, as the tooltip's lines.
pub fn hit(live: &Live, vp: &Viewport, x: f64, y: f64) -> Option<Vec<String>> {
    let c = canvas("timeline")?;
    timeline::hit_thread(&c, &live.model, &live.view, vp, live.now(), live.running(), x, y)
}
