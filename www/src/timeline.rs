//! The canvas drawing of the timeline (one lane per thread, under a header row per
//! process when the run has more than one) and of the object panel (one row per
//! primitive), on canvases that share one time window; hit-testing for their tooltips.
//!
//! Only what is visible is drawn: each lane finds its first visible segment by binary
//! search, and where segments are narrower than a pixel it draws one pixel column for the
//! most telling state in it and jumps (again by binary search) to the next column. A lane
//! thus costs at most a few operations per pixel of width, however many events it holds.

use crate::dom;
use crate::i18n::{self, tr};
use parlab::analysis::model::Arrow;
use parlab::analysis::model::{Lane, Model, ObjRow, Row, Seg, State};
use parlab::lessons::{Lang, Text};
use parlab::trace::{Actor, ObjKey, ObjKind, Op, ThreadEndHow};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d as Ctx, HtmlCanvasElement};

/// The visible window of lesson time and the first visible row of each panel.
#[derive(Clone, Copy, Debug)]
pub struct Viewport {
    pub t0: f64,
    pub t1: f64,
    /// Keep the whole run in view as it grows (until the learner zooms or pans).
    pub follow: bool,
    pub lane_top: usize,
    pub obj_top: usize,
    /// A moment the learner picked (a console line): marked on both panels.
    pub mark: Option<f64>,
}

impl Default for Viewport {
    fn default() -> Self {
        Viewport { t0: 0.0, t1: 1.0, follow: true, lane_top: 0, obj_top: 0, mark: None }
    }
}

const MIN_SPAN: f64 = 1e-7;

impl Viewport {
    pub fn fit(&mut self, end: f64) {
        self.t0 = 0.0;
        self.t1 = (end * 1.04).max(1e-3);
    }

    pub fn span(&self) -> f64 {
        self.t1 - self.t0
    }

    /// Zooms by `factor` (< 1 zooms in) keeping time `at` where it is.
    pub fn zoom(&mut self, factor: f64, at: f64, end: f64) {
        let max_span = (end.max(0.5) * 4.0).max(1.0);
        let span = (self.span() * factor).clamp(MIN_SPAN, max_span);
        let k = (at - self.t0) / self.span();
        self.t0 = at - k * span;
        self.t1 = self.t0 + span;
        self.follow = false;
        self.clamp(end);
    }

    pub fn pan(&mut self, dt: f64, end: f64) {
        self.t0 += dt;
        self.t1 += dt;
        self.follow = false;
        self.clamp(end);
    }

    fn clamp(&mut self, end: f64) {
        let span = self.span();
        let lo = -span * 0.5;
        let hi = end.max(span) + span * 0.5;
        if self.t0 < lo {
            self.t0 = lo;
            self.t1 = lo + span;
        }
        if self.t1 > hi {
            self.t1 = hi;
            self.t0 = hi - span;
        }
    }
}

/// Geometry of a panel, in CSS pixels.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub w: f64,
    pub h: f64,
    pub gutter: f64,
    pub axis: f64,
    pub row: f64,
    pub rows_visible: usize,
    pub right: f64,
}

/// Most rows shown at once; more scroll.
const MAX_ROWS: usize = 14;

impl Layout {
    pub fn new(width: f64, rows: usize, axis: bool) -> Layout {
        let narrow = width < 560.0;
        let row = if narrow { 22.0 } else { 24.0 };
        let rows_visible = rows.clamp(1, MAX_ROWS);
        let axis = if axis { 22.0 } else { 4.0 };
        Layout {
            w: width,
            h: axis + rows_visible as f64 * row + 6.0,
            gutter: if narrow { 92.0 } else { 160.0 },
            axis,
            row,
            rows_visible,
            right: 10.0,
        }
    }

    pub fn plot_w(&self) -> f64 {
        (self.w - self.gutter - self.right).max(10.0)
    }

    pub fn x(&self, vp: &Viewport, t: f64) -> f64 {
        self.gutter + (t - vp.t0) / vp.span() * self.plot_w()
    }

    pub fn t(&self, vp: &Viewport, x: f64) -> f64 {
        vp.t0 + (x - self.gutter) / self.plot_w() * vp.span()
    }

    pub fn row_y(&self, k: usize) -> f64 {
        self.axis + k as f64 * self.row
    }

    /// The visible row under `y`, counted from the first visible one.
    pub fn row_at(&self, y: f64) -> Option<usize> {
        if y < self.axis {
            return None;
        }
        let k = ((y - self.axis) / self.row) as usize;
        (k < self.rows_visible).then_some(k)
    }
}

/// Colours, read from the page's CSS so that the dark theme applies.
pub struct Palette {
    bg: String,
    grid: String,
    text: String,
    muted: String,
    blocked: String,
    finished: String,
    cursor: String,
    arrow: String,
    value: String,
    flag: String,
    error: String,
    bar_text: String,
    actors: Vec<String>,
}

pub const ACTOR_COLOURS: usize = 10;

impl Palette {
    pub fn read() -> Palette {
        let style = dom::root_style();
        let v = |name: &str, fallback: &str| {
            style.as_ref().map_or(fallback.to_owned(), |s| dom::css_var(s, name, fallback))
        };
        Palette {
            bg: v("--panel", "#fff"),
            grid: v("--grid", "#e5e7eb"),
            text: v("--text", "#111"),
            muted: v("--muted", "#6b7280"),
            blocked: v("--blocked", "#dc2626"),
            finished: v("--finished", "#9ca3af"),
            cursor: v("--cursor", "#2563eb"),
            arrow: v("--arrow", "#111827"),
            value: v("--value", "#0d9488"),
            flag: v("--flag", "#ca8a04"),
            error: v("--error", "#dc2626"),
            bar_text: v("--bar-text", "#fff"),
            actors: (0..ACTOR_COLOURS).map(|i| v(&format!("--actor-{i}"), "#2563eb")).collect(),
        }
    }

