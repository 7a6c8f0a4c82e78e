// Embedding: a course page shows one lesson in a same-origin iframe (so that it is
// cross-origin isolated too) and drives it with postMessage, as www/EMBED.md documents.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, lessonIds } from './lib.mjs';

const host = (src) => `<!doctype html><html lang="en"><meta charset="utf-8"><title>A course page</title>
<body style="font-family: system-ui; margin: 16px">
<h1>Lesson 4: a race condition</h1>
<iframe id="f" title="Parlab lesson" src="${src}" style="width: 100%; height: 1400px; border: 1px solid #ccc"></iframe>
<script>
  window.messages = [];
  addEventListener('message', (e) => { if (e.source === document.getElementById('f').contentWindow) window.messages.push(e.data); });
  window.send = (m) => document.getElementById('f').contentWindow.postMessage(m, location.origin);
</script></body></html>`;

const routes = {
  '/host.html': host('/?lesson=race-condition&embed=1&lang=en&threads=5&gap_ms=2&speed=20'),
  '/host-unknown.html': host('/?lesson=no-such-lesson&embed=1&lang=en'),
  '/host-compact.html': host('/?lesson=race-condition&embed=compact&lang=ru&threads=5&gap_ms=2&speed=20')
    .replace('width: 100%', 'width: 900px'),
};

let b, s, plain, ids;
before(async () => {
  b = await browser();
  s = await serve({ extraRoutes: routes });
  plain = await serve({ isolated: false, extraRoutes: routes });
  ids = await lessonIds(b, s.url);
});
after(async () => { await b?.close(); await s?.close(); await plain?.close(); });

/** Waits for the next message of `type` after the first `from` messages; returns it. */
async function next(p, type, from, timeout = 30000) {
  const h = await p.waitForFunction(([t, f]) => window.messages.slice(f).find((m) => m.type === t), [type, from], { timeout });
  return h.jsonValue();
}
const count = (p) => p.evaluate(() => window.messages.length);
const send = (p, m) => p.evaluate((m) => window.send(m), m);

