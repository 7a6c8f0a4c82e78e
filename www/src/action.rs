//! What a learner or the embedding page can ask of the page, typed: parsed once from a
//! control's `data-action` attribute (or from a `postMessage`), then dispatched by
//! `app::act`. The names here are the only place the attribute values are read.

use crate::i18n;
use parlab::lessons::Lang;
use web_sys::Element;

/// Where new parameter values come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// An input of the listing (it already shows the value).
    Input,
    /// The embedding page (the listing is redrawn to show the values).
    Host,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Run,
    Stop,
    /// New texts for some parameters (`speed` for the speed).
    SetParams {
        pairs: Vec<(String, String)>,
        source: Source,
    },
    /// One step of the speed up (faster) or down.
    StepSpeed {
        faster: bool,
    },
    ZoomIn,
    ZoomOut,
    /// The whole run in view, following it as it grows.
    Fit,
    Lang(Lang),
    ExportTrace,
    ExportConsole,
    CopyLink,
    /// "About" clicked at `at` (the event's time stamp, page clock in ms).
    About {
        at: f64,
    },
    /// Move focus to the element with this id (a refusal's link to its input).
    Focus(String),
}

impl Action {
    /// The action of a control clicked at `at` (page clock, ms), from its `data-action`
    /// and the attributes that action needs; `None` for an unknown or incomplete one.
    pub fn from_element(el: &Element, at: f64) -> Option<Action> {
        Some(match el.get_attribute("data-action")?.as_str() {
            "run" => Action::Run,
            "stop" => Action::Stop,
            "slower" => Action::StepSpeed { faster: false },
            "faster" => Action::StepSpeed { faster: true },
            "zoom-in" => Action::ZoomIn,
            "zoom-out" => Action::ZoomOut,
            "fit" => Action::Fit,
            "lang" => Action::Lang(i18n::parse(&el.get_attribute("data-lang")?)?),
            "export-trace" => Action::ExportTrace,
            "export-console" => Action::ExportConsole,
            "copy-link" => Action::CopyLink,
            "about" => Action::About { at },
            "focus" => Action::Focus(el.get_attribute("data-target")?),
            _ => return None,
        })
    }
}
