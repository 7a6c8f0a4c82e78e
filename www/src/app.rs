//! The page: its state, routing from the URL, the event handlers, and the loop that keeps
//! a run on screen (a timer for the run's heartbeat, animation frames for drawing).
//!
//! State lives in one `RefCell`. Handlers borrow it with `try_borrow_mut` and never call
//! back into themselves while holding it; side effects that can fire DOM events
//! synchronously (a download's click) run after the borrow ends.

use crate::action::{Action, Source};
use crate::dom;
use crate::embed;
use crate::i18n::{self, tr};
use crate::lesson::{self, Canvas, LessonPage};
use crate::urlstate::Frame;
use crate::{catalog, urlstate};
use gloo::events::{EventListener, EventListenerOptions};
use parlab::lessons::{self, Lang, Msg};
use parlab::runtime::{browser, Run};
use serde_json::json;
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

#[derive(Clone, Debug, PartialEq)]
pub enum Pool {
    Preparing,
    Ready,
    Failed(String),
}

pub enum Page {
    Blank,
    Catalog { unknown: Option<String> },
    Lesson(Box<LessonPage>),
}

pub struct App {
    pub frame: Frame,
    /// The URL named a language: keep it there when the learner switches.
    pub lang_in_url: bool,
    pub pool: Pool,
    pub page: Page,
}

thread_local! {
    static APP: RefCell<App> = RefCell::new(App { frame: Frame::Page, lang_in_url: false, pool: Pool::Preparing, page: Page::Blank });
    /// Runs left behind (the learner navigated away): ticked until their threads are gone.
    static ORPHANS: RefCell<Vec<Arc<Run>>> = const { RefCell::new(Vec::new()) };
    static FRAME: RefCell<Option<Closure<dyn FnMut(f64)>>> = const { RefCell::new(None) };
    static FRAME_PENDING: Cell<bool> = const { Cell::new(false) };
    static PAGE_LISTENERS: RefCell<Vec<EventListener>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on the state unless it is already borrowed (a re-entrant event).
pub fn with<R>(f: impl FnOnce(&mut App) -> R) -> Option<R> {
    APP.with(|a| a.try_borrow_mut().ok().map(|mut a| f(&mut a)))
}

fn lesson_page(app: &mut App) -> Option<&mut LessonPage> {
    match &mut app.page {
        Page::Lesson(lp) => Some(lp),
        _ => None,
    }
}

impl App {
    fn ready(&self) -> bool {
        self.pool == Pool::Ready
    }

    fn url_lang(&self) -> Option<&'static str> {
        self.lang_in_url.then(|| i18n::code(i18n::lang()))
    }

    fn sync_url(&self) {
        if let Page::Lesson(lp) = &self.page {
            urlstate::replace(&lp.query(self.frame, self.url_lang()));
        }
    }
}

/// Builds the page and starts everything. Called once the page is known to be isolated.
pub fn start() {
    let q = urlstate::query();
    let frame = Frame::of(&q);
    let embed = frame.embedded();
    let url_lang = urlstate::get(&q, "lang");
    i18n::set_lang(i18n::initial(url_lang), false);
    with(|app| {
        app.frame = frame;
        app.lang_in_url = url_lang.and_then(i18n::parse).is_some();
    });
    if let Some(body) = dom::document().body() {
        body.set_inner_html(&shell(embed));
        if embed {
            let _ = body.class_list().add_1("embedded");
        }
        if frame == Frame::Compact {
            let _ = body.class_list().add_1("compact");
        }
    }
    header_texts();
    route(false);
    listen();
    if embed {
        report_size();
    }
    gloo::timers::callback::Interval::new(40, tick).forget();
    wasm_bindgen_futures::spawn_local(async {
        let result = browser::init_pool(4).await;
        let msg = with(|app| {
            app.pool = match &result {
                Ok(()) => Pool::Ready,
                Err(e) => Pool::Failed(e.to_string()),
            };
            let ready = app.ready();
            if let Some(lp) = lesson_page(app) {
                lp.update_status(ready);
            }
            prepare_ahead(app);
            if let Pool::Failed(e) = &app.pool {
                dom::set_text("pool-error", &format!("{}{e}", tr(i18n::POOL_FAILED)));
                // Not isolated: the notice below says it in a learner's words instead.
                dom::set_hidden("pool-error", !browser::isolated());
            }
            isolation_notice(app);
            ready_message(app)
        })
        .flatten();
        if let Some(m) = msg {
            embed::post(&m);
        }
    });
}

