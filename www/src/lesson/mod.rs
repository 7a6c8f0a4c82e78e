//! One lesson's page: the run's controller and its panels. The controller (this module)
//! holds the set-up (parameter texts, speed, refusals) and the run on screen (`Live`),
//! starts, stops and ticks the run, and hands each panel what it shows:
//!
//! - [`listing`]: the Python listing with its parameters as inputs, and the refusals;
//! - [`controls`]: Run/Stop, the speed, the link, the status and how the run ended;
//! - [`console`]: what the run printed;
//! - [`timeline_panel`]: the lanes of thread states and hand-offs;
//! - [`objects`]: each primitive's state over time;
//! - [`insights`]: what this run showed.
//!
//! The page never waits: a run is started with `browser::start` (which returns at once),
//! its trace is read from shared memory on every frame, and `browser::tick` drives its
//! watchdog and Stop from a timer. What the panels show is the core's read model
//! (`parlab::analysis::Model`), updated with each new event.

pub mod console;
pub mod controls;
pub mod insights;
pub mod listing;
pub mod objects;
pub mod timeline_panel;

pub use controls::{parse_speed, speed_text, SPEED_STEPS};
pub use listing::{input_width, step_param};

use crate::dom::{self, escape};
use crate::i18n::{self, tr};
use crate::timeline::{self, Viewport};
use crate::urlstate;
use parlab::analysis::{Model, TraceReader, TraceView};
use parlab::lessons::{Insight, Lesson, Msg, Params};
use parlab::runtime::{browser, Run, RunConfig};
use parlab::trace::EndState;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How a run ended, with everything the page says about it.
pub struct Outcome {
    pub state: EndState,
    pub reason: String,
    pub insights: Vec<Insight>,
    pub duration: f64,
}

/// A run on screen: the run itself, its decoded trace and the read model derived from it.
pub struct Live {
    pub run: Arc<Run>,
    /// Every process's trace (the page's mirrors of the children's), merged on one clock.
    reader: TraceReader,
    pub view: TraceView,
    pub model: Model,
    pub params: Params,
    pub speed: f64,
    pub stop_requested: bool,
    pub outcome: Option<Outcome>,
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

    /// Reads what the run's processes recorded since the last call. Returns whether there
    /// was anything new.
    pub fn poll(&mut self) -> bool {
        let now = self.run.clock_ns();
        let (view, reader) = (&mut self.view, &mut self.reader);
        let mut new = self.run.with_traces(|traces| reader.read(view, traces, Some(now)));
        if self.run.is_done() {
            new |= self.reader.flush(&mut self.view);
        }
        if !new {
            return false;
        }
        self.model.update(&self.view);
        true
    }
}

/// The two canvases, which share the time window and the pointer's ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Canvas {
    Timeline,
    Objects,
}

impl Canvas {
    pub const ALL: [Canvas; 2] = [Canvas::Timeline, Canvas::Objects];

