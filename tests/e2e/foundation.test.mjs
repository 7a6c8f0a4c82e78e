// The foundation: the built site is cross-origin isolated, shows the cores, runs a real
// lesson's threads in workers and shows their output; without isolation it says so plainly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot } from './lib.mjs';

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

test('a page without isolation explains what is missing and how to fix it', async () => {
  const p = await page(b);
  await p.goto(`${plain.url}/`);
  assert.equal(await p.evaluate(() => crossOriginIsolated), false);
  const notice = p.locator('#isolation-error');
  await notice.waitFor({ timeout: 20000 });
  const text = await notice.textContent();
  assert.match(text, /Cross-Origin-Opener-Policy: same-origin/);
  assert.match(text, /изоляц/);
  await shot(p, 'foundation-not-isolated');
});