fn shell(embed: bool) -> String {
    let brand = if embed {
        r#"<a class="brand" id="open-full" href="./" target="_blank" rel="noopener">Parlab <span aria-hidden="true">↗</span><span class="sr-only" id="open-full-label"></span></a>"#
    } else {
        r#"<a class="brand" href="./" data-nav>Parlab</a>"#
    };
    format!(
        r##"<a class="skip" href="#main" id="skip"></a>
<header class="top{cls}" id="top">
  {brand}
  <span class="tagline" id="tagline"></span>
  <span class="spacer"></span>
  <span class="cores" id="cores-wrap"><span id="cores">{cores}</span> <span id="cores-label"></span></span>
  <div class="lang" role="group" id="lang-group">
    <button type="button" class="btn small" id="lang-ru" data-action="lang" data-lang="ru" lang="ru">RU</button>
    <button type="button" class="btn small" id="lang-en" data-action="lang" data-lang="en" lang="en">EN</button>
  </div>
</header>
<p id="pool-error" class="notice-inline error" role="alert" hidden></p>
<section id="isolation-error" class="notice-inline error isolation" role="alert" hidden></section>
<main id="main" tabindex="-1"></main>"##,
        cls = if embed { " embed-top" } else { "" },
        cores = browser::cores(),
    )
}

/// Boots, while the learner reads or edits, the workers and process instances the open
/// lesson's next run will start, so that Run starts it at once (a hundred workers take a
/// fraction of a second to boot). Called when a lesson opens, when a value changes, and
/// when the pointer or the focus comes to Run: the pool shrinks after a quiet while
/// (`browser::KEEP_IDLE`), and a learner about to press Run gets it back in time.
fn prepare_ahead(app: &mut App) {
    if !app.ready() {
        return;
    }
    let Some(lp) = lesson_page(app) else { return };
    if lp.running() {
        return;
    }
    let Some((threads, processes)) = lp.needs() else { return };
    wasm_bindgen_futures::spawn_local(async move {
        if browser::prepare(threads).await.is_ok() {
            let _ = browser::prepare_processes(processes).await;
        }
    });
}

/// Where threads cannot run (the page is not isolated), the notice above the lesson, in
/// the language in force.
fn isolation_notice(app: &App) {
    if browser::isolated() {
        return;
    }
    let Some(el) = dom::by_id("isolation-error") else { return };
    el.set_inner_html(&crate::isolation::notice_html(i18n::lang(), app.frame.embedded()));
    dom::set_hidden("isolation-error", false);
}

/// The header's words in the language in force.
fn header_texts() {
    dom::set_text("skip", tr(i18n::SKIP));
    dom::set_text("tagline", tr(i18n::TAGLINE));
    let cores = browser::cores() as u64;
    let label = i18n::counted(cores, i18n::CORES_RU, i18n::CORES_EN);
    dom::set_text("cores-label", label.split_once(' ').map_or("", |(_, w)| w));
    dom::set_attr("cores-wrap", "title", tr(i18n::CORES_TITLE));
    dom::set_attr("lang-group", "aria-label", tr(i18n::LANGUAGE));
    dom::set_text("open-full-label", tr(i18n::OPEN_FULL));
    dom::set_attr("open-full", "title", tr(i18n::OPEN_FULL));
    let ru = i18n::lang() == Lang::Ru;
    dom::set_attr("lang-ru", "aria-pressed", if ru { "true" } else { "false" });
    dom::set_attr("lang-en", "aria-pressed", if ru { "false" } else { "true" });
}

