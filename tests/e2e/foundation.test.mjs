// The foundation: the built site is cross-origin isolated, shows the cores, runs work in
// workers; without isolation it says so plainly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot } from './lib.mjs';

let b, iso, plain;
before(async () => { b = await browser(); iso = await serve(); plain = await serve({ isolated: false }); });
after(async () => { await b?.close(); await iso?.close(); await plain?.close(); });

test('isolated page shows cores and runs a contended counter in workers', async () => {
  const errors = [];
  const p = await page(b, errors);
  await p.goto(`${iso.url}/?smoke=1`);
  assert.equal(await p.evaluate(() => crossOriginIsolated), true);
  const cores = await p.locator('#cores').textContent({ timeout: 20000 });
  assert.equal(Number(cores), await p.evaluate(() => navigator.hardwareConcurrency));
  await p.click('#smoke-run');
  await p.waitForFunction(() => document.querySelector('#smoke-result')?.textContent, null, { timeout: 30000 });
  assert.equal(await p.locator('#smoke-result').textContent(), 'Finished: 40000');
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
