//! Parlab's page: the lesson catalog and the lesson playground, in Rust (web-sys, gloo).
//! The page renders and controls; every lesson thread runs in a worker, and nothing here
//! ever waits.

// The page's modules only exist in the browser; the highlighter, the languages and the
// reading of the embedding page's messages are plain Rust and are also built natively,
// for their unit tests (`cargo test -p parlab-www --lib`). The read model the
// page draws is the core's (`parlab::analysis::model`), tested there.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code, unused_imports))]

#[cfg(target_arch = "wasm32")]
use parlab::runtime::browser;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen::prelude::*;

mod action;
#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod catalog;
mod dom;
mod embed;
mod highlight;
mod i18n;
#[cfg(target_arch = "wasm32")]
mod isolation;
#[cfg(target_arch = "wasm32")]
mod lesson;
#[cfg(target_arch = "wasm32")]
mod special;
#[cfg(target_arch = "wasm32")]
mod timeline;
#[cfg(target_arch = "wasm32")]
mod urlstate;

/// Entry point of the module. Workers instantiate the same module (to share its memory)
/// and must not build a page, so this returns at once where there is no window.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen(start)]
pub fn main() {
    if web_sys::window().is_none() {
        return;
    }
    if browser::isolated() {
        isolation::isolated_now();
    } else {
        // A static host sends no isolation headers: the service worker adds them, and the
        // page reloads under it.
        if isolation::try_service_worker(start_without_threads) {
            return;
        }
        start_without_threads();
        return;
    }
    app::start();
}

/// The page where threads cannot run: the lessons still show, with a notice, and an
/// embedding page hears why nothing will run.
#[cfg(target_arch = "wasm32")]
fn start_without_threads() {
    embed::post(&embed::error(&[(String::new(), isolation::error_msg())]));
    app::start();
}