/// Shows the page the URL names. `focus`: move focus to its heading (after a link).
pub fn route(focus: bool) {
    let q = urlstate::query();
    let msg = with(|app| {
        if let Some(lp) = lesson_page(app) {
            if lp.running() {
                lp.stop();
                if let Some(live) = &lp.live {
                    ORPHANS.with(|o| o.borrow_mut().push(live.run.clone()));
                }
            }
        }
        app.page = match urlstate::get(&q, "lesson") {
            Some(id) => match lessons::find(id) {
                Some(l) => {
                    let pairs: Vec<(String, String)> =
                        q.iter().filter(|(k, _)| !urlstate::RESERVED.contains(&k.as_str())).cloned().collect();
                    Page::Lesson(Box::new(LessonPage::new(l, &pairs, urlstate::get(&q, "speed"))))
                }
                None => Page::Catalog { unknown: Some(id.to_owned()) },
            },
            None => Page::Catalog { unknown: None },
        };
        render(app);
        ready_message(app)
    })
    .flatten();
    if focus {
        for id in ["lesson-title", "catalog-h"] {
            if let Some(h) = dom::html_by_id(id) {
                let _ = h.focus();
                break;
            }
        }
        gloo::utils::window().scroll_to_with_x_and_y(0.0, 0.0);
    }
    if let Some(m) = msg {
        embed::post(&m);
    }
}

/// What the embedding page hears once the lesson is on screen and threads are ready.
fn ready_message(app: &App) -> Option<serde_json::Value> {
    if !app.ready() {
        return None;
    }
    Some(match &app.page {
        Page::Lesson(lp) => {
            let mut m = json!({ "type": "parlab:ready", "lesson": lp.lesson.id, "params": lp.params_json(), "lang": i18n::code(i18n::lang()) });
            if !lp.errors.is_empty() {
                m["errors"] = embed::error(&lp.error_list())["errors"].clone();
            }
            m
        }
        Page::Catalog { unknown } => {
            let id = unknown.clone().unwrap_or_default();
            embed::error(&[(
                "lesson".to_owned(),
                Msg::new(format!("Урока «{id}» нет"), format!("There is no lesson '{id}'")),
            )])
        }
        Page::Blank => return None,
    })
}

/// Rebuilds the main area for the current page and language.
fn render(app: &mut App) {
    let ready = app.ready();
    let embed = app.frame.embedded();
    let Some(main) = dom::by_id("main") else { return };
    PAGE_LISTENERS.with(|l| l.borrow_mut().clear());
    match &mut app.page {
        Page::Blank => main.set_inner_html(""),
        Page::Catalog { unknown } => {
            main.set_inner_html(&catalog::html(unknown.as_deref()));
            dom::document().set_title(&format!("Parlab — {}", tr(i18n::LESSONS)));
        }
        Page::Lesson(lp) => {
            main.set_inner_html(&lp.html(embed));
            dom::document().set_title(&format!("{} — Parlab", lp.lesson.title.get(i18n::lang())));
            lp.fill(ready);
            canvas_listeners();
            request_frame();
            prepare_ahead(app);
        }
    }
    if embed {
        let href = match &app.page {
            Page::Lesson(lp) => lp.query(Frame::Page, None),
            _ => "?".to_owned(),
        };
        dom::set_attr("open-full", "href", &href);
    }
}

// ---------------------------------------------------------------- the loop

fn tick() {
    ORPHANS.with(|o| {
        let mut o = o.borrow_mut();
        for r in o.iter() {
            browser::tick(r);
        }
        o.retain(|r| !r.is_done());
    });
    let result = with(|app| {
        let ready = app.ready();
        let lp = lesson_page(app)?;
        if !lp.running() {
            return None;
        }
        request_frame();
        if !lp.tick() {
            return None;
        }
        // The run just ended.
        let on_stop = focused_id().as_deref() == Some("stop");
        lp.frame(0.0, ready);
        lp.console_append(false);
        lp.show_insights();
        lp.summaries();
        lp.update_status(ready);
        let state = dom::by_id("status-text").and_then(|e| e.text_content()).unwrap_or_default();
        let detail = dom::by_id("end-state").and_then(|e| e.text_content()).unwrap_or_default();
        dom::set_text("announce", &format!("{state}. {detail}"));
        if on_stop {
            if let Some(b) = dom::html_by_id("run") {
                let _ = b.focus();
            }
        }
        lp.result_json()
    })
    .flatten();
    if let Some(r) = result {
        embed::post(&r);
    }
}

/// The id of the focused element (None: nothing, or the body).
fn focused_id() -> Option<String> {
    let el = dom::document().active_element()?;
    if el.tag_name().eq_ignore_ascii_case("body") {
        return None;
    }
    Some(el.id())
}

