//! The controls and the run's status: Run, Stop, the speed, the link, a lesson's own
//! controls (`special`), then the status line (state, lesson time, counts, the seed), the
//! progress bar and how the run ended (who waits on whom after a deadlock).

use super::{LessonPage, Live, Outcome};
use crate::dom::{self, escape};
use crate::i18n::{self, tr};
use parlab::lessons::{Lang, Msg};
use parlab::trace::EndState;
use serde_json::json;

pub const SPEED_MIN: f64 = 0.01;
pub const SPEED_MAX: f64 = 1000.0;
/// The speeds the −/+ buttons step through.
pub const SPEED_STEPS: [f64; 16] =
    [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0];

pub fn parse_speed(s: &str) -> Option<f64> {
    let v: f64 = s.trim().replace(',', ".").parse().ok()?;
    (v.is_finite() && (SPEED_MIN..=SPEED_MAX).contains(&v)).then_some(v)
}

pub fn speed_text(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// How the page names a run's seed: `0x` and 16 hex digits.
pub fn seed_text(seed: u64) -> String {
    format!("{} 0x{seed:016x}", tr(i18n::SEED))
}

/// The controls and status of the code panel.
pub fn html(page: &LessonPage) -> String {
    let run_title = format!("{} (Ctrl+Enter)", tr(i18n::RUN));
    let stop_title = format!("{} (Esc)", tr(i18n::STOP));
    format!(
        r##"<div class="controls">
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
    <div class="status-line"><span id="status-icon" class="status-icon" aria-hidden="true">○</span> <strong id="status-text">{idle}</strong> <span id="status-meta" class="muted"></span> <span id="status-seed" class="muted small seed" title="{seed_help}" hidden></span></div>
    <progress id="progress" class="progress" hidden aria-label="{running}"></progress>
    <div id="end-state" class="end-state" hidden></div>
  </div>
  <div id="announce" class="sr-only" aria-live="polite"></div>"##,
        special = crate::special::controls_html(page.lesson),
        run = escape(tr(i18n::RUN)),
        stop = escape(tr(i18n::STOP)),
        speed_l = escape(tr(i18n::SPEED)),
        slower = escape(tr(i18n::SLOWER)),
        faster = escape(tr(i18n::FASTER)),
        speed = escape(&page.speed),
        speed_hint = escape(tr(i18n::SPEED_HINT)),
        speed_help = escape(tr(i18n::SPEED_HELP)),
        copy = escape(tr(i18n::COPY_LINK)),
        idle = escape(tr(i18n::STATUS_IDLE)),
        running = escape(tr(i18n::STATUS_RUNNING)),
        seed_help = escape(tr(i18n::SEED_HELP)),
    )
}

pub fn update_buttons(page: &LessonPage, pool_ready: bool) {
    let running = page.running();
    dom::set_disabled("run", running || !page.errors.is_empty() || !pool_ready);
    let stopping = page.live.as_ref().is_some_and(|l| l.stop_requested && l.running());
    // Stop stays enabled while the run winds down: disabling the focused button would
    // drop keyboard focus on the floor (a second press is harmless).
    dom::set_disabled("stop", !running);
    dom::set_text("stop-label", tr(if stopping { i18n::STOPPING } else { i18n::STOP }));
    let has_run = page.live.as_ref().is_some_and(|l| l.model.events > 0);
    dom::set_disabled("export-trace", !has_run);
    dom::set_disabled("export-console", !has_run);
}

/// The status line, progress and end state.
pub fn update_status(page: &LessonPage, pool_ready: bool) {
    update_buttons(page, pool_ready);
    let Some(live) = &page.live else {
        let (state, text) =
            if pool_ready { ("idle", tr(i18n::STATUS_IDLE)) } else { ("preparing", tr(i18n::PREPARING)) };
        dom::set_attr("status", "data-state", state);
        dom::set_text("status-text", text);
        dom::set_text("status-icon", "○");
        dom::set_text("status-meta", "");
        dom::set_hidden("progress", true);
        dom::set_hidden("end-state", true);
        dom::remove_attr("end-state", "data-state");
        dom::set_hidden("status-seed", true);
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
            dom::remove_attr("end-state", "data-state");
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
    match live.view.seed {
        Some(seed) => {
            dom::set_text("status-seed", &seed_text(seed));
            dom::set_hidden("status-seed", false);
        }
        None => dom::set_hidden("status-seed", true),
    }
    let dropped = live.view.dropped;
    if dropped > 0 {
        dom::set_text("status-meta", &format!("{meta} · {}{}", tr(i18n::DROPPED), i18n::count(dropped)));
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
pub fn reason_msg(live: &Live, o: &Outcome) -> serde_json::Value {
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
            let edges: Vec<Msg> = edges(live);
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

/// Who waits on whom, in the core's one wording (the model keeps each edge once).
fn edges(live: &Live) -> Vec<Msg> {
    live.model.edges.iter().map(|e| e.describe(&live.view)).collect()
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
            let items: String = edges(live).iter().map(|m| format!("<li>{}</li>", escape(m.get(lang)))).collect();
            format!(r#"<p>{}</p><ul class="edges">{items}</ul>"#, escape(tr(i18n::DEADLOCK_EXPLAIN)))
        }
        _ => format!("<p>{}</p>", escape(reason(live, o).get(lang))),
    }
}
