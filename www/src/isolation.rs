//! Cross-origin isolation, which real threads need: browsers give `SharedArrayBuffer` only
//! to an isolated page. A server sends the headers (`Trunk.toml`, README's Deploying); a
//! static host that cannot gets them from the service worker `coi-sw.js`, which the page
//! registers when it finds itself not isolated, then reloads once under its control. Where
//! even that cannot work, the lesson still shows (listing, parameters, explanation) with a
//! notice in the learner's language and the way out that works from where it is.

use crate::dom::escape;
use crate::i18n;
use parlab::lessons::Lang;
use wasm_bindgen_futures::JsFuture;

/// Set for this tab's session once the service worker was tried: if the page is still not
/// isolated after its reload, it cannot be (an old browser, a private window, an embedder
/// that blocks it), and trying again would reload forever.
const TRIED: &str = "parlab:isolation-tried";

/// Starts isolating the page with the service worker when that can help; the page then
/// reloads. Returns false when it cannot help (tried already this session, no service
/// workers here, not a secure context), and the page goes on without threads. Should the
/// registration fail, `otherwise` runs.
pub fn try_service_worker(otherwise: fn()) -> bool {
    let window = gloo::utils::window();
    let Ok(Some(session)) = window.session_storage() else { return false };
    let tried = session.get_item(TRIED).ok().flatten().is_some();
    let has_sw = js_sys::Reflect::has(&window.navigator(), &"serviceWorker".into()).unwrap_or(false);
    if tried || !has_sw || !window.is_secure_context() {
        return false;
    }
    let _ = session.set_item(TRIED, "1");
    // Until the reload (a fraction of a second; at most REGISTER_MS) the page says why it
    // is still empty.
    if let Some(body) = window.document().and_then(|d| d.body()) {
        body.set_inner_html(
            r#"<p class="notice-inline" role="status"><span lang="ru">Готовим страницу к запуску потоков…</span> / <span lang="en">Preparing the page for threads…</span></p>"#,
        );
    }
    let container = window.navigator().service_worker();
    // Whichever comes first decides: the worker ready (reload under it), a refusal, or
    // no answer within REGISTER_MS (a registration can hang where service workers are
    // blocked), after which the page goes on without threads and a late answer is ignored.
    let decided = std::rc::Rc::new(std::cell::Cell::new(false));
    let d = decided.clone();
    gloo::timers::callback::Timeout::new(REGISTER_MS, move || {
        if !d.replace(true) {
            otherwise();
        }
    })
    .forget();
    wasm_bindgen_futures::spawn_local(async move {
        let registered = JsFuture::from(container.register("./coi-sw.js")).await;
        let ready = match (registered, container.ready()) {
            (Ok(_), Ok(ready)) => JsFuture::from(ready).await.is_ok(),
            _ => false,
        };
        if decided.replace(true) {
            return;
        }
        if ready {
            let _ = gloo::utils::window().location().reload();
        } else {
            otherwise();
        }
    });
    true
}

/// How long the service worker may take to register and activate (about 0.1 s locally).
const REGISTER_MS: u32 = 4_000;

/// Forgets an earlier try, once the page is isolated: a later visit may need one again.
pub fn isolated_now() {
    if let Ok(Some(session)) = gloo::utils::window().session_storage() {
        let _ = session.remove_item(TRIED);
    }
}

/// The notice above a lesson that cannot run here, in `lang`: what is wrong in a learner's
/// words, the way out from here (in an iframe: the lesson in a tab of its own, which can
/// be isolated; in a tab: another browser), and, folded, what the site's owner must do.
pub fn notice_html(lang: Lang, embedded: bool) -> String {
    let full = full_page_url();
    let ru = lang == Lang::Ru;
    let (title, why, way, owner_h, owner) = if ru {
        (
            "Здесь урок можно читать, но не запускать",
            "Урок запускается на настоящих потоках, а им нужна общая память. Браузер даёт её только странице в особом защищённом режиме (cross-origin isolation), и эта страница открыта без него.",
            if embedded {
                format!(r#"<a href="{}" target="_blank" rel="noopener">Откройте урок в отдельной вкладке</a>: там он запустится."#, escape(&full))
            } else {
                "Откройте урок в свежей версии Chrome, Edge или Firefox и не в приватном окне; если не выйдет, напишите преподавателю.".to_owned()
            },
            "Для того, кто размещает сайт",
            "Сервер должен отдавать заголовки <code>Cross-Origin-Opener-Policy: same-origin</code> и <code>Cross-Origin-Embedder-Policy: require-corp</code> (для урока во фрейме чужой страницы ещё <code>Document-Isolation-Policy: isolate-and-require-corp</code>). Статический хостинг без заголовков: их добавляет service worker <code>coi-sw.js</code> из сборки.",
        )
    } else {
        (
            "You can read this lesson here, but not run it",
            "The lesson runs on real threads, which need shared memory. A browser gives it only to a page in a special protected mode (cross-origin isolation), and this page was opened without it.",
            if embedded {
                format!(r#"<a href="{}" target="_blank" rel="noopener">Open the lesson in its own tab</a>: it runs there."#, escape(&full))
            } else {
                "Open the lesson in a recent Chrome, Edge or Firefox, not in a private window; if that does not help, tell your teacher.".to_owned()
            },
            "For whoever hosts the site",
            "The server must send <code>Cross-Origin-Opener-Policy: same-origin</code> and <code>Cross-Origin-Embedder-Policy: require-corp</code> (and, for a lesson in another site's frame, <code>Document-Isolation-Policy: isolate-and-require-corp</code>). A static host without headers: the build's service worker <code>coi-sw.js</code> adds them.",
        )
    };
    format!(r#"<h2>{title}</h2><p>{why}</p><p>{way}</p><details><summary>{owner_h}</summary><p>{owner}</p></details>"#)
}

/// This page's address as a full page of its own (no `embed`).
fn full_page_url() -> String {
    let href = gloo::utils::window().location().href().unwrap_or_default();
    let Ok(url) = web_sys::Url::new(&href) else { return href };
    url.search_params().delete("embed");
    url.href()
}

/// The page's language's words for "not isolated", for the embedding page's `parlab:error`.
pub fn error_msg() -> parlab::lessons::Msg {
    parlab::lessons::Msg::new(i18n::ERROR_NOT_ISOLATED.ru, i18n::ERROR_NOT_ISOLATED.en)
}