pub fn request_frame() {
    if FRAME_PENDING.with(|p| p.replace(true)) {
        return;
    }
    FRAME.with(|f| {
        let mut f = f.borrow_mut();
        if f.is_none() {
            *f = Some(Closure::new(frame));
        }
        let cb = f.as_ref().unwrap();
        let _ = gloo::utils::window().request_animation_frame(cb.as_ref().unchecked_ref());
    });
}

fn frame(ts: f64) {
    FRAME_PENDING.with(|p| p.set(false));
    let again = with(|app| {
        let ready = app.ready();
        let lp = lesson_page(app)?;
        lp.frame(ts, ready);
        Some(lp.running())
    })
    .flatten()
    .unwrap_or(false);
    if again {
        request_frame();
    }
}

// ---------------------------------------------------------------- actions

/// Does what a control, a key or the embedding page asked.
pub fn act(action: Action) {
    match action {
        Action::Run => run_now(),
        Action::Stop => stop_now(),
        Action::SetParams { pairs, source: Source::Input } => {
            set_params(pairs, Source::Input);
        }
        Action::SetParams { pairs, source: Source::Host } => {
            let errs = set_params(pairs, Source::Host);
            if errs.is_empty() {
                let params = with(|app| lesson_page(app).map(|lp| lp.params_json())).flatten();
                embed::post(&json!({ "type": "parlab:params", "params": params }));
            } else {
                embed::post(&embed::error(&errs));
            }
        }
        Action::StepSpeed { faster } => step_speed(faster),
        Action::ZoomIn => view_action(|lp, end| {
            let c = (lp.vp.t0 + lp.vp.t1) / 2.0;
            lp.vp.zoom(0.6, c, end)
        }),
        Action::ZoomOut => view_action(|lp, end| {
            let c = (lp.vp.t0 + lp.vp.t1) / 2.0;
            lp.vp.zoom(1.0 / 0.6, c, end)
        }),
        Action::Fit => view_action(|lp, end| {
            lp.vp.fit(end);
            lp.vp.follow = true;
        }),
        Action::Lang(l) => switch_lang(l),
        Action::ExportTrace => export(true),
        Action::ExportConsole => export(false),
        Action::CopyLink => copy_link(),
        Action::About { at } => {
            let now = gloo::utils::window().performance().map_or(0.0, |p| p.now());
            with(|app| lesson_page(app).map(|lp| lp.about_click(at, now)));
            crate::special::about_toggle();
        }
        Action::Focus(id) => {
            if let Some(t) = dom::html_by_id(&id) {
                let _ = t.focus();
            }
        }
    }
}

fn run_now() {
    let errors = with(|app| {
        let ready = app.ready();
        if !ready {
            return Some(vec![(String::new(), Msg::new(i18n::ERROR_NOT_READY.ru, i18n::ERROR_NOT_READY.en))]);
        }
        let Some(lp) = lesson_page(app) else {
            return Some(vec![(String::new(), Msg::new(i18n::ERROR_NO_LESSON.ru, i18n::ERROR_NO_LESSON.en))]);
        };
        match lp.start() {
            Ok(()) => {
                let had_focus = focused_id();
                lp.fill(ready);
                dom::set_text("announce", tr(i18n::STATUS_RUNNING));
                request_frame();
                // Run is disabled now: keyboard focus goes on to Stop rather than be lost.
                if had_focus.as_deref() == Some("run") {
                    if let Some(b) = dom::html_by_id("stop") {
                        let _ = b.focus();
                    }
                }
                if let Some(live) = &lp.live {
                    if let Some(ms) = crate::special::page_work_ms(lp.lesson, &live.params, live.speed) {
                        // After the page has shown "Running": the freeze is the lesson.
                        gloo::timers::callback::Timeout::new(60, move || crate::special::spin(ms)).forget();
                    }
                }
                None
            }
            Err(errs) => {
                lp.show_errors();
                lp.update_buttons(ready);
                Some(errs)
            }
        }
    })
    .flatten();
    if let Some(errs) = errors {
        embed::post(&embed::error(&errs));
    }
}

fn stop_now() {
    with(|app| {
        let ready = app.ready();
        if let Some(lp) = lesson_page(app) {
            lp.stop();
            lp.update_status(ready);
        }
    });
}

