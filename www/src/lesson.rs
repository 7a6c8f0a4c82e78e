//! One lesson's page: the listing with its parameters as inputs, Run/Stop and speed, the
//! run's status, console, timeline, objects, insights and explanation.
//!
//! The page never waits: a run is started with `browser::start` (which returns at once),
//! its trace is read from shared memory on every frame, and `browser::tick` drives its
//! watchdog and Stop from a timer.

use crate::dom::{self, escape};
use crate::i18n::{self, tr};
use crate::timeline::{self, Viewport};
use crate::urlstate;
use parlab::analysis::{Model, TraceView};
use parlab::lessons::{Insight, Lang, Lesson, Msg, ParamKind, Params};
use parlab::runtime::{browser, Run, RunConfig};
use parlab::trace::EndState;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const SPEED_MIN: f64 = 0.01;
pub const SPEED_MAX: f64 = 1000.0;
/// The speeds the −/+ buttons step through.
pub const SPEED_STEPS: [f64; 16] =
    [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0];
/// Console lines kept in the page at once; the rest are in the download.
const MAX_DOM_LINES: usize = 2000;

pub fn parse_speed(s: &str) -> Option<f64> {
    let v: f64 = s.trim().replace(',', ".").parse().ok()?;
    (v.is_finite() && (SPEED_MIN..=SPEED_MAX).contains(&v)).then_some(v)
}