test('the embed API: ready, set (refused and accepted), run, result', async (t) => {
  if (!ids.includes('race-condition')) return t.skip('race-condition is not in this build');
  const errors = [];
  const p = await page(b, errors);
  await p.goto(`${s.url}/host.html`);
  const ready = await next(p, 'parlab:ready', 0);
  assert.equal(ready.lesson, 'race-condition');
  assert.equal(ready.params.threads, '5');
  const frame = p.frameLocator('#f');
  const f = p.frames().find((x) => x.url().includes('embed=1'));
  assert.equal(await f.evaluate(() => crossOriginIsolated), true, 'the same-origin iframe is isolated');
  // Minimal chrome: no breadcrumbs, no tagline.
  assert.equal(await frame.locator('.crumbs').count(), 0);
  assert.equal(await frame.locator('.tagline').isVisible(), false);

  // A refused value: an error for the host, and the refusal beside the input in the lesson.
  let n = await count(p);
  await send(p, { type: 'parlab:set', params: { threads: 1000 } });
  const err = await next(p, 'parlab:error', n);
  assert.equal(err.errors[0].param, 'threads');
  assert.match(err.errors[0].en, /from 2 to 128/);
  assert.match(err.errors[0].ru, /от 2 до 128/);
  assert.equal(await frame.locator('#param-threads-msg').isVisible(), true);
  assert.equal(await frame.locator('#run').isDisabled(), true);

  // Unknown keys are refused by name.
  n = await count(p);
  await send(p, { type: 'parlab:set', params: { bogus: 1 } });
  const err2 = await next(p, 'parlab:error', n);
  assert.ok(err2.errors.some((e) => e.param === 'bogus'), JSON.stringify(err2));

  // A malformed set and an unknown message type are refused, never silently taken.
  for (const bad of [{ type: 'parlab:set' }, { type: 'parlab:set', params: { threads: [6] } }, { type: 'parlab:go' }]) {
    n = await count(p);
    await send(p, bad);
    const e = await next(p, 'parlab:error', n);
    assert.equal(e.errors[0].param, '', JSON.stringify(e));
    assert.ok(e.errors[0].en && e.errors[0].ru, JSON.stringify(e));
  }
  assert.equal(await frame.locator('#param-threads').inputValue(), '1000', 'nothing of a refused set is applied');

  // A run while values are refused is refused too.
  n = await count(p);
  await send(p, { type: 'parlab:run' });
  assert.equal((await next(p, 'parlab:error', n)).errors[0].param, 'threads');

  // Accepted values show in the listing.
  n = await count(p);
  await send(p, { type: 'parlab:set', params: { threads: 6, lock: true, speed: 50 } });
  const ok = await next(p, 'parlab:params', n);
  assert.equal(ok.params.threads, '6');
  assert.equal(ok.params.speed, '50');
  assert.equal(await frame.locator('#param-lock').isChecked(), true);
  assert.equal(await frame.locator('#param-threads').inputValue(), '6');

  n = await count(p);
  await send(p, { type: 'parlab:run' });
  const result = await next(p, 'parlab:result', n, 60000);
  assert.equal(result.state, 'finished');
  assert.equal(result.lesson, 'race-condition');
  assert.match(result.console, /^expected:\s+6$/m);
  assert.match(result.console, /^lost:\s+0$/m);
  assert.match(result.reason.en, /ended after/);
  // Each console line names its actor; the run names its seed.
  const lost = result.lines.find((l) => /^lost:/.test(l.text));
  assert.deepEqual(lost.actor, { pid: 1, process: 'MainProcess', thread: 'MainThread' });
  assert.equal(result.lines.map((l) => l.text).join('\n') + '\n', result.console);
  assert.match(result.seed, /^0x[0-9a-f]{16}$/);
  assert.equal(await frame.locator('#status-seed').textContent(), `seed ${result.seed}`);
  const exact = result.insights.find((i) => i.id === 'exact_with_lock');
  assert.equal(exact.observed, true);
  assert.ok(exact.detail.ru.length > 0 && exact.detail.en.length > 0);
  assert.equal(await frame.locator('#end-state').getAttribute('data-state'), 'finished');
  await shot(p, 'embed-host');
  assert.deepEqual(errors, []);
});

test('the embed API: stop a long run; a second run while one goes is refused', async (t) => {
  if (!ids.includes('race-condition')) return t.skip('race-condition is not in this build');
  const p = await page(b);
  await p.goto(`${s.url}/host.html`);
  await next(p, 'parlab:ready', 0);
  let n = await count(p);
  await send(p, { type: 'parlab:set', params: { threads: 128, gap_ms: 1000, lock: true, speed: 1 } });
  await next(p, 'parlab:params', n);
  await send(p, { type: 'parlab:run' });
  await p.frameLocator('#f').locator('#status[data-state="running"]').waitFor({ timeout: 10000 });
  n = await count(p);
  await send(p, { type: 'parlab:run' });
  const busy = await next(p, 'parlab:error', n);
  assert.match(busy.errors[0].en, /already running/);
  n = await count(p);
  const t0 = Date.now();
  await send(p, { type: 'parlab:stop' });
  const result = await next(p, 'parlab:result', n, 5000);
  assert.equal(result.state, 'stopped');
  assert.ok(Date.now() - t0 < 3000, `stopped in ${Date.now() - t0} ms`);
});

test('an unknown lesson in an iframe tells the host', async () => {
  const p = await page(b);
  await p.goto(`${s.url}/host-unknown.html`);
  const err = await next(p, 'parlab:error', 0);
  assert.equal(err.errors[0].param, 'lesson');
  assert.match(err.errors[0].en, /no-such-lesson/);
  await p.frameLocator('#f').locator('#unknown-lesson').waitFor({ timeout: 10000 });
});

test('where nothing can isolate the lesson, the host hears why and the learner gets a way out', async () => {
  const p = await page(b, [], { serviceWorkers: 'block' });
  await p.goto(`${plain.url}/host.html`);
  const err = await next(p, 'parlab:error', 0);
  assert.match(err.errors[0].en, /not cross-origin isolated/);
  const notice = p.frameLocator('#f').locator('#isolation-error');
  await notice.waitFor({ timeout: 10000 });
  // The way out: the lesson as a page of its own, which can be isolated.
  const href = await notice.locator('a[target=_blank]').getAttribute('href');
  assert.ok(href.includes('lesson=race-condition') && !href.includes('embed='), href);
  await shot(p, 'embed-not-isolated');
  await p.close();
});