/// New texts for some parameters (an input, the embed API). Returns the refusals.
fn set_params(pairs: Vec<(String, String)>, source: Source) -> Vec<(String, Msg)> {
    with(|app| {
        let ready = app.ready();
        let mut unknown = Vec::new();
        {
            let Some(lp) = lesson_page(app) else {
                return vec![(String::new(), Msg::new(i18n::ERROR_NO_LESSON.ru, i18n::ERROR_NO_LESSON.en))];
            };
            // A parameter that choice slots depend on changes the listing's text itself.
            let mut reshape = false;
            for (k, v) in pairs {
                if k == "speed" {
                    lp.speed = v;
                    continue;
                }
                reshape |= lp.lesson.listing.contains(&format!("{{{{{k}|"));
                match lp.lesson.param(&k) {
                    Some(spec) => {
                        lp.texts.insert(spec.key, v);
                    }
                    None => unknown.push((
                        k.clone(),
                        Msg::new(format!("У урока нет параметра «{k}»"), format!("This lesson has no parameter '{k}'")),
                    )),
                }
            }
            let _ = lp.validate();
            if source == Source::Host || reshape {
                lesson::listing::rerender(lp);
                if let Some(e) = dom::by_id("speed") {
                    if let Ok(i) = e.dyn_into::<HtmlInputElement>() {
                        i.set_value(&lp.speed);
                    }
                }
            }
            lp.show_errors();
            lp.update_buttons(ready);
        }
        app.sync_url();
        prepare_ahead(app);
        let mut errs = lesson_page(app).map(|lp| lp.error_list()).unwrap_or_default();
        errs.extend(unknown);
        errs
    })
    .unwrap_or_default()
}

fn step_speed(up: bool) {
    let v = with(|app| {
        let lp = lesson_page(app)?;
        let cur = lesson::parse_speed(&lp.speed).unwrap_or(lp.lesson.default_speed);
        const STEPS: [f64; 16] = lesson::SPEED_STEPS;
        let next = if up {
            STEPS.iter().copied().find(|s| *s > cur * 1.0001).unwrap_or(1000.0)
        } else {
            STEPS.iter().rev().copied().find(|s| *s < cur * 0.9999).unwrap_or(0.01)
        };
        Some(lesson::speed_text(next))
    })
    .flatten();
    if let Some(v) = v {
        if let Some(i) = dom::by_id("speed").and_then(|e| e.dyn_into::<HtmlInputElement>().ok()) {
            i.set_value(&v);
        }
        set_params(vec![("speed".to_owned(), v)], Source::Input);
    }
}

fn switch_lang(lang: Lang) {
    i18n::set_lang(lang, true);
    header_texts();
    with(|app| {
        render(app);
        app.sync_url();
        isolation_notice(app);
    });
    if let Some(b) = dom::html_by_id(&format!("lang-{}", i18n::code(lang))) {
        let _ = b.focus();
    }
}

fn export(trace: bool) {
    let file = with(|app| {
        let lp = lesson_page(app)?;
        let live = lp.live.as_ref()?;
        let id = lp.lesson.id;
        Some(if trace {
            (format!("parlab-{id}.trace.json"), "application/json", live.view.chrome_json())
        } else {
            (format!("parlab-{id}.console.txt"), "text/plain;charset=utf-8", lesson::console::export_text(live))
        })
    })
    .flatten();
    if let Some((name, mime, text)) = file {
        dom::download(&name, mime, &text);
    }
}

fn copy_link() {
    // The full page's link, even from an embedded lesson: it is for sharing.
    let location = gloo::utils::window().location();
    let query = with(|app| {
        let lang = app.url_lang();
        lesson_page(app).map(|lp| lp.query(Frame::Page, lang))
    })
    .flatten();
    let href = match query {
        Some(q) => format!("{}{}{q}", location.origin().unwrap_or_default(), location.pathname().unwrap_or_default()),
        None => location.href().unwrap_or_default(),
    };
    let nav = gloo::utils::window().navigator();
    if let Ok(clip) = js_sys::Reflect::get(&nav, &"clipboard".into()) {
        if let Ok(f) = js_sys::Reflect::get(&clip, &"writeText".into()).and_then(|f| f.dyn_into::<js_sys::Function>()) {
            let _ = f.call1(&clip, &href.into());
        }
    }
    dom::set_text("announce", tr(i18n::COPIED));
    if let Some(b) = dom::by_id("copy-link") {
        b.set_text_content(Some(&format!("✓ {}", tr(i18n::COPIED))));
        gloo::timers::callback::Timeout::new(1800, || dom::set_text("copy-link", tr(i18n::COPY_LINK))).forget();
    }
}

