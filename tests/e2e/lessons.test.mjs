// Every lesson in the catalog runs once in the playground through the UI and once through
// the embed API, with its default parameters (sped up), and ends the way its program must.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, lessonIds, openLesson, runToEnd } from './lib.mjs';

const SPEED = 50;

const host = `<!doctype html><meta charset="utf-8"><title>host</title><body>
<iframe id="f" title="lesson" style="width:100%;height:900px"></iframe>
<script>
  window.messages = [];
  addEventListener('message', (e) => window.messages.push(e.data));
  window.open_ = (src) => { window.messages = []; document.getElementById('f').src = src; };
  window.send = (m) => document.getElementById('f').contentWindow.postMessage(m, location.origin);
</script></body>`;

let b, s, ids, expected;
before(async () => {
  b = await browser();
  s = await serve({ extraRoutes: { '/lesson-host.html': host } });
  ids = await lessonIds(b, s.url);
  expected = await declaredEnds(b, s.url);
});
after(async () => { await b?.close(); await s?.close(); });

/** How each lesson of the built site's catalog declares a run with its defaults ends: most
 * finish; some end on purpose otherwise (a Lock re-acquired by its owner deadlocks). */
async function declaredEnds(b, base) {
  const p = await b.newPage();
  await p.goto(`${base}/?lang=en`);
  await p.locator('#catalog').waitFor({ timeout: 20000 });
  const pairs = await p.locator('#catalog a[data-lesson]').evaluateAll((as) => as.map((a) => [a.dataset.lesson, a.dataset.ends]));
  await p.close();
  return Object.fromEntries(pairs);
}

test('the catalog lists lessons, each with how its defaults end', () => {
  assert.ok(ids.length > 0, 'the catalog lists no lesson');
  assert.equal(new Set(ids).size, ids.length, `a lesson is listed twice: ${ids}`);
  for (const id of ids) {
    assert.ok(['finished', 'deadlocked', 'failed'].includes(expected[id]), `${id} declares no end: ${expected[id]}`);
  }
});

test('each lesson runs through the UI with its defaults', async (t) => {
  const errors = [];
  const p = await page(b, errors);
  for (const id of ids) {
    await t.test(id, async () => {
      await openLesson(p, s.url, `lesson=${id}&speed=${SPEED}&lang=en`);
      const state = await runToEnd(p, 60000);
      assert.equal(state, expected[id], `${id} ended ${state}`);
      const text = await p.locator('#console').innerText();
      assert.ok(text.trim().length > 0, `${id} printed nothing`);
      const n = await p.locator('#insights li[data-id]').count();
      assert.ok(n >= 1, `${id} shows its insights`);
      await shot(p, `lesson-${id}`);
    });
  }
  assert.deepEqual(errors, []);
});

test('each lesson runs through the embed API with its defaults', async (t) => {
  const p = await page(b);
  await p.goto(`${s.url}/lesson-host.html`);
  for (const id of ids) {
    await t.test(id, async () => {
      await p.evaluate((src) => window.open_(src), `/?lesson=${id}&embed=1&lang=en&speed=${SPEED}`);
      await p.waitForFunction(() => window.messages.some((m) => m.type === 'parlab:ready'), null, { timeout: 30000 });
      await p.evaluate(() => window.send({ type: 'parlab:run' }));
      const h = await p.waitForFunction(() => window.messages.find((m) => m.type === 'parlab:result'), null, { timeout: 60000 });
      const result = await h.jsonValue();
      assert.equal(result.state, expected[id], `${id}: ${JSON.stringify(result).slice(0, 400)}`);
      assert.ok(Array.isArray(result.insights) && result.insights.length >= 1, `${id} reports its insights`);
      assert.ok(result.insights.every((i) => typeof i.observed === 'boolean' && i.detail.ru && i.detail.en), `${id}: insights carry both languages`);
      assert.ok(result.console.trim().length > 0, `${id} reports its console`);
    });
  }
});
