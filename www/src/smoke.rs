//! A minimal check that threads run: the core count and a contended counter in workers.

use parlab::prims::Lock;
use parlab::runtime::{browser, RunConfig};
use parlab::threading::Thread;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Document;

pub fn mount(document: &Document) {
    let body = document.body().expect("a body");
    body.set_inner_html(&format!(
        r#"<main><h1>Parlab</h1><p>Cores: <span id="cores">{}</span></p>
<button id="smoke-run">Run 4 threads x 10000 locked increments</button>
<p id="smoke-result" aria-live="polite"></p></main>"#,
        browser::cores()
    ));
    let button = document.get_element_by_id("smoke-run").unwrap();
    let doc = document.clone();
    let onclick = Closure::<dyn FnMut()>::new(move || {
        let total = Arc::new(AtomicU64::new(0));
        let t2 = total.clone();
        let run = browser::start(&RunConfig::default(), move || {
            let lock = Arc::new(Lock::named("counter"));
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let (lock, total) = (lock.clone(), t2.clone());
                    Thread::new("add", move || {
                        for _ in 0..10_000 {
                            lock.with(|| {
                                let v = total.load(Ordering::Relaxed);
                                total.store(v + 1, Ordering::Relaxed);
                                Ok(())
                            })?;
                        }
                        Ok(())
                    })
                })
                .collect();
            for t in &threads {
                t.start()?;
            }
            for t in &threads {
                t.join(None)?;
            }
            Ok(())
        });
        let doc = doc.clone();
        let total = total.clone();
        wasm_bindgen_futures::spawn_local(async move {
            while !run.is_done() {
                browser::tick(&run);
                gloo::timers::future::TimeoutFuture::new(10).await;
            }
            let out = doc.get_element_by_id("smoke-result").unwrap();
            out.set_text_content(Some(&format!("{:?}: {}", run.end_state().unwrap(), total.load(Ordering::Relaxed))));
        });
    });
    button.dyn_ref::<web_sys::HtmlElement>().unwrap().set_onclick(Some(onclick.as_ref().unchecked_ref()));
    onclick.forget();
}
