//! What the page says when real threads are impossible here: no SharedArrayBuffer, which
//! browsers only give to cross-origin isolated pages.

use web_sys::Document;

/// Replaces the page's content with a plain explanation, in Russian and English, of why
/// threads cannot run and what to do about it.
pub fn show_notice(document: &Document) {
    // The link opens the lesson in a tab of its own, as a full page (not embedded).
    let href = document.location().and_then(|l| l.href().ok()).unwrap_or_default();
    let href = crate::dom::escape(&href.replace("&embed=1", "").replace("?embed=1&", "?").replace("?embed=1", "?"));
    let html = format!(
        r#"<section id="isolation-error" class="notice" role="alert">
<h1 lang="ru">Настоящим потокам нужна изоляция страницы</h1>
<p lang="ru">Parlab запускает уроки на настоящих потоках (Web Workers с общей памятью). Браузер даёт общую память (<code>SharedArrayBuffer</code>) только странице с <em>cross-origin isolation</em>, а эта страница открыта без неё.</p>
<p lang="ru">Что сделать: <a href="{href}" target="_blank" rel="noopener">откройте урок в отдельной вкладке</a> с сервера Parlab (<code>scripts/serve.sh</code>). Если вы размещаете Parlab сами, сервер должен отдавать заголовки <code>Cross-Origin-Opener-Policy: same-origin</code> и <code>Cross-Origin-Embedder-Policy: require-corp</code>; страница курса со встроенным уроком должна отдавать их тоже.</p>
<h1 lang="en">Real threads need an isolated page</h1>
<p lang="en">Parlab runs lessons on real threads (Web Workers sharing memory). Browsers give shared memory (<code>SharedArrayBuffer</code>) only to a <em>cross-origin isolated</em> page, and this page was opened without isolation.</p>
<p lang="en">What to do: <a href="{href}" target="_blank" rel="noopener">open the lesson in its own tab</a> from a Parlab server (<code>scripts/serve.sh</code>). If you host Parlab yourself, the server must send <code>Cross-Origin-Opener-Policy: same-origin</code> and <code>Cross-Origin-Embedder-Policy: require-corp</code>; a course page that embeds a lesson must send them too.</p>
</section>"#
    );
    if let Some(body) = document.body() {
        body.set_inner_html(&html);
    }
}