pub fn speed_text(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// How a run ended, with everything the page says about it.
pub struct Outcome {
    pub state: EndState,
    pub reason: String,
    pub insights: Vec<Insight>,
    pub duration: f64,
}

/// A run on screen: the run itself, its decoded trace and what the page derived from it.
pub struct Live {
    pub run: Arc<Run>,
    cursor: usize,
    pub view: TraceView,
    pub model: Model,
    pub params: Params,
    pub speed: f64,
    pub stop_requested: bool,
    pub outcome: Option<Outcome>,
    /// Console lines already in the page.
    console_shown: usize,
    last_frame: Option<f64>,
    last_tick: Option<f64>,
    /// The longest pause of the page's event loop during the run (frames and timer).
    max_frame_gap: f64,
    frames: u64,
    /// The longest delay of a click on "About" during the run.
    pub click_delay: Option<f64>,
    /// When the run started and ended, on the page's clock (ms).
    pub started_ms: f64,
    pub ended_ms: Option<f64>,
}

impl Live {
    /// Lesson time now (the cursor), or at the end.
    pub fn now(&self) -> f64 {
        if self.outcome.is_some() || self.run.is_done() {
            return self.model.end_t;
        }
        let ns = parlab::clock::now_ns().saturating_sub(self.run.trace.start_ns());
        self.run.lesson_secs(ns).max(self.model.end_t)
    }

    pub fn running(&self) -> bool {
        self.outcome.is_none()
    }

    /// Reads what the run's threads recorded since the last call. Returns whether there
    /// was anything new.
    pub fn poll(&mut self) -> bool {
        let mut new = Vec::new();
        self.cursor = self.run.trace.read(self.cursor, &mut new);
        if new.is_empty() {
            return false;
        }
        self.view.extend(&self.run.trace, new);
        self.model.update(&self.view);
        true
    }
}

pub struct LessonPage {
    pub lesson: &'static Lesson,
    /// What stands in each parameter's input, as typed.
    pub texts: BTreeMap<&'static str, String>,
    pub speed: String,
    /// Refusals by parameter key ("speed" for the speed).
    pub errors: BTreeMap<String, Msg>,
    /// URL keys this lesson does not know.
    pub ignored: Vec<String>,
    pub live: Option<Live>,
    pub vp: Viewport,
    pub hover_tl: Option<(f64, f64)>,
    pub hover_obj: Option<(f64, f64)>,
    pub drag: Option<(f64, f64)>,
}

impl LessonPage {
    /// A page for `lesson` with parameter texts from the URL (refused ones kept as typed).
    pub fn new(lesson: &'static Lesson, pairs: &[(String, String)], speed: Option<&str>) -> LessonPage {
        let mut texts: BTreeMap<&'static str, String> =
            lesson.params.iter().map(|p| (p.key, p.default_value().to_text())).collect();
        let mut ignored = Vec::new();
        for (k, v) in pairs {
            match lesson.param(k) {
                Some(spec) => {
                    texts.insert(spec.key, v.clone());
                }
                None => ignored.push(k.clone()),
            }
        }
        let mut page = LessonPage {
            lesson,
            texts,
            speed: speed.map_or_else(|| speed_text(lesson.default_speed), str::to_owned),
            errors: BTreeMap::new(),
            ignored,
            live: None,
            vp: Viewport::default(),
            hover_tl: None,
            hover_obj: None,
            drag: None,
        };
        let _ = page.validate();
        page
    }

    /// Checks every value (each one's range, then the lesson's cross-checks).
    pub fn validate(&mut self) -> Result<Params, ()> {
        self.errors.clear();
        let pairs: Vec<(&str, &str)> = self.texts.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let result = self.lesson.parse_params(pairs);
        if parse_speed(&self.speed).is_none() {
            self.errors.insert("speed".to_owned(), Msg::new(i18n::SPEED_ERROR.ru, i18n::SPEED_ERROR.en));
        }
        match result {
            Ok(p) if self.errors.is_empty() => Ok(p),
            Ok(_) => Err(()),
            Err(errs) => {
                for (k, m) in errs {
                    self.errors.entry(k).or_insert(m);
                }
                Err(())
            }
        }
    }

    pub fn error_list(&self) -> Vec<(String, Msg)> {
        self.errors.iter().map(|(k, m)| (k.clone(), m.clone())).collect()
    }

    pub fn running(&self) -> bool {
        self.live.as_ref().is_some_and(|l| l.running())
    }

    pub fn query(&self, embed: bool, lang: Option<&str>) -> String {
        let texts: Vec<(&str, &str)> = self.texts.iter().map(|(k, v)| (*k, v.as_str())).collect();
        urlstate::lesson_query(self.lesson, &texts, &self.speed, embed, lang)
    }

    /// Current parameter texts as JSON (for the embed API).
    pub fn params_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.texts {
            m.insert((*k).to_owned(), json!(v));
        }
        m.insert("speed".to_owned(), json!(self.speed));
        serde_json::Value::Object(m)
    }

    // ------------------------------------------------------------------ running

    /// Starts a run with the current values. Never blocks.
    pub fn start(&mut self) -> Result<(), Vec<(String, Msg)>> {
        if self.running() {
            return Err(vec![(String::new(), Msg::new(i18n::ERROR_RUNNING.ru, i18n::ERROR_RUNNING.en))]);
        }
        let Ok(params) = self.validate() else { return Err(self.error_list()) };
        let speed = parse_speed(&self.speed).unwrap_or(self.lesson.default_speed);
        let lesson = self.lesson;
        let p = params.clone();
        let cfg = RunConfig { speed, trace_capacity: parlab::trace::DEFAULT_CAPACITY, ..RunConfig::default() };
        // Workers for every thread the run will start are booted first, so that no thread
        // starts late.
        let threads = (lesson.threads)(&params) as u32;
        let run = browser::start_with_threads(&cfg, threads, move || (lesson.run)(&p));
        self.live = Some(Live {
            run,
            cursor: 0,
            view: TraceView { speed, ..Default::default() },
            model: Model::default(),
            params,
            speed,
            stop_requested: false,
            outcome: None,
            console_shown: 0,
            last_frame: None,
            last_tick: None,
            max_frame_gap: 0.0,
            frames: 0,
            click_delay: None,
            started_ms: gloo::utils::window().performance().map_or(0.0, |p| p.now()),
            ended_ms: None,
        });
        self.vp = Viewport::default();
        self.hover_tl = None;
        self.hover_obj = None;
        Ok(())
    }

    /// A click on "About" made at `event_ms` and handled at `now_ms` (page clock). Counts
    /// when it was made during the run, even if handled after it ended (the page may have
    /// been frozen); then the findings are computed again.
    pub fn about_click(&mut self, event_ms: f64, now_ms: f64) {
        let lesson = self.lesson;
        let Some(live) = &mut self.live else { return };
        if event_ms < live.started_ms || live.ended_ms.is_some_and(|end| event_ms > end) {
            return;
        }
        live.click_delay = Some(live.click_delay.unwrap_or(0.0).max(now_ms - event_ms));
        if live.outcome.is_some() {
            let m =
                crate::special::measurements(lesson, &live.params, live.max_frame_gap, live.frames, live.click_delay);
            let insights = (lesson.insights)(&live.view, &live.params, &m);
            if let Some(o) = &mut live.outcome {
                o.insights = insights;
            }
            self.show_insights();
        }
    }

    pub fn stop(&mut self) {
        if let Some(live) = &mut self.live {
            if live.running() {
                live.run.stop();
                live.stop_requested = true;
            }
        }
    }

    /// The timer's share: drives the run's watchdog and Stop, reads new events, and
    /// settles the outcome once the run is done. Returns true when the run just ended.
    pub fn tick(&mut self) -> bool {
        let Some(live) = &mut self.live else { return false };
        if !live.running() {
            return false;
        }
        let now_ms = gloo::utils::window().performance().map_or(0.0, |p| p.now());
        let gap = live.last_tick.map_or(0.0, |prev| now_ms - prev);
        if live.last_tick.is_some() {
            live.max_frame_gap = live.max_frame_gap.max(gap);
            live.frames += 1;
        }
        live.last_tick = Some(now_ms);
        browser::tick(&live.run);
        live.poll();
        // Right after a freeze of the page, let the input it queued (a click) be handled
        // before the run's measurements are closed.
        if !live.run.is_done() || gap > 150.0 {
            return false;
        }
        live.poll();
        let Some((state, reason)) = live.view.end() else { return false };
        live.ended_ms = Some(now_ms);
        let m =
            crate::special::measurements(self.lesson, &live.params, live.max_frame_gap, live.frames, live.click_delay);
        let insights = (self.lesson.insights)(&live.view, &live.params, &m);
        live.outcome = Some(Outcome { state, reason, insights, duration: live.model.end_t });
        if self.vp.follow {
            self.vp.fit(live.model.end_t);
        }
        true
    }

    /// What the embedding page gets when a run ends.
    pub fn result_json(&self) -> Option<serde_json::Value> {
        let live = self.live.as_ref()?;
        let o = live.outcome.as_ref()?;
        Some(json!({
            "type": "parlab:result",
            "lesson": self.lesson.id,
            "state": state_key(o.state),
            "reason": reason_msg(live, o),
            "duration": o.duration,
            "params": self.params_json(),
            "insights": o.insights.iter().map(|i| json!({
                "id": i.id,
                "observed": i.observed,
                "title": { "ru": i.title.ru, "en": i.title.en },
                "detail": { "ru": i.detail.ru, "en": i.detail.en },
            })).collect::<Vec<_>>(),
            "console": live.model.plain_text(),
        }))
    }

    // ------------------------------------------------------------------ rendering

    /// The page's HTML for the language in force; dynamic parts are filled by [`fill`].
    pub fn html(&self, embed: bool) -> String {
        let l = self.lesson;
        let lang = i18n::lang();
        let section = l.section.title().get(lang);
        let crumbs = if embed {
            String::new()
        } else {
            format!(
                r#"<nav class="crumbs" aria-label="breadcrumbs"><a href="./" data-nav>← {}</a> <span aria-hidden="true">·</span> <span>{}</span></nav>"#,
                escape(tr(i18n::BACK)),
                escape(section)
            )
        };
        let ignored = if self.ignored.is_empty() {
            String::new()
        } else {
            format!(
                r#"<p class="notice-inline" id="link-ignored" role="note">{}{}</p>"#,
                escape(tr(i18n::LINK_IGNORED)),
                escape(&self.ignored.join(", "))
            )
        };
        let run_title = format!("{} (Ctrl+Enter)", tr(i18n::RUN));
        let stop_title = format!("{} (Esc)", tr(i18n::STOP));
        format!(
            r##"<article class="lesson{embed_class}" data-lesson="{id}">
{crumbs}
<h1 id="lesson-title" tabindex="-1">{title}</h1>
{ignored}
<section class="panel code-panel" aria-labelledby="listing-h">
  <h2 id="listing-h" class="panel-h">{listing_h} <span class="id-tag">{id}</span></h2>
  <p class="hint">{hint}</p>
  <pre class="listing" id="listing"><code>{code}</code></pre>
  <div id="param-errors" class="param-errors" role="status" aria-live="polite"></div>
  <div class="controls">
    <button type="button" id="run" class="btn primary" data-action="run" title="{run_title}"><span aria-hidden="true">▶</span> {run}</button>
    <button type="button" id="stop" class="btn" data-action="stop" title="{stop_title}" disabled><span aria-hidden="true">■</span> <span id="stop-label">{stop}</span></button>
    <div class="speed" role="group" aria-labelledby="speed-label">
      <label id="speed-label" for="speed">{speed_l}</label>
      <button type="button" class="btn small" data-action="slower" aria-label="{slower}" title="{slower}">−</button>
      <input id="speed" class="speed-input" type="text" inputmode="decimal" autocomplete="off" spellcheck="false" value="{speed}" aria-describedby="speed-hint speed-msg" title="{speed_help}">
      <button type="button" class="btn small" data-action="faster" aria-label="{faster}" title="{faster}">+</button>
      <span id="speed-hint" class="muted">× {speed_hint}</span>
      <span id="speed-msg" class="param-msg" hidden></span>
    </div>
    <button type="button" class="btn link" data-action="copy-link" id="copy-link">{copy}</button>
    {special}
  </div>
  <div id="status" class="status" data-state="idle">
    <div class="status-line"><span id="status-icon" class="status-icon" aria-hidden="true">○</span> <strong id="status-text">{idle}</strong> <span id="status-meta" class="muted"></span></div>
    <progress id="progress" class="progress" hidden aria-label="{running}"></progress>
    <div id="end-state" class="end-state" hidden></div>
  </div>
  <div id="announce" class="sr-only" aria-live="polite"></div>
</section>
<section class="panel console-panel" aria-labelledby="console-h">
  <div class="panel-head"><h2 id="console-h" class="panel-h">{console_h}</h2>
    <div class="tools" role="group" aria-label="{export}">
      <button type="button" class="btn small" id="export-console" data-action="export-console" disabled>⤓ {export_console}</button>
      <button type="button" class="btn small" id="export-trace" data-action="export-trace" disabled>⤓ {export_trace}</button>
    </div></div>
  <p id="console-hidden" class="muted small" hidden></p>
  <ol id="console" class="console" role="log" aria-labelledby="console-h" tabindex="0"><li class="placeholder">{console_empty}</li></ol>
</section>
<section class="panel timeline-panel" aria-labelledby="timeline-h">
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
</section>
<section class="panel objects-panel" aria-labelledby="objects-h">
  <h2 id="objects-h" class="panel-h">{objects_h}</h2>
  <p id="objects-empty" class="muted">{objects_empty}</p>
  <div class="canvas-wrap" id="objects-wrap" hidden>
    <canvas id="objects" tabindex="0" role="img" aria-label="{objects_label}" aria-describedby="objects-summary"></canvas>
    <div id="objects-tip" class="tip" role="tooltip" hidden></div>
  </div>
  <ul id="objects-summary" class="sr-only"></ul>
</section>
<section class="panel insights-panel" aria-labelledby="insights-h">
  <h2 id="insights-h" class="panel-h">{insights_h}</h2>
  <ul id="insights" class="insights"><li class="placeholder muted">{insights_empty}</li></ul>
</section>
<section class="panel explain-panel" aria-labelledby="explain-h">
  {explain_open}<h2 id="explain-h" class="panel-h">{explain_h}</h2>{explain_mid}
  <div class="explanation">{explanation}</div>{explain_close}
</section>
</article>"##,
            embed_class = if embed { " embed" } else { "" },
            special = crate::special::controls_html(l),
            id = escape(l.id),
            title = escape(l.title.get(lang)),
            listing_h = escape(tr(i18n::LISTING)),
            hint = escape(tr(i18n::PARAMS_IN_CODE)),
            code = self.listing_html(),
            run = escape(tr(i18n::RUN)),
            stop = escape(tr(i18n::STOP)),
            speed_l = escape(tr(i18n::SPEED)),
            slower = escape(tr(i18n::SLOWER)),
            faster = escape(tr(i18n::FASTER)),
            speed = escape(&self.speed),
            speed_hint = escape(tr(i18n::SPEED_HINT)),
            speed_help = escape(tr(i18n::SPEED_HELP)),
            copy = escape(tr(i18n::COPY_LINK)),
            idle = escape(tr(i18n::STATUS_IDLE)),
            running = escape(tr(i18n::STATUS_RUNNING)),
            console_h = escape(tr(i18n::CONSOLE)),
            export = escape(tr(i18n::EXPORT)),
            export_console = escape(tr(i18n::EXPORT_CONSOLE)),
            export_trace = escape(tr(i18n::EXPORT_TRACE)),
            console_empty = escape(tr(i18n::CONSOLE_EMPTY)),
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
            objects_h = escape(tr(i18n::OBJECTS)),
            objects_empty = escape(tr(i18n::OBJECTS_EMPTY)),
            objects_label = escape(tr(i18n::OBJECTS_LABEL)),
            insights_h = escape(tr(i18n::INSIGHTS)),
            insights_empty = escape(tr(i18n::INSIGHTS_EMPTY)),
            explain_h = escape(tr(i18n::EXPLANATION)),
            explain_open = if embed { "<details><summary>" } else { "" },
            explain_mid = if embed { "</summary>" } else { "" },
            explain_close = if embed { "</details>" } else { "" },
            explanation = dom::paragraphs(l.explanation.get(lang)),
        )
    }

    /// The listing, highlighted, with an input in each parameter's slot.
    pub fn listing_html(&self) -> String {
        let lang = i18n::lang();
        let mut seen: Vec<&str> = Vec::new();
        crate::highlight::to_html(self.lesson.listing, |key| {
            let Some(spec) = self.lesson.param(key) else { return format!("{{{{{}}}}}", escape(key)) };
            let text = self.texts.get(spec.key).cloned().unwrap_or_default();
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
                    let on = spec.parse(&text).map_or(default, |v| v == parlab::lessons::Value::Bool(true));
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
                        opts.push_str(&format!(
                            r#"<option value="{t}" selected disabled>{t}</option>"#,
                            t = escape(&text)
                        ));
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

    /// Fills the dynamic parts after [`html`] went in: refusals, buttons, console, status,
    /// insights and canvases.
    pub fn fill(&mut self, pool_ready: bool) {
        self.show_errors();
        if let Some(live) = &mut self.live {
            live.console_shown = 0;
        }
        self.console_append(true);
        self.update_status(pool_ready);
        self.show_insights();
        self.summaries();
        self.draw();
    }

    /// Shows each refusal beside its input, lists them by the Run button, sets Run.
    pub fn show_errors(&self) {
        let lang = i18n::lang();
        if let Ok(mirrors) = dom::document().query_selector_all(".slot-mirror") {
            for i in 0..mirrors.length() {
                let Some(m) = mirrors.item(i).and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
                else {
                    continue;
                };
                let key = m.get_attribute("data-mirror").unwrap_or_default();
                if let (Some(spec), Some(text)) = (self.lesson.param(&key), self.texts.get(key.as_str())) {
                    m.set_text_content(Some(&mirror_text(spec, text)));
                }
            }
        }
        for spec in self.lesson.params {
            let id = format!("param-{}", spec.key);
            let msg_id = format!("{id}-msg");
            match self.errors.get(spec.key) {
                Some(m) => {
                    dom::set_text(&msg_id, m.get(lang));
                    dom::set_hidden(&msg_id, false);
                    dom::set_attr(&id, "aria-invalid", "true");
                    remove_attr(&id, "aria-valuenow");
                }
                None => {
                    dom::set_text(&msg_id, "");
                    dom::set_hidden(&msg_id, true);
                    dom::set_attr(&id, "aria-invalid", "false");
                    if let Some(v) = self.texts.get(spec.key).and_then(|t| spec.parse(t).ok()) {
                        match v {
                            parlab::lessons::Value::Int(i) => dom::set_attr(&id, "aria-valuenow", &i.to_string()),
                            parlab::lessons::Value::Float(f) => dom::set_attr(&id, "aria-valuenow", &f.to_string()),
                            _ => remove_attr(&id, "aria-valuenow"),
                        }
                    }
                }
            }
        }
        match self.errors.get("speed") {
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
        let list = if self.errors.is_empty() {
            String::new()
        } else {
            let items: String = self
                .errors
                .iter()
                .map(|(k, m)| {
                    let target = if k == "speed" { "speed".to_owned() } else { format!("param-{k}") };
                    let name = self.lesson.param(k).map_or(k.clone(), |s| format!("{k} ({})", s.label.get(lang)));
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

    pub fn update_buttons(&self, pool_ready: bool) {
        let running = self.running();
        dom::set_disabled("run", running || !self.errors.is_empty() || !pool_ready);
        let stopping = self.live.as_ref().is_some_and(|l| l.stop_requested && l.running());
        // Stop stays enabled while the run winds down: disabling the focused button would
        // drop keyboard focus on the floor (a second press is harmless).
        dom::set_disabled("stop", !running);
        dom::set_text("stop-label", tr(if stopping { i18n::STOPPING } else { i18n::STOP }));
        let has_run = self.live.as_ref().is_some_and(|l| l.model.events > 0);
        dom::set_disabled("export-trace", !has_run);
        dom::set_disabled("export-console", !has_run);
    }

    /// The status line, progress and end state.
    pub fn update_status(&self, pool_ready: bool) {
        self.update_buttons(pool_ready);
        let Some(live) = &self.live else {
            let (state, text) =
                if pool_ready { ("idle", tr(i18n::STATUS_IDLE)) } else { ("preparing", tr(i18n::PREPARING)) };
            dom::set_attr("status", "data-state", state);
            dom::set_text("status-text", text);
            dom::set_text("status-icon", "○");
            dom::set_text("status-meta", "");
            dom::set_hidden("progress", true);
            dom::set_hidden("end-state", true);
            remove_attr("end-state", "data-state");
            return;
        };
        let meta = format!(
            "{} {} · {} · {} · ×{}",
            tr(i18n::LESSON_TIME),
            i18n::secs(live.now()),
            i18n::counted(live.model.lanes.len() as u64, i18n::THREADS_RU, i18n::THREADS_EN),
            i18n::counted(live.model.events as u64, i18n::EVENTS_RU, i18n::EVENTS_EN),
            i18n::num(live.speed)
        );
        dom::set_text("status-meta", &meta);
        match &live.outcome {
            None => {
                let stopping = live.stop_requested;
                dom::set_attr("status", "data-state", if stopping { "stopping" } else { "running" });
                dom::set_text("status-text", tr(if stopping { i18n::STOPPING } else { i18n::STATUS_RUNNING }));
                dom::set_text("status-icon", "◐");
                dom::set_hidden("progress", false);
                dom::set_hidden("end-state", true);
                remove_attr("end-state", "data-state");
            }
            Some(o) => {
                let key = state_key(o.state);
                dom::set_attr("status", "data-state", key);
                dom::set_text("status-text", tr(state_text(o.state)));
                dom::set_text(
                    "status-icon",
                    match o.state {
                        EndState::Finished => "✓",
                        EndState::Stopped => "■",
                        EndState::Deadlocked => "⊘",
                        EndState::Failed => "✗",
                    },
                );
                dom::set_hidden("progress", true);
                dom::set_attr("end-state", "data-state", key);
                dom::set_html("end-state", &end_html(live, o));
                dom::set_hidden("end-state", false);
            }
        }
        let dropped = live.view.dropped;
        if dropped > 0 {
            dom::set_text("status-meta", &format!("{meta} · {}{}", tr(i18n::DROPPED), i18n::count(dropped)));
        }
    }

    /// Adds the console lines not yet in the page (or refills it).
    pub fn console_append(&mut self, refill: bool) {
        let Some(live) = &mut self.live else { return };
        let Some(list) = dom::by_id("console") else { return };
        let total = live.model.lines.len();
        if refill {
            list.set_inner_html("");
            live.console_shown = 0;
        }
        if total == live.console_shown {
            if total == 0 && refill {
                let msg = escape(tr(i18n::CONSOLE_EMPTY));
                list.set_inner_html(&format!(r#"<li class="placeholder">{msg}</li>"#));
            }
            return;
        }
        if live.console_shown == 0 {
            list.set_inner_html("");
        }
        let at_bottom = list.scroll_top() as f64 + list.client_height() as f64 >= list.scroll_height() as f64 - 40.0;
        let from = live.console_shown.max(total.saturating_sub(MAX_DOM_LINES));
        let mut html = String::new();
        for line in &live.model.lines[from..total] {
            let who = live.view.thread_name(line.actor);
            let colour = live.model.color_of(line.actor) % timeline::ACTOR_COLOURS;
            html.push_str(&format!(
                r#"<li class="ln a{colour}{err}" data-actor="{actor}" data-t="{tt}"><span class="t">{t}</span><span class="who">{who}</span><span class="txt">{text}</span></li>"#,
                err = if line.stderr { " err" } else { "" },
                actor = format_args!("{}.{}", line.actor.pid, line.actor.tid),
                tt = line.t,
                t = escape(&fmt_t(line.t)),
                who = escape(who),
                text = escape(&line.text)
            ));
        }
        let _ = list.insert_adjacent_html("beforeend", &html);
        live.console_shown = total;
        let mut shown = list.child_element_count() as usize;
        while shown > MAX_DOM_LINES {
            if let Some(first) = list.first_element_child() {
                first.remove();
            }
            shown -= 1;
        }
        let hidden = total - shown;
        if hidden > 0 {
            dom::set_text(
                "console-hidden",
                &format!(
                    "{}{} — {}",
                    tr(i18n::CONSOLE_HIDDEN),
                    i18n::count(hidden as u64),
                    tr(i18n::CONSOLE_HIDDEN_HINT)
                ),
            );
        }
        dom::set_hidden("console-hidden", hidden == 0);
        if at_bottom || refill {
            list.set_scroll_top(list.scroll_height());
        }
    }

    pub fn show_insights(&self) {
        let lang = i18n::lang();
        let html = match self.live.as_ref() {
            None => format!(r#"<li class="placeholder muted">{}</li>"#, escape(tr(i18n::INSIGHTS_EMPTY))),
            Some(live) => match &live.outcome {
                None => format!(r#"<li class="placeholder muted">{}</li>"#, escape(tr(i18n::INSIGHTS_WAIT))),
                Some(o) if o.insights.is_empty() => String::new(),
                Some(o) => partial_note(o.state)
                    + &o
                    .insights
                    .iter()
                    .map(|i| {
                        format!(
                            r#"<li class="insight {cls}" data-id="{id}" data-observed="{obs}"><span class="mark" aria-hidden="true">{mark}</span><div><h3>{title} <span class="badge">{badge}</span></h3><p>{detail}</p></div></li>"#,
                            cls = if i.observed { "observed" } else { "not-observed" },
                            id = escape(i.id),
                            obs = i.observed,
                            mark = if i.observed { "✓" } else { "○" },
                            title = escape(i.title.get(lang)),
                            badge = escape(tr(if i.observed { i18n::OBSERVED } else { i18n::NOT_OBSERVED })),
                            detail = escape(i.detail.get(lang))
                        )
                    })
                    .collect::<String>(),
            },
        };
        dom::set_html("insights", &html);
    }

    /// Text versions of the two canvases (for screen readers, and the tests).
    pub fn summaries(&self) {
        let Some(live) = &self.live else {
            dom::set_html("timeline-summary", "");
            dom::set_html("objects-summary", "");
            return;
        };
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
        dom::set_html("timeline-summary", &lanes);
        let objs: String = m
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

    /// Redraws both canvases.
    pub fn draw(&mut self) {
        let Some(live) = &self.live else {
            dom::set_hidden("timeline-wrap", true);
            dom::set_hidden("timeline-empty", false);
            dom::set_hidden("objects-wrap", true);
            dom::set_hidden("objects-empty", false);
            return;
        };
        let running = live.running();
        let now = live.now();
        if self.vp.follow {
            self.vp.fit(now.max(live.model.end_t));
        }
        let has_lanes = !live.model.lanes.is_empty();
        dom::set_hidden("timeline-wrap", !has_lanes);
        dom::set_hidden("timeline-empty", has_lanes);
        let has_objs = !live.model.objects.is_empty();
        dom::set_hidden("objects-wrap", !has_objs);
        dom::set_hidden("objects-empty", has_objs);
        if let Some(c) = canvas("timeline") {
            if has_lanes {
                timeline::draw_threads(&c, &live.model, &live.view, &self.vp, now, running, self.hover_tl);
                let _ = c.set_attribute("data-lanes", &live.model.lanes.len().to_string());
                let _ = c.set_attribute("data-arrows", &live.model.arrows.len().to_string());
                let _ = c.set_attribute("data-events", &live.model.events.to_string());
                let _ = c.set_attribute("data-view", &format!("{:.6},{:.6}", self.vp.t0, self.vp.t1));
                let _ = c.set_attribute("data-mark", &self.vp.mark.map_or(String::new(), |m| format!("{m:.6}")));
            }
        }
        if let Some(c) = canvas("objects") {
            if has_objs {
                timeline::draw_objects(&c, &live.model, &live.view, &self.vp, now, running, self.hover_obj);
                let _ = c.set_attribute("data-objects", &live.model.objects.len().to_string());
            }
        }
    }

    /// One animation frame while a run lives: new events in, console, status, canvases.
    pub fn frame(&mut self, ts: f64, pool_ready: bool) {
        if let Some(live) = &mut self.live {
            if live.running() {
                if let Some(prev) = live.last_frame {
                    live.max_frame_gap = live.max_frame_gap.max(ts - prev);
                }
                live.last_frame = Some(ts);
                live.frames += 1;
                live.poll();
            }
        }
        self.console_append(false);
        self.update_status(pool_ready);
        self.draw();
    }

    // ------------------------------------------------------------------ tooltips

    pub fn tip(&mut self, which: &str, pos: Option<(f64, f64)>) {
        let (canvas_id, tip_id) =
            if which == "timeline" { ("timeline", "timeline-tip") } else { ("objects", "objects-tip") };
        if which == "timeline" {
            self.hover_tl = pos;
        } else {
            self.hover_obj = pos;
        }
        let lines = match (pos, &self.live, canvas(canvas_id)) {
            (Some((x, y)), Some(live), Some(c)) => {
                if which == "timeline" {
                    timeline::hit_thread(&c, &live.model, &live.view, &self.vp, live.now(), live.running(), x, y)
                } else {
                    timeline::hit_object(&c, &live.model, &live.view, &self.vp, x, y)
                }
            }
            _ => None,
        };
        match (lines, pos) {
            (Some(lines), Some((x, y))) => {
                let html: String =
                    lines
                        .iter()
                        .enumerate()
                        .map(|(i, l)| {
                            if i == 0 {
                                format!("<strong>{}</strong>", escape(l))
                            } else {
                                format!("<br>{}", escape(l))
                            }
                        })
                        .collect();
                dom::set_html(tip_id, &html);
                if let Some(tip) = dom::html_by_id(tip_id) {
                    let w = canvas(canvas_id).map_or(600.0, |c| timeline::css_width(&c));
                    let left = if x > w * 0.6 { (x - 250.0).max(0.0) } else { x + 14.0 };
                    let _ = tip.style().set_property("left", &format!("{left}px"));
                    let _ = tip.style().set_property("top", &format!("{}px", y + 16.0));
                }
                dom::set_hidden(tip_id, false);
            }
            _ => dom::set_hidden(tip_id, true),
        }
        self.draw();
    }
}

fn partial_note(state: EndState) -> String {
    let text = match state {
        EndState::Stopped => i18n::PARTIAL_STOPPED,
        EndState::Failed => i18n::PARTIAL_FAILED,
        _ => return String::new(),
    };
    format!(r#"<li class="partial-note muted" id="insights-partial">{}</li>"#, escape(tr(text)))
}

fn remove_attr(id: &str, name: &str) {
    if let Some(e) = dom::by_id(id) {
        let _ = e.remove_attribute(name);
    }
}

pub fn canvas(id: &str) -> Option<web_sys::HtmlCanvasElement> {
    use wasm_bindgen::JsCast;
    dom::by_id(id).and_then(|e| e.dyn_into().ok())
}

/// The text of a numeric parameter one step up or down (ArrowUp/ArrowDown), kept in range.
pub fn step_param(spec: &parlab::lessons::ParamSpec, text: &str, up: bool) -> Option<String> {
    let sign = if up { 1.0 } else { -1.0 };
    match spec.kind {
        ParamKind::Int { min, max, default } => {
            let v = match spec.parse(text) {
                Ok(parlab::lessons::Value::Int(i)) => i,
                _ => default,
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
                Ok(parlab::lessons::Value::Float(f)) => f + sign * step,
                Ok(parlab::lessons::Value::None) => min,
                _ => match spec.default_value() {
                    parlab::lessons::Value::Float(f) => f,
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
pub fn mirror_text(spec: &parlab::lessons::ParamSpec, text: &str) -> String {
    match spec.parse(text) {
        Ok(v) => v.to_text(),
        Err(_) => text.to_owned(),
    }
}

pub fn input_width(text: &str) -> usize {
    text.chars().count().clamp(2, 24) + 1
}

fn fmt_t(t: f64) -> String {
    let s = if t < 100.0 { format!("{t:.2}") } else { format!("{t:.1}") };
    match i18n::lang() {
        Lang::Ru => s.replace('.', ","),
        Lang::En => s,
    }
}

pub fn state_key(s: EndState) -> &'static str {
    match s {
        EndState::Finished => "finished",
        EndState::Stopped => "stopped",
        EndState::Deadlocked => "deadlocked",
        EndState::Failed => "failed",
    }
}

fn state_text(s: EndState) -> parlab::lessons::Text {
    match s {
        EndState::Finished => i18n::STATUS_FINISHED,
        EndState::Stopped => i18n::STATUS_STOPPED,
        EndState::Deadlocked => i18n::STATUS_DEADLOCKED,
        EndState::Failed => i18n::STATUS_FAILED,
    }
}

/// Why the run ended, in both languages.
fn reason_msg(live: &Live, o: &Outcome) -> serde_json::Value {
    let m = reason(live, o);
    json!({ "ru": m.ru, "en": m.en })
}

fn reason(live: &Live, o: &Outcome) -> Msg {
    match o.state {
        EndState::Finished => {
            let (ru, en) = with_lang(|| i18n::secs(o.duration));
            Msg::new(
                format!("Программа завершилась за {ru} времени урока",),
                format!("The program ended after {en} of lesson time"),
            )
        }
        EndState::Stopped => {
            let (ru, en) = with_lang(|| i18n::secs(o.duration));
            Msg::new(format!("Остановлено на {ru} времени урока"), format!("Stopped at {en} of lesson time"))
        }
        EndState::Deadlocked => {
            let edges: Vec<Msg> = dedup_edges(live);
            Msg::new(
                edges.iter().map(|m| m.ru.as_str()).collect::<Vec<_>>().join("; "),
                edges.iter().map(|m| m.en.as_str()).collect::<Vec<_>>().join("; "),
            )
        }
        EndState::Failed => {
            let mut ru = Vec::new();
            let mut en = Vec::new();
            for (tid, msg) in &live.model.panics {
                let t = live.view.thread_name(*tid);
                ru.push(format!("поток {t} аварийно завершился: {msg}"));
                en.push(format!("thread {t} crashed: {msg}"));
            }
            if !o.reason.is_empty() && !live.model.panics.iter().any(|(_, m)| *m == o.reason) {
                ru.push(o.reason.clone());
                en.push(o.reason.clone());
            }
            Msg::new(ru.join("; "), en.join("; "))
        }
    }
}

fn dedup_edges(live: &Live) -> Vec<Msg> {
    let mut out: Vec<Msg> = Vec::new();
    for e in &live.model.edges {
        let m = e.describe(&live.view);
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// Runs `f` in both languages: (Russian, English).
fn with_lang(f: impl Fn() -> String) -> (String, String) {
    let keep = i18n::lang();
    i18n::set_lang(Lang::Ru, false);
    let ru = f();
    i18n::set_lang(Lang::En, false);
    let en = f();
    i18n::set_lang(keep, false);
    (ru, en)
}

fn end_html(live: &Live, o: &Outcome) -> String {
    let lang = i18n::lang();
    match o.state {
        EndState::Deadlocked => {
            let items: String = dedup_edges(live).iter().map(|m| format!("<li>{}</li>", escape(m.get(lang)))).collect();
            format!(r#"<p>{}</p><ul class="edges">{items}</ul>"#, escape(tr(i18n::DEADLOCK_EXPLAIN)))
        }
        _ => format!("<p>{}</p>", escape(reason(live, o).get(lang))),
    }
}
