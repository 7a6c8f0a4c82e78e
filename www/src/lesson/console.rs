//! The console panel: every printed line stamped with lesson time and thread (and process,
//! when the run has more than one), stderr marked; the newest lines only in the page, all
//! of them in the download.

use super::Live;
use crate::dom::{self, escape};
use crate::i18n::{self, tr};
use crate::timeline;
use parlab::lessons::Lang;

/// Console lines kept in the page at once; the rest are in the download.
const MAX_DOM_LINES: usize = 2000;

/// What the console panel has put in the page.
#[derive(Default)]
pub struct Console {
    /// Lines of the run already in the page.
    pub shown: usize,
}

pub fn html() -> String {
    format!(
        r#"<section class="panel console-panel" aria-labelledby="console-h">
  <div class="panel-head"><h2 id="console-h" class="panel-h">{console_h}</h2>
    <div class="tools" role="group" aria-label="{export}">
      <button type="button" class="btn small" id="export-console" data-action="export-console" disabled>⤓ {export_console}</button>
      <button type="button" class="btn small" id="export-trace" data-action="export-trace" disabled>⤓ {export_trace}</button>
    </div></div>
  <p id="console-hidden" class="muted small" hidden></p>
  <div id="console" class="console" role="log" aria-labelledby="console-h" tabindex="0"><div class="placeholder">{console_empty}</div></div>
</section>"#,
        console_h = escape(tr(i18n::CONSOLE)),
        export = escape(tr(i18n::EXPORT)),
        export_console = escape(tr(i18n::EXPORT_CONSOLE)),
        export_trace = escape(tr(i18n::EXPORT_TRACE)),
        console_empty = escape(tr(i18n::CONSOLE_EMPTY)),
    )
}

/// Adds the console lines not yet in the page (or refills it).
pub fn append(console: &mut Console, live: Option<&Live>, refill: bool) {
    let Some(live) = live else { return };
    let Some(list) = dom::by_id("console") else { return };
    let total = live.model.lines.len();
    if refill {
        list.set_inner_html("");
        console.shown = 0;
    }
    if total == console.shown {
        if total == 0 && refill {
            let msg = escape(tr(i18n::CONSOLE_EMPTY));
            list.set_inner_html(&format!(r#"<div class="placeholder">{msg}</div>"#));
        }
        return;
    }
    if console.shown == 0 {
        list.set_inner_html("");
    }
    let at_bottom = list.scroll_top() as f64 + list.client_height() as f64 >= list.scroll_height() as f64 - 40.0;
    let from = console.shown.max(total.saturating_sub(MAX_DOM_LINES));
    let mut html = String::new();
    for line in &live.model.lines[from..total] {
        let who = live.view.thread_name(line.actor);
        let colour = live.model.color_of(line.actor) % timeline::ACTOR_COLOURS;
        html.push_str(&format!(
            r#"<div class="ln a{colour}{err}" data-actor="{actor}" data-t="{tt}"><span class="t">{t}</span>{who}<span class="txt">{text}</span></div>"#,
            err = if line.stderr { " err" } else { "" },
            actor = format_args!("{}.{}", line.actor.pid, line.actor.tid),
            tt = line.t,
            t = escape(&fmt_t(line.t)),
            who = who_html(who),
            text = escape(&line.text)
        ));
    }
    let _ = list.insert_adjacent_html("beforeend", &html);
    console.shown = total;
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
            &format!("{}{} — {}", tr(i18n::CONSOLE_HIDDEN), i18n::count(hidden as u64), tr(i18n::CONSOLE_HIDDEN_HINT)),
        );
    }
    dom::set_hidden("console-hidden", hidden == 0);
    if at_bottom || refill {
        list.set_scroll_top(list.scroll_height());
    }
}

/// The whole console as a text file: `[   0.105 s] MainThread: text`.
pub fn export_text(live: &Live) -> String {
    let mut s = String::new();
    for l in &live.model.lines {
        s.push_str(&format!(
            "[{:>9.3} s] {}{}: {}\n",
            l.t,
            if l.stderr { "stderr " } else { "" },
            live.model.who(&live.view, l.actor),
            l.text
        ));
    }
    s
}

fn fmt_t(t: f64) -> String {
    let s = if t < 100.0 { format!("{t:.2}") } else { format!("{t:.1}") };
    match i18n::lang() {
        Lang::Ru => s.replace('.', ","),
        Lang::En => s,
    }
}

/// The actor's name for the console's narrow column. Where it has to be cut, the cut is in
/// its head, never in the suffix that tells one thread from its siblings
/// (`ThreadPoolExecutor-0_3` shows as `ThreadPoolE…_3`): the suffix is a span of its own
/// that never shrinks.
fn who_html(name: &str) -> String {
    let (head, tail) = crate::dom::split_suffix(name);
    if tail.is_empty() {
        return format!(r#"<span class="who"><span class="h">{}</span></span>"#, escape(head));
    }
    format!(
        r#"<span class="who" style="--tail:{}ch"><span class="h">{}</span>{}</span>"#,
        tail.chars().count(),
        escape(head),
        escape(tail)
    )
}