    pub fn actor(&self, color: usize) -> &str {
        &self.actors[color % self.actors.len()]
    }
}

/// Sizes the canvas for `layout` (and the device's pixel ratio) and returns its context.
/// Sizes `canvas` for `rows` rows and clears it: the start of every draw. None when the
/// canvas is too narrow to draw anything (hidden, or not laid out yet).
fn begin(canvas: &HtmlCanvasElement, rows: usize) -> Option<(Ctx, Layout, Palette)> {
    let width = css_width(canvas);
    if width < 10.0 {
        return None;
    }
    let l = Layout::new(width, rows, true);
    let ctx = prepare(canvas, &l)?;
    let pal = Palette::read();
    ctx.set_fill_style_str(&pal.bg);
    ctx.fill_rect(0.0, 0.0, l.w, l.h);
    Some((ctx, l, pal))
}

fn prepare(canvas: &HtmlCanvasElement, layout: &Layout) -> Option<Ctx> {
    let dpr = gloo::utils::window().device_pixel_ratio().max(1.0);
    let (pw, ph) = ((layout.w * dpr).round() as u32, (layout.h * dpr).round() as u32);
    if canvas.width() != pw {
        canvas.set_width(pw);
    }
    if canvas.height() != ph {
        canvas.set_height(ph);
    }
    let _ = canvas.style().set_property("height", &format!("{}px", layout.h));
    let ctx: Ctx = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    Some(ctx)
}

/// The canvas's width in CSS pixels (0 while hidden).
pub fn css_width(canvas: &HtmlCanvasElement) -> f64 {
    canvas.get_bounding_client_rect().width()
}