test('a course page that sends no isolation headers embeds a lesson that runs on threads', async (t) => {
  if (!ids.includes('race-condition')) return t.skip('race-condition is not in this build');
  // The course page is on another origin and sends nothing; the lesson's server sends
  // Document-Isolation-Policy, which isolates the iframe on its own.
  const course = await serve({ isolated: false, extraRoutes: {
    '/course.html': host(`${s.url}/?lesson=race-condition&embed=1&lang=en&threads=5&gap_ms=2&speed=20`)
      .replace('title="Parlab lesson"', 'title="Parlab lesson" allow="cross-origin-isolated"')
      .replace('postMessage(m, location.origin)', `postMessage(m, '${s.url}')`),
  } });
  const p = await page(b, [], { serviceWorkers: 'block' });
  try {
    await p.goto(`${course.url}/course.html`);
    assert.equal(await p.evaluate(() => crossOriginIsolated), false, 'the course page itself is not isolated');
    await next(p, 'parlab:ready', 0);
    const f = p.frames().find((x) => x.url().startsWith(s.url));
    assert.equal(await f.evaluate(() => crossOriginIsolated), true, 'the lesson inside is');
    const n = await count(p);
    await send(p, { type: 'parlab:run' });
    const result = await next(p, 'parlab:result', n, 60000);
    assert.equal(result.state, 'finished');
    assert.ok(result.lines.length > 0);
  } finally {
    await p.close();
    await course.close();
  }
});

test('the example host page in dist drives a lesson', async (t) => {
  if (!ids.includes('race-condition')) return t.skip('race-condition is not in this build');
  const p = await page(b);
  await p.goto(`${s.url}/embed-example.html`);
  await p.locator('#verdict', { hasText: 'is ready' }).waitFor({ timeout: 30000 });
  await p.locator('#params').fill('{"threads": 10, "lock": true, "speed": 50}');
  await p.locator('#set').click();
  await p.waitForFunction(() => window.messages.some((m) => m.type === 'parlab:params'), null, { timeout: 10000 });
  await p.locator('#run').click();
  await p.locator('#verdict', { hasText: 'Run finished' }).waitFor({ timeout: 60000 });
  assert.match(await p.locator('#verdict').textContent(), /Exercise solved/);
  await shot(p, 'embed-example');
});

test('embed=compact fits a 900 px frame, and the lesson tells the host its size', async (t) => {
  if (!ids.includes('race-condition')) return t.skip('race-condition is not in this build');
  const errors = [];
  const p = await page(b, errors);
  await p.goto(`${s.url}/host-compact.html`);
  await next(p, 'parlab:ready', 0);
  const size = await next(p, 'parlab:size', 0);
  const f = p.frames().find((x) => x.url().includes('embed=compact'));
  const real = await f.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(size.height > 300 && Math.abs(size.height - real) <= 2, `size ${JSON.stringify(size)} vs scrollHeight ${real}`);
  assert.ok(size.width <= 900, `no sideways scroll in a 900 px frame: ${JSON.stringify(size)}`);
  // Listing and console side by side.
  const [code, con] = await Promise.all(['.code-panel', '.console-panel'].map((c) => f.locator(c).boundingBox()));
  assert.ok(Math.abs(code.y - con.y) < 4 && con.x > code.x + code.width - 4, `side by side: ${JSON.stringify({ code, con })}`);
  // Links made inside keep the layout.
  assert.match(await f.evaluate(() => location.search), /embed=compact/);
  // The page grows (the explanation opened): a new size follows.
  const n = await count(p);
  await f.locator('.explain-panel summary').click();
  const grown = await next(p, 'parlab:size', n);
  assert.ok(grown.height > size.height, `${grown.height} > ${size.height}`);
  await shot(p, 'embed-compact');
  assert.deepEqual(errors, []);
  await p.close();
});