/// A console line clicked: its moment is marked on the timeline and the object panel,
/// and brought into view.
fn mark_line(line: &Element) {
    let Some(t) = line.get_attribute("data-t").and_then(|t| t.parse::<f64>().ok()) else { return };
    if let Ok(prev) = dom::document().query_selector_all("#console .ln.marked") {
        for i in 0..prev.length() {
            if let Some(p) = prev.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                let _ = p.class_list().remove_1("marked");
            }
        }
    }
    let _ = line.class_list().add_1("marked");
    view_action(|lp, end| {
        lp.vp.mark = Some(t);
        if t < lp.vp.t0 || t > lp.vp.t1 {
            let c = (lp.vp.t0 + lp.vp.t1) / 2.0;
            lp.vp.pan(t - c, end);
        }
    });
}

fn view_action(f: impl FnOnce(&mut LessonPage, f64)) {
    with(|app| {
        if let Some(lp) = lesson_page(app) {
            let end = lp.live.as_ref().map_or(1.0, |l| l.now().max(l.model.end_t));
            f(lp, end);
            lp.draw();
        }
    });
}

// ---------------------------------------------------------------- events

fn closest(target: Option<web_sys::EventTarget>, selector: &str) -> Option<Element> {
    target?.dyn_into::<Element>().ok()?.closest(selector).ok().flatten()
}

fn listen() {
    let doc = dom::document();
    EventListener::new_with_options(&doc, "click", EventListenerOptions::enable_prevent_default(), |e| {
        let e: &web_sys::MouseEvent = e.unchecked_ref();
        if let Some(a) = closest(e.target(), "a[data-nav]") {
            if e.button() == 0 && !e.ctrl_key() && !e.meta_key() && !e.shift_key() && !e.alt_key() {
                e.prevent_default();
                let href = a.get_attribute("href").unwrap_or_default();
                let keep = with(|app| (app.frame, app.url_lang())).unwrap_or((Frame::Page, None));
                let mut href =
                    if href == "./" { gloo::utils::window().location().pathname().unwrap_or_default() } else { href };
                if let Some(f) = keep.0.query() {
                    href.push_str(&format!("{}{f}", if href.contains('?') { "&" } else { "?" }));
                }
                if let Some(l) = keep.1 {
                    href.push_str(&format!("{}lang={l}", if href.contains('?') { "&" } else { "?" }));
                }
                urlstate::push(&href);
                route(true);
            }
            return;
        }
        if let Some(line) = closest(e.target(), "#console .ln") {
            mark_line(&line);
            return;
        }
        let Some(el) = closest(e.target(), "[data-action]") else { return };
        if el.has_attribute("disabled") {
            return;
        }
        if let Some(action) = Action::from_element(&el, e.time_stamp()) {
            act(action);
        }
    })
    .forget();

    EventListener::new(&doc, "input", |e| {
        let Some(t) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        if t.type_() == "checkbox" {
            return;
        }
        if t.id() == "speed" {
            act(Action::SetParams { pairs: vec![("speed".to_owned(), t.value())], source: Source::Input });
        } else if let Some(key) = t.get_attribute("data-key") {
            let v = t.value();
            let _ = t.style().set_property("width", &format!("{}ch", lesson::input_width(&v)));
            act(Action::SetParams { pairs: vec![(key, v)], source: Source::Input });
        }
    })
    .forget();

    EventListener::new(&doc, "change", |e| {
        let Some(t) = e.target() else { return };
        if let Ok(i) = t.clone().dyn_into::<HtmlInputElement>() {
            if i.type_() == "checkbox" {
                if let Some(key) = i.get_attribute("data-key") {
                    let v = if i.checked() { "True" } else { "False" };
                    dom::set_text(&format!("param-{key}-val"), v);
                    act(Action::SetParams { pairs: vec![(key, v.to_owned())], source: Source::Input });
                }
            }
        } else if let Ok(s) = t.dyn_into::<HtmlSelectElement>() {
            if let Some(key) = s.get_attribute("data-key") {
                act(Action::SetParams { pairs: vec![(key, s.value())], source: Source::Input });
            }
        }
    })
    .forget();

    EventListener::new_with_options(&doc, "keydown", EventListenerOptions::enable_prevent_default(), |e| {
        let e: &web_sys::KeyboardEvent = e.unchecked_ref();
        let key = e.key();
        let in_field = closest(e.target(), "input, select, textarea").is_some();
        if key == "Enter" && (e.ctrl_key() || e.meta_key()) {
            e.prevent_default();
            act(Action::Run);
        } else if key == "Enter" && in_field && closest(e.target(), "input.slot, #speed").is_some() {
            e.prevent_default();
            act(Action::Run);
        } else if key == "Escape" {
            act(Action::Stop);
        } else if (key == "ArrowUp" || key == "ArrowDown") && !e.alt_key() {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
            let Some(k) = input.get_attribute("data-key").filter(|_| input.class_list().contains("slot")) else {
                return;
            };
            let next = with(|app| {
                let lp = lesson_page(app)?;
                let spec = lp.lesson.param(&k)?;
                lesson::step_param(spec, &input.value(), key == "ArrowUp")
            })
            .flatten();
            if let Some(v) = next {
                e.prevent_default();
                input.set_value(&v);
                let _ = input.style().set_property("width", &format!("{}ch", lesson::input_width(&v)));
                act(Action::SetParams { pairs: vec![(k, v)], source: Source::Input });
            }
        }
    })
    .forget();

    let window = gloo::utils::window();
    EventListener::new(&window, "popstate", |_| route(true)).forget();
    EventListener::new(&window, "resize", |_| {
        with(|app| lesson_page(app).map(|lp| lp.draw()));
    })
    .forget();
    if let Ok(Some(mq)) = window.match_media("(prefers-color-scheme: dark)") {
        EventListener::new(&mq, "change", |_| {
            with(|app| lesson_page(app).map(|lp| lp.draw()));
        })
        .forget();
    }
    // About to press Run: its workers come back if the pool shrank meanwhile.
    for kind in ["pointerover", "focusin"] {
        EventListener::new(&dom::document(), kind, |e| {
            if closest(e.target(), "#run").is_some() {
                with(prepare_ahead);
            }
        })
        .forget();
    }
    EventListener::new(&window, "message", |e| {
        let e: &web_sys::MessageEvent = e.unchecked_ref();
        match embed::decode(e) {
            Some(Ok(action)) => act(action),
            Some(Err(why)) => embed::post(&embed::error(&[(String::new(), why)])),
            None => {}
        }
    })
    .forget();
}