fn fit_text(ctx: &Ctx, text: &str, max: f64) -> String {
    if max <= 8.0 {
        return String::new();
    }
    let w = ctx.measure_text(text).map(|m| m.width()).unwrap_or(0.0);
    if w <= max {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut n = ((max / w) * chars.len() as f64) as usize;
    while n > 0 {
        let s: String = chars[..n].iter().collect::<String>() + "…";
        if ctx.measure_text(&s).map(|m| m.width()).unwrap_or(0.0) <= max {
            return s;
        }
        n -= 1;
    }
    String::new()
}

/// Like [`fit_text`], but keeps both ends (`ThreadPool…0_3`): names differ at their end.
fn fit_name(ctx: &Ctx, text: &str, max: f64) -> String {
    let w = ctx.measure_text(text).map(|m| m.width()).unwrap_or(0.0);
    if w <= max || max <= 8.0 {
        return fit_text(ctx, text, max);
    }
    let chars: Vec<char> = text.chars().collect();
    let tail = chars.len().min(5);
    let end: String = chars[chars.len() - tail..].iter().collect();
    let mut n = chars.len() - tail;
    while n > 0 {
        let s: String = chars[..n].iter().collect::<String>() + "…" + &end;
        if ctx.measure_text(&s).map(|m| m.width()).unwrap_or(0.0) <= max {
            return s;
        }
        n -= 1;
    }
    fit_text(ctx, text, max)
}

/// A "nice" tick step (1, 2 or 5 times a power of ten) for about `px` pixels apart.
fn tick_step(span: f64, plot_w: f64, px: f64) -> f64 {
    let raw = span / (plot_w / px).max(1.0);
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    p * if m < 1.5 {
        1.0
    } else if m < 3.5 {
        2.0
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    }
}

fn draw_axis(ctx: &Ctx, pal: &Palette, l: &Layout, vp: &Viewport, grid_to: f64) {
    let step = tick_step(vp.span(), l.plot_w(), 90.0);
    let first = (vp.t0 / step).ceil() as i64;
    let last = (vp.t1 / step).floor() as i64;
    ctx.set_font("11px system-ui, sans-serif");
    ctx.set_text_baseline("middle");
    ctx.set_text_align("center");
    for k in first..=last.min(first + 400) {
        let t = k as f64 * step;
        let x = l.x(vp, t).round() + 0.5;
        ctx.set_fill_style_str(&pal.grid);
        ctx.fill_rect(x - 0.5, l.axis - 4.0, 1.0, grid_to - l.axis + 4.0);
        if l.axis > 10.0 {
            ctx.set_fill_style_str(&pal.muted);
            let label = axis_label(if t.abs() < step * 1e-6 { 0.0 } else { t }, step);
            let _ = ctx.fill_text(&label, x, l.axis / 2.0);
        }
    }
    ctx.set_text_align("left");
}

/// A tick's label in one unit for the whole axis (chosen from the step).
fn axis_label(t: f64, step: f64) -> String {
    let (v, s) = if step >= 0.1 {
        (t, step)
    } else if step >= 1e-4 {
        (t * 1e3, step * 1e3)
    } else {
        (t * 1e6, step * 1e6)
    };
    let digits = if s >= 1.0 { 0 } else { (-s.log10()).ceil() as usize };
    let n = format!("{v:.digits$}");
    let unit = match (step >= 0.1, step >= 1e-4, i18n::lang()) {
        (true, _, Lang::Ru) => "с",
        (true, _, Lang::En) => "s",
        (false, true, Lang::Ru) => "мс",
        (false, true, Lang::En) => "ms",
        (false, false, Lang::Ru) => "мкс",
        (false, false, Lang::En) => "µs",
    };
    match i18n::lang() {
        Lang::Ru => format!("{} {unit}", n.replace('.', ",")),
        Lang::En => format!("{n} {unit}"),
    }
}

fn clip_plot(ctx: &Ctx, l: &Layout) {
    ctx.save();
    ctx.begin_path();
    ctx.rect(l.gutter, 0.0, l.plot_w() + 1.0, l.h);
    ctx.clip();
}

fn state_priority(s: State) -> u8 {
    match s {
        State::Blocked => 3,
        State::Sleeping => 1,
        State::Running => 2,
    }
}

/// Diagonal stripes in the "blocked" colour, so that blocked bars differ from any actor's
/// colour by their texture too.
fn stripes(ctx: &Ctx, colour: &str) -> Option<web_sys::CanvasPattern> {
    let tile: HtmlCanvasElement = dom::document().create_element("canvas").ok()?.dyn_into().ok()?;
    tile.set_width(8);
    tile.set_height(8);
    let t: Ctx = tile.get_context("2d").ok()??.dyn_into().ok()?;
    t.set_fill_style_str(colour);
    t.fill_rect(0.0, 0.0, 8.0, 8.0);
    t.set_stroke_style_str("rgba(255,255,255,0.35)");
    t.set_line_width(2.0);
    t.begin_path();
    t.move_to(-2.0, 10.0);
    t.line_to(10.0, -2.0);
    t.move_to(-2.0, 2.0);
    t.line_to(2.0, -2.0);
    t.move_to(6.0, 10.0);
    t.line_to(10.0, 6.0);
    t.stroke();
    ctx.create_pattern_with_html_canvas_element(&tile, "repeat").ok().flatten()
}

fn seg_style(pal: &Palette, lane: &Lane, s: &Seg) -> (String, f64) {
    match s.state {
        State::Running => (pal.actor(lane.color).to_owned(), 1.0),
        State::Sleeping => (pal.actor(lane.color).to_owned(), 0.28),
        State::Blocked => (pal.blocked.clone(), 0.9),
    }
}

/// What a blocked segment waits on: `acquire Lock 'lock'`.
pub fn what(model_obj: Option<(ObjKind, &str)>, op: Op) -> String {
    match model_obj {
        Some((ObjKind::Thread, name)) => format!("{} {name}", op.name()),
        Some((kind, name)) => format!("{} {} '{name}'", op.name(), kind.name()),
        None => op.name().to_owned(),
    }
}

/// Names of objects for labels: kind and name, from the trace view.
pub trait Names {
    fn obj(&self, obj: ObjKey) -> Option<(ObjKind, &str)>;
    fn thread(&self, actor: Actor) -> &str;
    fn process(&self, pid: u32) -> &str;
}

impl Names for parlab::analysis::TraceView {
    fn obj(&self, obj: ObjKey) -> Option<(ObjKind, &str)> {
        self.objects.get(&obj).map(|(k, n)| (*k, n.as_str()))
    }
    fn thread(&self, actor: Actor) -> &str {
        self.thread_name(actor)
    }
    fn process(&self, pid: u32) -> &str {
        self.process_name(pid)
    }
}

/// A process's header row: its name and pid in the gutter, a band across the plot.
fn draw_process_header(ctx: &Ctx, pal: &Palette, l: &Layout, y: f64, title: &str) {
    ctx.set_fill_style_str(&pal.grid);
    ctx.set_global_alpha(0.5);
    ctx.fill_rect(0.0, y + 2.0, l.w, l.row - 4.0);
    ctx.set_global_alpha(1.0);
    ctx.set_font("600 12px system-ui, sans-serif");
    ctx.set_fill_style_str(&pal.text);
    let name = fit_name(ctx, title, l.w - 12.0);
    let _ = ctx.fill_text(&name, 6.0, y + l.row / 2.0);
    ctx.set_font("12px system-ui, sans-serif");
}

/// How a process's header reads: `MainProcess (pid 1)`.
pub fn process_title(names: &dyn Names, pid: u32) -> String {
    format!("{} (pid {pid})", names.process(pid))
}

const EXIT_CODE: Text = Text { ru: "код выхода", en: "exit code" };
const BYTES_RU: [&str; 3] = ["байт", "байта", "байт"];
const BYTES_EN: [&str; 2] = ["byte", "bytes"];

/// A child's end as its header shows it: `exit code -15`.
pub fn exit_label(code: i64) -> String {
    format!("{} {code}", tr(EXIT_CODE))
}

/// What crossed between processes along an arrow: `40 bytes`.
pub fn bytes_label(bytes: u32) -> String {
    i18n::counted(bytes as u64, BYTES_RU, BYTES_EN)
}

/// How a hand-off reads: `put Queue 'q'`, `start Process-1`, `end → join`.
fn arrow_what(names: &dyn Names, a: &Arrow) -> String {
    match a.op {
        Op::None => "end → join".to_owned(),
        Op::Start if a.obj == 0 => format!("start {}", names.process(a.to.pid)),
        op => what(names.obj(a.key()), op),
    }
}

/// The exit code at a child's end, on its header row: a tick at the moment it was gone
/// and the code beside it (in the error colour unless 0).
fn draw_exit(ctx: &Ctx, pal: &Palette, l: &Layout, vp: &Viewport, y: f64, te: f64, code: i64) {
    let x = l.x(vp, te);
    let right = l.gutter + l.plot_w();
    if x < l.gutter || x > right {
        return;
    }
    let colour = if code == 0 { &pal.finished } else { &pal.error };
    ctx.set_fill_style_str(colour);
    ctx.fill_rect(x - 1.0, y + 3.0, 2.0, l.row - 6.0);
    ctx.set_font("600 12px system-ui, sans-serif");
    let label = exit_label(code);
    let w = ctx.measure_text(&label).map_or(60.0, |m| m.width());
    // Right of the tick when it fits, else left of it.
    let tx = if x + 6.0 + w <= right { x + 6.0 } else { (x - 6.0 - w).max(l.gutter) };
    let _ = ctx.fill_text(&label, tx, y + l.row / 2.0);
    ctx.set_font("12px system-ui, sans-serif");
}

/// Draws the thread lanes. `now` is the run's current lesson time (the cursor).
pub fn draw_threads(
    canvas: &HtmlCanvasElement,
    model: &Model,
    names: &dyn Names,
    vp: &Viewport,
    now: f64,
    running: bool,
    hover: Option<(f64, f64)>,
) {
    let rows = model.rows();
    let Some((ctx, l, pal)) = begin(canvas, rows.len()) else { return };
    let top = vp.lane_top.min(rows.len().saturating_sub(l.rows_visible));
    let rows_end = (top + l.rows_visible).min(rows.len());
    let grid_to = l.row_y(rows_end - top.min(rows_end));
    draw_axis(&ctx, &pal, &l, vp, grid_to.max(l.axis + l.row));

    ctx.set_font("12px system-ui, sans-serif");
    ctx.set_text_baseline("middle");
    let bar_h = (l.row - 8.0).max(6.0);
    let right = l.gutter + l.plot_w();
    let hatch = stripes(&ctx, &pal.blocked);
    // Lanes, and the header of each process when there are several.
    for (k, row) in rows[top..rows_end].iter().enumerate() {
        let y = l.row_y(k);
        let lane = match *row {
            Row::Process(pid) => {
                draw_process_header(&ctx, &pal, &l, y, &process_title(names, pid));
                if let Some((te, code)) = model.process(pid).and_then(|p| p.exit) {
                    clip_plot(&ctx, &l);
                    draw_exit(&ctx, &pal, &l, vp, y, te, code);
                    ctx.restore();
                }
                continue;
            }
            Row::Lane(i) => &model.lanes[i],
        };
        let yb = y + (l.row - bar_h) / 2.0;
        // Gutter: swatch and name.
        ctx.set_fill_style_str(pal.actor(lane.color));
        ctx.fill_rect(6.0, y + l.row / 2.0 - 5.0, 10.0, 10.0);
        ctx.set_fill_style_str(&pal.text);
        let name = fit_name(&ctx, &lane.name, l.gutter - 28.0);
        let _ = ctx.fill_text(&name, 22.0, y + l.row / 2.0);

        clip_plot(&ctx, &l);
        let cap = if running { now } else { model.end_t };
        let segs = &lane.segs;
        let mut i = segs.partition_point(|s| s.t1 < vp.t0);
        while i < segs.len() {
            let s = &segs[i];
            if s.t0 > vp.t1 {
                break;
            }
            let end = if s.t1.is_infinite() { cap.max(s.t0) } else { s.t1 };
            let x0 = l.x(vp, s.t0).max(l.gutter - 1.0);
            let x1 = l.x(vp, end).min(right + 1.0);
            if x1 - x0 >= 1.0 {
                let (colour, alpha) = seg_style(&pal, lane, s);
                ctx.set_global_alpha(alpha);
                match (&hatch, s.state) {
                    (Some(p), State::Blocked) if x1 - x0 >= 4.0 => ctx.set_fill_style_canvas_pattern(p),
                    _ => ctx.set_fill_style_str(&colour),
                }
                ctx.fill_rect(x0, yb, x1 - x0, bar_h);
                ctx.set_global_alpha(1.0);
                if s.state == State::Blocked && x1 - x0 > 60.0 {
                    ctx.set_fill_style_str(&pal.bar_text);
                    let obj = names.obj(ObjKey::new(lane.actor.pid, s.obj));
                    let label = fit_text(&ctx, &what(obj, s.op), x1 - x0 - 8.0);
                    let _ = ctx.fill_text(&label, x0.max(l.gutter) + 4.0, y + l.row / 2.0);
                } else if s.state == State::Sleeping && x1 - x0 > 50.0 {
                    ctx.set_fill_style_str(&pal.text);
                    let label = fit_text(&ctx, "sleep", x1 - x0 - 8.0);
                    let _ = ctx.fill_text(&label, x0.max(l.gutter) + 4.0, y + l.row / 2.0);
                }
                i += 1;
            } else {
                // Sub-pixel: one column for the most telling state in it, then jump.
                let col = x0.floor();
                let t_next = l.t(vp, col + 1.0);
                let mut best = s;
                let mut j = i;
                while j < segs.len() && j < i + 32 && segs[j].t0 < t_next {
                    if state_priority(segs[j].state) > state_priority(best.state) {
                        best = &segs[j];
                    }
                    j += 1;
                }
                let (colour, alpha) = seg_style(&pal, lane, best);
                ctx.set_global_alpha(alpha);
                ctx.set_fill_style_str(&colour);
                ctx.fill_rect(col, yb, 1.0, bar_h);
                ctx.set_global_alpha(1.0);
                let jump = i + segs[i..].partition_point(|s| s.t1 < t_next);
                i = jump.max(j.min(i + 1)).max(i + 1);
            }
        }
        // After its end: a thin line; at the end, a mark of how it ended.
        if let Some((te, how)) = lane.end {
            let xe = l.x(vp, te);
            let xr = l.x(vp, cap).min(right);
            if xr > xe {
                ctx.set_fill_style_str(&pal.finished);
                ctx.fill_rect(xe, y + l.row / 2.0 - 0.5, xr - xe, 1.0);
            }
            ctx.set_fill_style_str(if how == ThreadEndHow::Raised { &pal.error } else { &pal.finished });
            ctx.fill_rect(xe - 1.0, yb - 2.0, 2.0, bar_h + 4.0);
        }
        // Exceptions raised by operations.
        ctx.set_fill_style_str(&pal.error);
        for (tf, _, _, _) in lane.fails.iter().filter(|f| f.0 >= vp.t0 && f.0 <= vp.t1) {
            let x = l.x(vp, *tf);
            ctx.begin_path();
            ctx.move_to(x, yb - 3.0);
            ctx.line_to(x + 5.0, yb + bar_h / 2.0);
            ctx.line_to(x, yb + bar_h + 3.0);
            ctx.line_to(x - 5.0, yb + bar_h / 2.0);
            ctx.close_path();
            ctx.fill();
        }
        ctx.restore();
    }

    // Hand-offs.
    clip_plot(&ctx, &l);
    ctx.set_stroke_style_str(&pal.arrow);
    ctx.set_fill_style_str(&pal.arrow);
    ctx.set_line_width(1.2);
    let arrows = &model.arrows;
    let first = arrows.partition_point(|a| a.t1 < vp.t0);
    let visible: Vec<_> = arrows[first..]
        .iter()
        .take_while(|a| a.t1 <= vp.t1 + vp.span())
        .filter(|a| a.t0 <= vp.t1 && a.t1 >= vp.t0)
        .collect();
    let stride = (visible.len() / 1500).max(1);
    ctx.set_global_alpha(if stride > 1 { 0.4 } else { 0.75 });
    for a in visible.iter().step_by(stride) {
        let (Some(pf), Some(pt)) = (model.row_of(a.from), model.row_of(a.to)) else { continue };
        let vis = |p: usize| p >= top && p < rows_end;
        if !vis(pf) && !vis(pt) {
            continue;
        }
        let yc = |p: usize| {
            let k = p as f64 - top as f64;
            (l.axis + k * l.row + l.row / 2.0).clamp(l.axis, l.h)
        };
        let (x0, y0, x1, y1) = (l.x(vp, a.t0), yc(pf), l.x(vp, a.t1), yc(pt));
        ctx.begin_path();
        ctx.move_to(x0, y0);
        ctx.line_to(x1, y1);
        ctx.stroke();
        if (y1 - y0).abs() > 4.0 && vis(pt) {
            let dir = if y1 > y0 { -1.0 } else { 1.0 };
            let ang = (y1 - y0).atan2(x1 - x0);
            let (s, c) = ang.sin_cos();
            let (ax, ay) = (x1 - c * 2.0, y1 - s * 2.0 + dir * 0.0);
            ctx.begin_path();
            ctx.move_to(ax, ay);
            ctx.line_to(ax - c * 7.0 + s * 3.5, ay - s * 7.0 - c * 3.5);
            ctx.line_to(ax - c * 7.0 - s * 3.5, ay - s * 7.0 + c * 3.5);
            ctx.close_path();
            ctx.fill();
        }
        // What crossed into another process, beside the arrow's middle when there is room.
        if let (Some(bytes), 1) = (a.bytes, stride) {
            if (x1 - x0).hypot(y1 - y0) > 60.0 && vis(pf) && vis(pt) {
                ctx.set_global_alpha(1.0);
                ctx.set_font("11px system-ui, sans-serif");
                let _ = ctx.fill_text(&bytes_label(bytes), (x0 + x1) / 2.0 + 4.0, (y0 + y1) / 2.0);
                ctx.set_font("12px system-ui, sans-serif");
                ctx.set_global_alpha(0.75);
            }
        }
    }
    ctx.set_global_alpha(1.0);

    // The cursor at the run's current time.
    let xc = l.x(vp, if running { now } else { model.end_t });
    if model.events > 0 && xc >= l.gutter && xc <= right {
        ctx.set_fill_style_str(&pal.cursor);
        ctx.fill_rect(xc - 1.0, l.axis - 2.0, 2.0, grid_to - l.axis + 2.0);
    }
    hover_line(&ctx, &pal, &l, vp, hover, grid_to);
    ctx.restore();
    scrollbar(&ctx, &pal, &l, top, rows.len());
}

fn hover_line(ctx: &Ctx, pal: &Palette, l: &Layout, vp: &Viewport, hover: Option<(f64, f64)>, to: f64) {
    if let Some(m) = vp.mark {
        let x = l.x(vp, m).round();
        if x >= l.gutter && x <= l.gutter + l.plot_w() {
            ctx.set_fill_style_str(&pal.flag);
            let mut y = l.axis;
            while y < to {
                ctx.fill_rect(x - 1.0, y, 2.0, 5.0_f64.min(to - y));
                y += 8.0;
            }
        }
    }
    if let Some((x, _)) = hover {
        if x >= l.gutter {
            ctx.set_fill_style_str(&pal.muted);
            ctx.set_global_alpha(0.6);
            ctx.fill_rect(x.round(), l.axis, 1.0, to - l.axis);
            ctx.set_global_alpha(1.0);
        }
    }
}

fn scrollbar(ctx: &Ctx, pal: &Palette, l: &Layout, top: usize, rows: usize) {
    if rows <= l.rows_visible {
        return;
    }
    let track = l.h - l.axis - 4.0;
    let h = (track * l.rows_visible as f64 / rows as f64).max(12.0);
    let y = l.axis + (track - h) * top as f64 / (rows - l.rows_visible) as f64;
    ctx.set_fill_style_str(&pal.muted);
    ctx.set_global_alpha(0.5);
    ctx.fill_rect(l.w - 6.0, y, 4.0, h);
    ctx.set_global_alpha(1.0);
}

/// How one object's state reads at a step.
pub fn step_label(row: &ObjRow, value: i64, holder: Option<Actor>, waiting: u32, names: &dyn Names) -> String {
    let base = match row.kind {
        ObjKind::Lock | ObjKind::RLock | ObjKind::Gil => match holder {
            None => tr(i18n::FREE).to_owned(),
            Some(h) if row.kind == ObjKind::RLock && value > 1 => format!("{} ×{value}", names.thread(h)),
            Some(h) => names.thread(h).to_owned(),
        },
        ObjKind::Event => tr(if value > 0 { i18n::FLAG_SET } else { i18n::FLAG_CLEAR }).to_owned(),
        ObjKind::Barrier | ObjKind::Condition => format!("{} {waiting}", tr(i18n::WAITING)),
        ObjKind::Timer => match value {
            2 => tr(i18n::TIMER_FIRED).to_owned(),
            3 => tr(i18n::CANCELLED).to_owned(),
            _ if waiting > 0 => return tr(i18n::TIMER_WAITING).to_owned(),
            _ => "—".to_owned(),
        },
        ObjKind::Future => tr(match value {
            1 => i18n::FUT_RUNNING,
            2 => i18n::FUT_DONE,
            3 => i18n::CANCELLED,
            _ => i18n::FUT_PENDING,
        })
        .to_owned(),
        ObjKind::Executor => format!("{} {value}", tr(i18n::SUBMITTED)),
        _ => value.to_string(),
    };
    if waiting > 0 && !matches!(row.kind, ObjKind::Barrier | ObjKind::Condition | ObjKind::Timer) {
        format!("{base} · {} {waiting}", tr(i18n::WAITING))
    } else {
        base
    }
}

pub fn obj_title(row: &ObjRow) -> String {
    format!("{} '{}'", row.kind.name(), row.name)
}

/// Draws the object rows over the same time window as the timeline.
pub fn draw_objects(
    canvas: &HtmlCanvasElement,
    model: &Model,
    names: &dyn Names,
    vp: &Viewport,
    now: f64,
    running: bool,
    hover: Option<(f64, f64)>,
) {
    let Some((ctx, l, pal)) = begin(canvas, model.objects.len()) else { return };
    let n = model.objects.len();
    let top = vp.obj_top.min(n.saturating_sub(l.rows_visible));
    let end_row = (top + l.rows_visible).min(n);
    let grid_to = l.row_y(end_row - top.min(end_row)).max(l.axis + l.row);
    draw_axis(&ctx, &pal, &l, vp, grid_to);
    let cap = if running { now } else { model.end_t };
    let right = l.gutter + l.plot_w();
    let bar_h = l.row - 6.0;
    ctx.set_text_baseline("middle");
    for (k, row) in model.objects[top..end_row].iter().enumerate() {
        let y = l.row_y(k);
        let yb = y + 3.0;
        // The name first (it is what the listing says), then the class, muted.
        ctx.set_font("12px system-ui, sans-serif");
        ctx.set_fill_style_str(&pal.text);
        let name = fit_name(&ctx, &row.name, l.gutter - 20.0);
        let _ = ctx.fill_text(&name, 6.0, y + l.row / 2.0);
        let nw = ctx.measure_text(&name).map(|m| m.width()).unwrap_or(40.0);
        ctx.set_fill_style_str(&pal.muted);
        let kind = fit_text(&ctx, row.kind.name(), l.gutter - nw - 18.0);
        let _ = ctx.fill_text(&kind, 11.0 + nw, y + l.row / 2.0);
        // Baseline of the row.
        ctx.set_fill_style_str(&pal.grid);
        ctx.fill_rect(l.gutter, yb + bar_h, l.plot_w(), 1.0);

        clip_plot(&ctx, &l);
        let steps = &row.steps;
        let mut i = steps.partition_point(|s| s.t <= vp.t0).saturating_sub(1);
        while i < steps.len() {
            let s = &steps[i];
            if s.t > vp.t1 || s.t > cap {
                break;
            }
            let t_end = steps.get(i + 1).map_or(cap, |n| n.t).max(s.t);
            let x0 = l.x(vp, s.t).max(l.gutter - 1.0);
            let x1 = l.x(vp, t_end).min(right + 1.0);
            let (step, next) = if x1 - x0 >= 1.0 {
                (*s, i + 1)
            } else {
                // Sub-pixel: the column shows the highest value in it.
                let col = x0.floor();
                let t_next = l.t(vp, col + 1.0);
                let mut best = *s;
                let mut j = i;
                while j < steps.len() && j < i + 32 && steps[j].t < t_next {
                    if steps[j].value > best.value || steps[j].waiting > best.waiting {
                        best = steps[j];
                    }
                    j += 1;
                }
                // The last step starting in this column goes on past it: draw it next.
                let jump = i + steps[i..].partition_point(|s| s.t < t_next);
                (best, jump.saturating_sub(1).max(i + 1))
            };
            let (x0, x1) = if x1 - x0 >= 1.0 { (x0, x1) } else { (x0.floor(), x0.floor() + 1.0) };
            let wide = x1 - x0;
            // Fill: holder colour for locks, height for counters, full for a set flag.
            let (colour, frac, alpha) = match row.kind {
                ObjKind::Lock | ObjKind::RLock | ObjKind::Gil => match step.holder {
                    Some(h) => (pal.actor(model.color_of(h)).to_owned(), 1.0, 0.85),
                    None => (pal.grid.clone(), 0.0, 1.0),
                },
                ObjKind::Event => (pal.flag.clone(), if step.value > 0 { 1.0 } else { 0.0 }, 0.8),
                ObjKind::Barrier | ObjKind::Condition => {
                    (pal.blocked.clone(), step.waiting as f64 / row.max_waiting.max(1) as f64, 0.6)
                }
                ObjKind::Timer => match step.value {
                    2 => (pal.flag.clone(), 1.0, 0.8),
                    3 => (pal.finished.clone(), 0.35, 0.8),
                    _ => (pal.flag.clone(), if step.waiting > 0 { 0.25 } else { 0.0 }, 0.8),
                },
                ObjKind::Future => match step.value {
                    1 => (pal.value.clone(), 0.5, 0.8),
                    2 => (pal.flag.clone(), 1.0, 0.7),
                    3 => (pal.finished.clone(), 0.35, 0.8),
                    _ => (pal.grid.clone(), 0.0, 1.0),
                },
                ObjKind::Executor => (pal.value.clone(), step.value.max(0) as f64 / row.max_value.max(1) as f64, 0.5),
                _ => (pal.value.clone(), step.value.max(0) as f64 / row.max_value.max(1) as f64, 0.75),
            };
            if frac > 0.0 {
                let h = (bar_h * frac).max(2.0);
                ctx.set_global_alpha(alpha);
                ctx.set_fill_style_str(&colour);
                ctx.fill_rect(x0, yb + bar_h - h, wide, h);
                ctx.set_global_alpha(1.0);
            }
            if step.waiting > 0 && !matches!(row.kind, ObjKind::Barrier | ObjKind::Condition | ObjKind::Timer) {
                ctx.set_fill_style_str(&pal.blocked);
                ctx.fill_rect(x0, yb + bar_h - 3.0, wide, 3.0);
            }
            if wide > 34.0 {
                ctx.set_font("11px system-ui, sans-serif");
                ctx.set_fill_style_str(&pal.text);
                let label = fit_text(&ctx, &step_label(row, step.value, step.holder, step.waiting, names), wide - 6.0);
                let _ = ctx.fill_text(&label, x0.max(l.gutter) + 3.0, y + l.row / 2.0);
            }
            i = next;
        }
        ctx.restore();
    }
    clip_plot(&ctx, &l);
    let xc = l.x(vp, cap);
    if n > 0 && xc >= l.gutter && xc <= right {
        ctx.set_fill_style_str(&pal.cursor);
        ctx.fill_rect(xc - 1.0, l.axis - 2.0, 2.0, grid_to - l.axis + 2.0);
    }
    hover_line(&ctx, &pal, &l, vp, hover, grid_to);
    ctx.restore();
    scrollbar(&ctx, &pal, &l, top, n);
}

/// What is under the pointer on the timeline, as lines of text.
pub fn hit_thread(
    canvas: &HtmlCanvasElement,
    model: &Model,
    names: &dyn Names,
    vp: &Viewport,
    now: f64,
    running: bool,
    x: f64,
    y: f64,
) -> Option<Vec<String>> {
    let rows = model.rows();
    let l = Layout::new(css_width(canvas), rows.len(), true);
    let k = l.row_at(y)?;
    let top = vp.lane_top.min(rows.len().saturating_sub(l.rows_visible));
    let lane = match *rows.get(top + k)? {
        Row::Process(pid) => {
            let threads = model.lanes.iter().filter(|l| l.actor.pid == pid).count() as u64;
            let mut out = vec![process_title(names, pid), i18n::counted(threads, i18n::THREADS_RU, i18n::THREADS_EN)];
            if let Some((te, code)) = model.process(pid).and_then(|p| p.exit) {
                out.push(format!("{} · {}", exit_label(code), i18n::secs(te)));
            }
            return Some(out);
        }
        Row::Lane(i) => &model.lanes[i],
    };
    if x < l.gutter {
        return Some(vec![lane.name.clone(), lane_summary(lane, names, model.end_t)]);
    }
    let t = l.t(vp, x);
    let mut out = vec![format!("{} · {}", lane.name, i18n::secs(t))];
    let cap = if running { now } else { model.end_t };
    match lane.seg_at(t) {
        Some(s) if t <= cap => {
            let state = match s.state {
                State::Running => tr(i18n::ST_RUNNING).to_owned(),
                State::Sleeping => format!("{} (time.sleep)", tr(i18n::ST_SLEEPING)),
                State::Blocked => {
                    let obj = names.obj(ObjKey::new(lane.actor.pid, s.obj));
                    format!("{}: {}", tr(i18n::ST_BLOCKED), what(obj, s.op))
                }
            };
            out.push(state);
            let end = if s.t1.is_infinite() { cap } else { s.t1 };
            out.push(format!("{} → {} ({})", i18n::secs(s.t0), i18n::secs(end), i18n::secs(end - s.t0)));
        }
        _ => match lane.end {
            Some((te, how)) if t >= te => out.push(format!("{} · {}", tr(i18n::ST_FINISHED), end_how(how))),
            _ => out.push(tr(i18n::ST_NOT_STARTED).to_owned()),
        },
    }
    // A hand-off arrow under the pointer.
    let yc = |p: usize| l.axis + (p as f64 - top as f64) * l.row + l.row / 2.0;
    let first = model.arrows.partition_point(|a| a.t1 < vp.t0);
    for a in model.arrows[first..].iter().take_while(|a| a.t1 <= vp.t1 + vp.span()).take(20_000) {
        let (Some(pf), Some(pt)) = (model.row_of(a.from), model.row_of(a.to)) else { continue };
        let (x0, y0, x1, y1) = (l.x(vp, a.t0), yc(pf), l.x(vp, a.t1), yc(pt));
        if dist_to_segment(x, y, x0, y0, x1, y1) <= 4.0 {
            let what = arrow_what(names, a);
            let who = |actor: Actor| {
                if model.multi_process() {
                    format!("{}/{}", names.process(actor.pid), names.thread(actor))
                } else {
                    names.thread(actor).to_owned()
                }
            };
            let bytes = a.bytes.map_or(String::new(), |b| format!(", {}", bytes_label(b)));
            out.push(format!("↳ {} {what} → {} ({}{bytes})", who(a.from), who(a.to), i18n::secs(a.t1 - a.t0)));
            break;
        }
    }
    // An exception raised near here.
    let px = vp.span() / l.plot_w() * 6.0;
    for (tf, op, obj, msg) in &lane.fails {
        if (tf - t).abs() <= px {
            out.push(format!("✗ {}: {msg}", what(names.obj(ObjKey::new(lane.actor.pid, *obj)), *op)));
        }
    }
    Some(out)
}

fn dist_to_segment(px: f64, py: f64, x0: f64, y0: f64, x1: f64, y1: f64) -> f64 {
    let (dx, dy) = (x1 - x0, y1 - y0);
    let len2 = dx * dx + dy * dy;
    let k = if len2 == 0.0 { 0.0 } else { (((px - x0) * dx + (py - y0) * dy) / len2).clamp(0.0, 1.0) };
    let (cx, cy) = (x0 + k * dx, y0 + k * dy);
    ((px - cx).powi(2) + (py - cy).powi(2)).sqrt()
}

pub fn end_how(how: ThreadEndHow) -> &'static str {
    tr(match how {
        ThreadEndHow::Returned => i18n::END_RETURNED,
        ThreadEndHow::Raised => i18n::END_RAISED,
        ThreadEndHow::CutOff => i18n::END_CUTOFF,
        ThreadEndHow::Stopped => i18n::END_STOPPED,
    })
}

