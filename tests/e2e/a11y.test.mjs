// Accessibility: axe-core (the rules of WCAG 2.1 A and AA) on the catalog and on every
// lesson page, in both languages, before and after a run: no serious or critical violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { serve, browser, page, lessonIds, openLesson, runToEnd } from './lib.mjs';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let b, s, ids;
before(async () => { b = await browser(); s = await serve(); ids = await lessonIds(b, s.url); });
after(async () => { await b?.close(); await s?.close(); });

/** The serious and critical violations on the page as it is now, one line each. */
async function violations(p) {
  await p.addScriptTag({ path: axePath });
  const found = await p.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help}; at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  return found;
}

test('the catalog has no serious accessibility violation', async () => {
  const p = await page(b);
  for (const lang of ['ru', 'en']) {
    await p.goto(`${s.url}/?lang=${lang}`);
    await p.locator('#catalog').waitFor({ timeout: 20000 });
    assert.deepEqual(await violations(p), [], `catalog (${lang})`);
  }
  await p.close();
});

test('every lesson page has no serious accessibility violation', async () => {
  const p = await page(b);
  for (const id of ids) {
    await openLesson(p, s.url, `lesson=${id}&lang=ru`, { ready: false });
    assert.deepEqual(await violations(p), [], `lesson ${id}`);
  }
  await p.close();
});

test('a lesson after its run (console, insights, timeline) has none either', async () => {
  const p = await page(b);
  await openLesson(p, s.url, 'lesson=thread-basics&worker_sleep=1&iterations=3&speed=20&lang=en');
  assert.equal(await runToEnd(p), 'finished');
  assert.ok(await p.locator('#console .ln').count() > 0, 'the run printed');
  assert.deepEqual(await violations(p), [], 'thread-basics after a run');
  await p.close();
});