/// Sends the host `parlab:size` whenever the page's size changes (a lesson rendered, the
/// console grown, an explanation opened), so that it can fit its iframe.
fn report_size() {
    let Some(body) = dom::document().body() else { return };
    let last = std::cell::Cell::new((0.0, 0.0));
    let on_resize = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        let Some(root) = dom::document().document_element() else { return };
        let size = (f64::from(root.scroll_width()), f64::from(root.scroll_height()));
        if size != last.replace(size) {
            embed::post(&embed::size(size.0, size.1));
        }
    });
    if let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        observer.observe(&body);
    }
    // Both live as long as the page.
    on_resize.forget();
}

/// Wheel, drag, hover and keys on the two canvases (re-attached with each render).
fn canvas_listeners() {
    let mut ls = Vec::new();
    for which in Canvas::ALL {
        let Some(c) = dom::by_id(which.id()) else { continue };
        let opts = EventListenerOptions::enable_prevent_default();
        ls.push(EventListener::new_with_options(&c, "wheel", opts, move |e| {
            let e: &web_sys::WheelEvent = e.unchecked_ref();
            let scale = if e.delta_mode() == 1 {
                16.0
            } else if e.delta_mode() == 2 {
                400.0
            } else {
                1.0
            };
            let (dx, dy) = (e.delta_x() * scale, e.delta_y() * scale);
            let x = e.offset_x() as f64;
            e.prevent_default();
            view_action(|lp, end| {
                let Some(canvas) = lesson::canvas(which.id()) else { return };
                let rows = which.rows(lp.live.as_ref());
                let l = crate::timeline::Layout::new(crate::timeline::css_width(&canvas), rows, true);
                if e.shift_key() || x < l.gutter {
                    let top = which.top(&mut lp.vp);
                    let max = rows.saturating_sub(l.rows_visible);
                    *top = if dy + dx > 0.0 { (*top + 1).min(max) } else { top.saturating_sub(1) };
                } else if dx.abs() > dy.abs() {
                    let dt = dx / l.plot_w() * lp.vp.span();
                    lp.vp.pan(dt, end);
                } else {
                    let at = l.t(&lp.vp, x.max(l.gutter));
                    lp.vp.zoom(1.0015f64.powf(dy.clamp(-600.0, 600.0)), at, end);
                }
            });
        }));
        ls.push(EventListener::new_with_options(
            &c,
            "pointerdown",
            EventListenerOptions::enable_prevent_default(),
            move |e| {
                let e: &web_sys::PointerEvent = e.unchecked_ref();
                if e.button() != 0 {
                    return;
                }
                if let Some(t) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                    let _ = t.set_pointer_capture(e.pointer_id());
                }
                let x = e.offset_x() as f64;
                with(|app| {
                    if let Some(lp) = lesson_page(app) {
                        lp.drag = Some((x, lp.vp.t0));
                    }
                });
            },
        ));
        ls.push(EventListener::new(&c, "pointermove", move |e| {
            let e: &web_sys::PointerEvent = e.unchecked_ref();
            let (x, y) = (e.offset_x() as f64, e.offset_y() as f64);
            view_action(|lp, end| {
                if let Some((x0, t0)) = lp.drag {
                    let Some(canvas) = lesson::canvas(which.id()) else { return };
                    let l = crate::timeline::Layout::new(crate::timeline::css_width(&canvas), 1, true);
                    let span = lp.vp.span();
                    if (x - x0).abs() > 2.0 || !lp.vp.follow {
                        let target = t0 - (x - x0) / l.plot_w() * span;
                        lp.vp.pan(target - lp.vp.t0, end);
                    }
                }
                lp.tip(which, Some((x, y)));
            });
        }));
        for ev in ["pointerup", "pointercancel"] {
            ls.push(EventListener::new(&c, ev, move |_| {
                with(|app| lesson_page(app).map(|lp| lp.drag = None));
            }));
        }
        ls.push(EventListener::new(&c, "pointerleave", move |_| {
            with(|app| {
                lesson_page(app).map(|lp| {
                    lp.drag = None;
                    lp.tip(which, None)
                })
            });
        }));
        ls.push(EventListener::new(&c, "blur", move |_| {
            with(|app| lesson_page(app).map(|lp| lp.tip(which, None)));
        }));
        ls.push(EventListener::new_with_options(
            &c,
            "keydown",
            EventListenerOptions::enable_prevent_default(),
            move |e| {
                let e: &web_sys::KeyboardEvent = e.unchecked_ref();
                let key = e.key();
                let handled = matches!(
                    key.as_str(),
                    "ArrowLeft"
                        | "ArrowRight"
                        | "ArrowUp"
                        | "ArrowDown"
                        | "+"
                        | "="
                        | "-"
                        | "_"
                        | "0"
                        | "Home"
                        | "PageUp"
                        | "PageDown"
                );
                if !handled {
                    return;
                }
                e.prevent_default();
                view_action(|lp, end| {
                    let span = lp.vp.span();
                    let c = (lp.vp.t0 + lp.vp.t1) / 2.0;
                    let rows = which.rows(lp.live.as_ref());
                    let page = crate::timeline::rows_visible(rows);
                    let max = rows.saturating_sub(page);
                    let top = which.top(&mut lp.vp);
                    match key.as_str() {
                        "ArrowLeft" => lp.vp.pan(-span * 0.1, end),
                        "ArrowRight" => lp.vp.pan(span * 0.1, end),
                        "ArrowUp" => *top = top.saturating_sub(1),
                        "ArrowDown" => *top = (*top + 1).min(max),
                        "PageUp" => *top = top.saturating_sub(page),
                        "PageDown" => *top = (*top + page).min(max),
                        "+" | "=" => lp.vp.zoom(0.7, c, end),
                        "-" | "_" => lp.vp.zoom(1.0 / 0.7, c, end),
                        _ => {
                            lp.vp.fit(end);
                            lp.vp.follow = true;
                        }
                    }
                });
            },
        ));
    }
    PAGE_LISTENERS.with(|l| *l.borrow_mut() = ls);
}