    /// The canvas element's id.
    pub fn id(self) -> &'static str {
        match self {
            Canvas::Timeline => "timeline",
            Canvas::Objects => "objects",
        }
    }

    fn tip_id(self) -> &'static str {
        match self {
            Canvas::Timeline => "timeline-tip",
            Canvas::Objects => "objects-tip",
        }
    }

    /// Rows drawn on it (lanes and process headers, or objects).
    pub fn rows(self, live: Option<&Live>) -> usize {
        live.map_or(0, |l| match self {
            Canvas::Timeline => l.model.rows().len(),
            Canvas::Objects => l.model.objects.len(),
        })
    }

    /// Its first visible row, in the viewport.
    pub fn top(self, vp: &mut Viewport) -> &mut usize {
        match self {
            Canvas::Timeline => &mut vp.lane_top,
            Canvas::Objects => &mut vp.obj_top,
        }
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
    /// The pointer over each canvas.
    pub hover_tl: Option<(f64, f64)>,
    pub hover_obj: Option<(f64, f64)>,
    pub drag: Option<(f64, f64)>,
    console: console::Console,
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
            console: console::Console::default(),
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

    pub fn query(&self, frame: urlstate::Frame, lang: Option<&str>) -> String {
        let texts: Vec<(&str, &str)> = self.texts.iter().map(|(k, v)| (*k, v.as_str())).collect();
        urlstate::lesson_query(self.lesson, &texts, &self.speed, frame, lang)
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
    /// The workers and process instances a run with the current values would start, or
    /// `None` while a value is refused.
    pub fn needs(&mut self) -> Option<(u32, u32)> {
        let params = self.validate().ok()?;
        Some(((self.lesson.expect.actors)(&params) as u32, (self.lesson.expect.processes)(&params) as u32))
    }

    pub fn start(&mut self) -> Result<(), Vec<(String, Msg)>> {
        if self.running() {
            return Err(vec![(String::new(), Msg::new(i18n::ERROR_RUNNING.ru, i18n::ERROR_RUNNING.en))]);
        }
        let Ok(params) = self.validate() else { return Err(self.error_list()) };
        let speed = parse_speed(&self.speed).unwrap_or(self.lesson.default_speed);
        let lesson = self.lesson;
        let p = params.clone();
        let cfg = lesson.config(
            &params,
            RunConfig { speed, trace_capacity: parlab::trace::DEFAULT_CAPACITY, ..RunConfig::default() },
        );
        // Workers for every thread the run will start are booted first, so that no thread
        // starts late.
        let threads = (lesson.expect.actors)(&params) as u32;
        let processes = (lesson.expect.processes)(&params) as u32;
        let run = browser::start_with(&cfg, threads, processes, move || (lesson.run)(&p));
        self.live = Some(Live {
            run,
            reader: TraceReader::new(),
            view: TraceView { speed, ..Default::default() },
            model: Model::for_processes(!lesson.targets.is_empty()),
            params,
            speed,
            stop_requested: false,
            outcome: None,
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
        self.console = console::Console::default();
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
            insights::show(self.live.as_ref());
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
            "state": controls::state_key(o.state),
            "reason": controls::reason_msg(live, o),
            "duration": o.duration,
            "params": self.params_json(),
            "insights": o.insights.iter().map(|i| json!({
                "id": i.id,
                "observed": i.observed,
                "title": { "ru": i.title.ru, "en": i.title.en },
                "detail": { "ru": i.detail.ru, "en": i.detail.en },
            })).collect::<Vec<_>>(),
            "console": live.model.plain_text(),
            "lines": live.model.lines.iter().map(|l| json!({
                "t": l.t,
                "actor": live.view.actor_json(l.actor),
                "text": l.text,
                "stderr": l.stderr,
            })).collect::<Vec<_>>(),
            "seed": live.view.seed.map(|s| format!("0x{s:016x}")),
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
        format!(
            r##"<article class="lesson{embed_class}" data-lesson="{id}">
{crumbs}
<h1 id="lesson-title" tabindex="-1">{title}</h1>
{ignored}
<section class="panel code-panel" aria-labelledby="listing-h">
  <h2 id="listing-h" class="panel-h">{listing_h} <span class="id-tag">{id}</span></h2>
  <p class="hint">{hint}</p>
  {listing}
  {controls}
</section>
{console}
{timeline}
{objects}
{insights}
<section class="panel explain-panel" aria-labelledby="explain-h">
  {explain_open}<h2 id="explain-h" class="panel-h">{explain_h}</h2>{explain_mid}
  <div class="explanation">{explanation}</div>{explain_close}
</section>
</article>"##,
            embed_class = if embed { " embed" } else { "" },
            id = escape(l.id),
            title = escape(l.title.get(lang)),
            listing_h = escape(tr(i18n::LISTING)),
            hint = escape(tr(i18n::PARAMS_IN_CODE)),
            listing = listing::html(self),
            controls = controls::html(self),
            console = console::html(),
            timeline = timeline_panel::html(),
            objects = objects::html(),
            insights = insights::html(),
            explain_h = escape(tr(i18n::EXPLANATION)),
            explain_open = if embed { "<details><summary>" } else { "" },
            explain_mid = if embed { "</summary>" } else { "" },
            explain_close = if embed { "</details>" } else { "" },
            explanation = dom::paragraphs(l.explanation.get(lang)),
        )
    }

    /// Fills the dynamic parts after [`html`] went in: refusals, buttons, console, status,
    /// insights and canvases.
    pub fn fill(&mut self, pool_ready: bool) {
        listing::show_errors(self);
        self.console_append(true);
        controls::update_status(self, pool_ready);
        insights::show(self.live.as_ref());
        self.summaries();
        self.draw();
    }

    pub fn show_errors(&self) {
        listing::show_errors(self);
    }

    pub fn update_buttons(&self, pool_ready: bool) {
        controls::update_buttons(self, pool_ready);
    }

    pub fn update_status(&self, pool_ready: bool) {
        controls::update_status(self, pool_ready);
    }

    /// Adds the console lines not yet in the page (or refills it).
    pub fn console_append(&mut self, refill: bool) {
        console::append(&mut self.console, self.live.as_ref(), refill);
    }

    pub fn show_insights(&self) {
        insights::show(self.live.as_ref());
    }

    /// Text versions of the two canvases (for screen readers, and the tests).
    pub fn summaries(&self) {
        timeline_panel::summary(self.live.as_ref());
        objects::summary(self.live.as_ref());
    }

    /// Redraws both canvases.
    pub fn draw(&mut self) {
        if let Some(live) = &self.live {
            if self.vp.follow {
                self.vp.fit(live.now().max(live.model.end_t));
            }
        }
        timeline_panel::draw(self.live.as_ref(), &self.vp, self.hover_tl);
        objects::draw(self.live.as_ref(), &self.vp, self.hover_obj);
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

    /// The pointer moved over `which` (`None`: it left): its tooltip follows.
    pub fn tip(&mut self, which: Canvas, pos: Option<(f64, f64)>) {
        match which {
            Canvas::Timeline => self.hover_tl = pos,
            Canvas::Objects => self.hover_obj = pos,
        }
        let tip_id = which.tip_id();
        let lines = match (pos, &self.live) {
            (Some((x, y)), Some(live)) => match which {
                Canvas::Timeline => timeline_panel::hit(live, &self.vp, x, y),
                Canvas::Objects => objects::hit(live, &self.vp, x, y),
            },
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
                    let w = canvas(which.id()).map_or(600.0, |c| timeline::css_width(&c));
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

pub fn canvas(id: &str) -> Option<web_sys::HtmlCanvasElement> {
    use wasm_bindgen::JsCast;
    dom::by_id(id).and_then(|e| e.dyn_into().ok())
}