/// Time in each state, and how the thread ended.
pub fn lane_summary(lane: &Lane, _names: &dyn Names, end_t: f64) -> String {
    let (mut run, mut sleep, mut blocked) = (0.0, 0.0, 0.0);
    for s in &lane.segs {
        let d = (if s.t1.is_infinite() { end_t } else { s.t1 } - s.t0).max(0.0);
        match s.state {
            State::Running => run += d,
            State::Sleeping => sleep += d,
            State::Blocked => blocked += d,
        }
    }
    let mut s = format!(
        "{} {}, {} {}, {} {}",
        tr(i18n::ST_RUNNING),
        i18n::secs(run),
        tr(i18n::ST_SLEEPING),
        i18n::secs(sleep),
        tr(i18n::ST_BLOCKED),
        i18n::secs(blocked)
    );
    if let Some((te, how)) = lane.end {
        s.push_str(&format!("; {} {} ({})", tr(i18n::ST_FINISHED), i18n::secs(te), end_how(how)));
    }
    s
}

/// What is under the pointer on the object panel.
pub fn hit_object(
    canvas: &HtmlCanvasElement,
    model: &Model,
    names: &dyn Names,
    vp: &Viewport,
    x: f64,
    y: f64,
) -> Option<Vec<String>> {
    let l = Layout::new(css_width(canvas), model.objects.len(), true);
    let k = l.row_at(y)?;
    let top = vp.obj_top.min(model.objects.len().saturating_sub(l.rows_visible));
    let row = model.objects.get(top + k)?;
    if x < l.gutter {
        let last = row.steps.last()?;
        return Some(vec![obj_title(row), step_label(row, last.value, last.holder, last.waiting, names)]);
    }
    let t = l.t(vp, x);
    let s = row.step_at(t)?;
    Some(vec![
        format!("{} · {}", obj_title(row), i18n::secs(t)),
        step_label(row, s.value, s.holder, s.waiting, names),
        format!("{} {}", tr(i18n::VALUE), s.value),
    ])
}

/// Rows a panel has room for (to scroll by keys).
pub fn rows_visible(rows: usize) -> usize {
    rows.clamp(1, MAX_ROWS)
}
