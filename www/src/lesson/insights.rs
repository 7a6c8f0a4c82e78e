//! The insights panel: what this very run showed, each finding observed or not, with its
//! numbers (computed by the lesson from the run's trace when it ends).

use super::Live;
use crate::dom::{self, escape};
use crate::i18n::{self, tr};
use parlab::trace::EndState;

pub fn html() -> String {
    format!(
        r#"<section class="panel insights-panel" aria-labelledby="insights-h">
  <h2 id="insights-h" class="panel-h">{insights_h}</h2>
  <ul id="insights" class="insights"><li class="placeholder muted">{insights_empty}</li></ul>
</section>"#,
        insights_h = escape(tr(i18n::INSIGHTS)),
        insights_empty = escape(tr(i18n::INSIGHTS_EMPTY)),
    )
}

/// Fills the list: a placeholder before and during a run, then each finding with ✓ or ○.
pub fn show(live: Option<&Live>) {
    let lang = i18n::lang();
    let html = match live {
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

fn partial_note(state: EndState) -> String {
    let text = match state {
        EndState::Stopped => i18n::PARTIAL_STOPPED,
        EndState::Failed => i18n::PARTIAL_FAILED,
        _ => return String::new(),
    };
    format!(r#"<li class="partial-note muted" id="insights-partial">{}</li>"#, escape(tr(text)))
}
