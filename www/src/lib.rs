//! Parlab's page: the lesson catalog and the lesson playground, in Rust (web-sys, gloo).
//! The page renders and controls; every lesson thread runs in a worker, and nothing here
//! ever waits.

use parlab::runtime::browser;
use wasm_bindgen::prelude::*;

mod app;
mod catalog;
mod dom;
mod embed;
mod highlight;
mod i18n;
mod isolation;
mod lesson;
mod model;
mod special;
mod timeline;
mod urlstate;

/// Entry point of the module. Workers instantiate the same module (to share its memory)
/// and must not build a page, so this returns at once where there is no window.
#[wasm_bindgen(start)]
pub fn main() {
    let Some(window) = web_sys::window() else { return };
    let document = window.document().expect("a window has a document");
    if !browser::isolated() {
        isolation::show_notice(&document);
        // An embedding page hears why nothing will run.
        embed::post(&embed::error(&[(
            String::new(),
            parlab::lessons::Msg::new(i18n::ERROR_NOT_ISOLATED.ru, i18n::ERROR_NOT_ISOLATED.en),
        )]));
        return;
    }
    app::start();
}
