// The foundation: the built site is cross-origin isolated, shows the cores, runs a real
// lesson's threads in workers and shows their output; a static host without headers is
// isolated by the service worker; where nothing can isolate it, the lesson still shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, runToEnd } from './lib.mjs';

let b, iso, plain;
before(async () => { b = await browser(); iso = await serve(); plain = await serve({ isolated: false }); });
after(async () => { await b?.close(); await iso?.close(); await plain?.close(); });

test('isolated page shows cores and runs a lesson on worker threads', async () => {
  const errors = [];
  const p = await page(b, errors);
  await p.goto(`${iso.url}/?lesson=thread-basics&worker_sleep=2&iterations=5&report_every=2&speed=20&lang=en`);
  assert.equal(await p.evaluate(() => crossOriginIsolated), true);
  const cores = await p.locator('#cores').textContent({ timeout: 20000 });
  assert.equal(Number(cores), await p.evaluate(() => navigator.hardwareConcurrency));
  await p.locator('#run:not([disabled])').click({ timeout: 30000 });
  await p.locator('#end-state[data-state]').waitFor({ timeout: 30000 });
  assert.equal(await p.locator('#end-state').getAttribute('data-state'), 'finished',
    `expected the run to finish; status: ${await p.locator('#status').textContent()}`);
  const lines = await p.locator('#console .ln').allTextContents();
  // The worker thread's lines come from another Web Worker than MainThread's.
  assert.ok(lines.some((l) => l.includes('thr-1') && l.includes('[thr-1] downloading data.csv')), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('MainThread') && l.includes('active_count: 2')), lines.join('\n'));
  // The tab has an icon, served as an image.
  const icon = await p.evaluate(async () => {
    const href = document.querySelector('link[rel=icon]')?.href;
    const r = href && await fetch(href);
    return r && { status: r.status, type: r.headers.get('content-type') };
  });
  assert.deepEqual(icon, { status: 200, type: 'image/svg+xml' });
  await shot(p, 'foundation-isolated');
  assert.deepEqual(errors, []);
});

test('where isolation is impossible, the lesson still shows, with a notice in the learner\'s language', async () => {
  // No service workers either: nothing can isolate this page.
  const p = await page(b, [], { serviceWorkers: 'block' });
  for (const [lang, words] of [['ru', /можно читать, но не запускать/], ['en', /read this lesson here, but not run it/]]) {
    await p.goto(`${plain.url}/?lesson=race-condition&lang=${lang}`);
    assert.equal(await p.evaluate(() => crossOriginIsolated), false);
    const notice = p.locator('#isolation-error');
    await notice.waitFor({ timeout: 20000 });
    const text = await notice.innerText();
    assert.match(text, words);
    // A learner's words: the server's headers only in the folded part for the site's owner.
    assert.equal(await notice.locator('details').getAttribute('open'), null);
    assert.match(await notice.locator('details').textContent(), /Cross-Origin-Opener-Policy: same-origin/);
    // The lesson itself is there: listing, parameters, explanation; only Run is off.
    await p.locator('#listing').waitFor({ timeout: 10000 });
    assert.ok(await p.locator('#param-threads').isVisible(), 'the parameters can be read and edited');
    assert.ok((await p.locator('.explanation').textContent()).length > 100, 'the explanation is there');
    assert.equal(await p.locator('#run').isDisabled(), true);
  }
  await shot(p, 'foundation-not-isolated');
  await p.close();
});

test('a static host that sends no headers still serves an isolated page (the service worker)', async () => {
  const errors = [];
  const p = await page(b, errors);
  await p.goto(`${plain.url}/?lesson=thread-basics&worker_sleep=1&iterations=3&speed=20&lang=en`);
  // The page registers coi-sw.js and reloads once under it; Run then becomes available.
  await p.locator('#run:not([disabled])').waitFor({ timeout: 30000 });
  assert.equal(await p.evaluate(() => crossOriginIsolated), true);
  assert.equal(await p.evaluate(() => navigator.serviceWorker.controller?.scriptURL.endsWith('/coi-sw.js')), true);
  assert.equal(await runToEnd(p), 'finished');
  assert.ok(await p.locator('#console .ln').count() > 0);
  assert.equal(await p.locator('#isolation-error').isVisible(), false);
  assert.deepEqual(errors, []);
  await p.close();
});
