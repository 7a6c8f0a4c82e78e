//! Parlab's page. The page renders and controls; every lesson thread runs in a worker.

use parlab::runtime::browser;
use wasm_bindgen::prelude::*;

mod isolation;

/// Entry point of the module. Workers instantiate the same module (to share its memory)
/// and must not build a page, so this returns at once where there is no window.
#[wasm_bindgen(start)]
pub fn main() {
    let Some(window) = web_sys::window() else { return };
    let document = window.document().expect("a window has a document");
    if !browser::isolated() {
        isolation::show_notice(&document);
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = browser::init_pool(4).await {
            web_sys::console::error_1(&e.to_string().into());
        }
        smoke::mount(&document);
    });
}

mod smoke;
