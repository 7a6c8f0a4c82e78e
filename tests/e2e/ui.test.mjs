// The playground as a learner uses it: catalog, a lesson's parameters inside the code,
// Run/Stop, console, timeline, objects and insights, refusals, links, language, keyboard,
// export, small screens and the dark theme. Each test picks lessons that exist in the
// build's catalog and skips (saying why) when one it needs is absent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, lessonIds, openLesson, runToEnd } from './lib.mjs';

let b, s, ids;
before(async () => {
  b = await browser();
  s = await serve();
  ids = await lessonIds(b, s.url);
});
after(async () => { await b?.close(); await s?.close(); });

const need = (t, id) => {
  if (ids.includes(id)) return true;
  t.skip(`lesson ${id} is not in this build's catalog`);
  return false;
};
const consoleText = (p) => p.locator('#console').innerText();
const insights = (p) => p.locator('#insights li[data-id]').evaluateAll((ls) => Object.fromEntries(ls.map((l) => [l.dataset.id, l.dataset.observed === 'true'])));
const attr = (p, sel, name) => p.locator(sel).getAttribute(name);

test('the catalog groups lessons by section; an unknown lesson id is explained above it', async () => {
  const errors = [];
  const p = await page(b, errors);
  await p.goto(`${s.url}/?lang=en`);
  await p.locator('#catalog').waitFor({ timeout: 20000 });
  assert.ok(ids.length > 0, 'the catalog lists at least one lesson');
  const sections = await p.locator('.cat-section h2').allTextContents();
  assert.ok(sections.length >= 1 && sections[0].startsWith('Threads'), `sections: ${sections}`);
  await shot(p, 'ui-catalog');

  await p.goto(`${s.url}/?lesson=no-such-lesson&lang=en`);
  const msg = await p.locator('#unknown-lesson').textContent({ timeout: 20000 });
  assert.match(msg, /no lesson 'no-such-lesson'/);
  assert.ok(await p.locator('#catalog a[data-lesson]').count() > 0, 'the catalog is shown with the message');
  await shot(p, 'ui-unknown-lesson');

  // A card opens its lesson inside the page (no reload) and Back returns to the catalog.
  await p.locator(`#catalog a[data-lesson="${ids[0]}"]`).click();
  await p.locator('#lesson-title').waitFor({ timeout: 10000 });
  assert.equal(new URL(await p.evaluate(() => location.href)).searchParams.get('lesson'), ids[0]);
  await p.goBack();
  await p.locator('#catalog').waitFor({ timeout: 10000 });
  assert.deepEqual(errors, []);
});

test('change a parameter, run: console, timeline, objects and insights follow the run', async (t) => {
  if (!need(t, 'race-condition')) return;
  const errors = [];
  const p = await page(b, errors);
  await openLesson(p, s.url, 'lesson=race-condition&threads=12&gap_ms=100&speed=5&lang=en');
  // The listing is highlighted and the parameters are inputs inside it.
  assert.ok(await p.locator('#listing .kw').count() > 5, 'keywords are coloured');
  assert.equal(await p.locator('#param-threads').inputValue(), '12');
  assert.equal(await p.locator('#param-lock').isChecked(), false);

  assert.equal(await runToEnd(p), 'finished');
  const first = await consoleText(p);
  assert.match(first, /expected:\s+12/);
  const lostBefore = Number(/lost:\s+(\d+)/.exec(first)[1]);
  assert.ok(lostBefore > 0, `without the lock, updates are lost (console: ${first})`);
  assert.equal(await attr(p, '#timeline', 'data-lanes'), '13', 'one lane per thread: MainThread and 12 clients');
  const i1 = await insights(p);
  assert.equal(i1.updates_lost, true, JSON.stringify(i1));
  await shot(p, 'ui-race-no-lock');

  // Turn the lock on (a checkbox inside the code): the URL follows, and the next run differs.
  await p.locator('#param-lock').check();
  assert.equal(new URL(await p.evaluate(() => location.href)).searchParams.get('lock'), 'on');
  assert.equal(await runToEnd(p), 'finished');
  const second = await consoleText(p);
  assert.match(second, /lost:\s+0\b/, second);
  const i2 = await insights(p);
  assert.equal(i2.exact_with_lock, true, JSON.stringify(i2));
  assert.ok(Number(await attr(p, '#timeline', 'data-arrows')) > 0, 'release -> acquire hand-offs are drawn');
  assert.ok(Number(await attr(p, '#objects', 'data-objects')) >= 1, 'the lock appears in the object panel');
  const objects = await p.locator('#objects-summary').textContent();
  assert.match(objects, /Lock 'account\.lock'/);
  const lanes = await p.locator('#timeline-summary li').allTextContents();
  assert.ok(lanes.some((l) => /blocked/.test(l)), `clients wait on the lock: ${lanes[1]}`);

  // Hovering the timeline explains what is under the pointer.
  const box = await p.locator('#timeline').boundingBox();
  await p.mouse.move(box.x + box.width * 0.6, box.y + 22 + 12 + 24 * 3);
  await p.locator('#timeline-tip:not([hidden])').waitFor({ timeout: 5000 });
  assert.match(await p.locator('#timeline-tip').textContent(), /Thread-\d+/);
  // Clicking a console line marks its moment on the timeline.
  await p.locator('#console .ln').first().click();
  const mark = Number(await attr(p, '#timeline', 'data-mark'));
  const lineT = Number(await p.locator('#console .ln').first().getAttribute('data-t'));
  assert.ok(Math.abs(mark - lineT) < 1e-3, `mark ${mark} at the line's time ${lineT}`);
  await shot(p, 'ui-race-lock');
  assert.deepEqual(errors, []);
});

test('a value out of range is refused beside its input and Run waits until it is fixed', async (t) => {
  if (!need(t, 'race-condition')) return;
  const errors = [];
  const p = await page(b, errors);
  await openLesson(p, s.url, 'lesson=race-condition&lang=en');
  await p.locator('#param-threads').fill('999');
  assert.equal(await p.locator('#param-threads-msg').textContent(), 'Enter a whole number from 2 to 128');
  assert.equal(await p.locator('#param-threads-msg').isVisible(), true);
  assert.equal(await attr(p, '#param-threads', 'aria-invalid'), 'true');
  assert.equal(await p.locator('#run').isDisabled(), true);
  assert.match(await p.locator('#param-errors').textContent(), /threads/);
  await p.locator('#speed').fill('0');
  assert.match(await p.locator('#speed-msg').textContent(), /0\.01 to 1000/);
  await shot(p, 'ui-refused');
  await p.locator('#param-threads').fill('20');
  await p.locator('#speed').fill('5');
  // Arrow keys step a number, within its range.
  await p.locator('#param-threads').press('ArrowUp');
  assert.equal(await p.locator('#param-threads').inputValue(), '21');
  await p.locator('#param-threads').fill('128');
  await p.locator('#param-threads').press('ArrowUp');
  assert.equal(await p.locator('#param-threads').inputValue(), '128');
  await p.locator('#param-threads').fill('20');
  assert.equal(await p.locator('#param-threads-msg').isVisible(), false);
  assert.equal(await p.locator('#run').isDisabled(), false);
  assert.deepEqual(errors, []);
});

test('a link with bad values opens with them refused and explained, never a broken page', async (t) => {
  if (!need(t, 'race-condition')) return;
  const errors = [];
  const p = await page(b, errors);
  await openLesson(p, s.url, 'lesson=race-condition&threads=abc&lock=maybe&gap_ms=-5&speed=-1&bogus=1&lang=en');
  assert.equal(await p.locator('#param-threads').inputValue(), 'abc', 'the refused text stays as typed');
  assert.match(await p.locator('#param-threads-msg').textContent(), /whole number from 2 to 128/);
  assert.match(await p.locator('#param-lock-msg').textContent(), /True or False/);
  assert.match(await p.locator('#param-gap_ms-msg').textContent(), /from 0 to 1000/);
  assert.match(await p.locator('#speed-msg').textContent(), /0\.01 to 1000/);
  assert.match(await p.locator('#link-ignored').textContent(), /bogus/);
  assert.equal(await p.locator('#run').isDisabled(), true);
  await shot(p, 'ui-bad-link');
  assert.deepEqual(errors, []);
});

test('a shared link reproduces the set-up', async (t) => {
  if (!need(t, 'race-condition')) return;
  const p = await page(b);
  await openLesson(p, s.url, 'lesson=race-condition&lang=en');
  await p.locator('#param-threads').fill('7');
  await p.locator('#param-gap_ms').fill('3');
  await p.locator('#param-lock').check();
  await p.locator('#speed').fill('20');
  const link = await p.evaluate(() => location.href);
  const q = new URL(link).searchParams;
  assert.equal(q.get('threads'), '7');
  assert.equal(q.get('lock'), 'on');
  assert.equal(q.get('speed'), '20');
  assert.equal(q.get('deposits'), null, 'defaults stay out of the link');

  const p2 = await page(b);
  await p2.goto(link);
  await p2.locator('#status:not([data-state="preparing"])').waitFor({ timeout: 30000 });
  assert.equal(await p2.locator('#param-threads').inputValue(), '7');
  assert.equal(await p2.locator('#param-gap_ms').inputValue(), '3');
  assert.equal(await p2.locator('#param-lock').isChecked(), true);
  assert.equal(await p2.locator('#speed').inputValue(), '20');
  assert.equal(await runToEnd(p2), 'finished');
  assert.match(await consoleText(p2), /expected:\s+7/);
});

test('Stop ends a long run within a bound, and the page keeps what it recorded', async (t) => {
  if (!need(t, 'race-condition')) return;
  const errors = [];
  const p = await page(b, errors);
  // 128 clients, a lock and one second per deposit at real speed: over two minutes.
  await openLesson(p, s.url, 'lesson=race-condition&threads=128&gap_ms=1000&lock=on&speed=1&lang=en');
  await p.locator('#run').click();
  await p.locator('#status[data-state="running"]').waitFor({ timeout: 10000 });
  assert.equal(await p.locator('#progress').isVisible(), true, 'a progress indication while running');
  await p.waitForFunction(() => Number(document.querySelector('#timeline')?.dataset.lanes) > 10, null, { timeout: 20000 });
  await shot(p, 'ui-running');
  const t0 = Date.now();
  await p.locator('#stop').click();
  await p.locator('#end-state[data-state]').waitFor({ timeout: 5000 });
  const took = Date.now() - t0;
  assert.equal(await attr(p, '#end-state', 'data-state'), 'stopped');
  assert.ok(took < 3000, `stopped in ${took} ms`);
  assert.match(await p.locator('#status-text').textContent(), /Stopped/);
  assert.ok(Number(await attr(p, '#timeline', 'data-lanes')) > 10, 'the timeline keeps the lanes up to the stop');
  assert.equal(await p.locator('#run').isDisabled(), false, 'Run is available again');
  await shot(p, 'ui-stopped');
  // By keyboard: Enter on Run moves focus to Stop, Enter there stops and focus comes back.
  await p.locator('#run').focus();
  await p.keyboard.press('Enter');
  await p.locator('#status[data-state="running"]').waitFor({ timeout: 10000 });
  assert.equal(await p.evaluate(() => document.activeElement.id), 'stop');
  await p.keyboard.press('Enter');
  await p.locator('#end-state[data-state="stopped"]').waitFor({ timeout: 5000 });
  assert.equal(await p.evaluate(() => document.activeElement.id), 'run');
  // Escape stops too.
  await p.keyboard.press('Enter');
  await p.locator('#status[data-state="running"]').waitFor({ timeout: 10000 });
  await p.keyboard.press('Escape');
  await p.locator('#end-state[data-state="stopped"]').waitFor({ timeout: 5000 });
  assert.deepEqual(errors, []);
});

test('a deadlock is reported with who waits on whom', async (t) => {
  if (!need(t, 'lock-vs-rlock')) return;
  const p = await page(b);
  await openLesson(p, s.url, 'lesson=lock-vs-rlock&kind=Lock&scenario=reacquire&lang=en');
  assert.equal(await runToEnd(p, 30000), 'deadlocked');
  const report = await p.locator('#end-state').textContent();
  assert.match(report, /worker waits on Lock 'lock' held by worker/);
  assert.match(report, /MainThread waits on Thread 'worker'/);
  await shot(p, 'ui-deadlock');
});

test('the language follows the switch and is remembered', async (t) => {
  if (!need(t, 'thread-basics')) return;
  const ctx = await b.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const p = await ctx.newPage();
  await openLesson(p, s.url, 'lesson=thread-basics');
  assert.equal(await p.evaluate(() => document.documentElement.lang), 'en');
  assert.match(await p.locator('#run').textContent(), /Run/);
  await p.locator('#lang-ru').click();
  assert.match(await p.locator('#run').textContent(), /Запустить/);
  assert.equal(await p.locator('#lesson-title').textContent(), 'Потоки и главный поток');
  assert.equal(await p.evaluate(() => localStorage.getItem('parlab.lang')), 'ru');
  await p.reload();
  await p.locator('#lesson-title').waitFor({ timeout: 20000 });
  assert.match(await p.locator('#run').textContent(), /Запустить/);
  assert.equal(await p.evaluate(() => document.documentElement.lang), 'ru');
  // A run's console and findings are in Russian too.
  await p.locator('#param-worker_sleep').fill('1');
  await p.locator('#param-iterations').fill('3');
  await p.locator('#speed').fill('20');
  assert.equal(await runToEnd(p), 'finished');
  assert.match(await p.locator('#status-text').textContent(), /Завершено/);
  await shot(p, 'ui-russian');
  await ctx.close();
});

test('keyboard: Enter in a parameter runs, the timeline zooms and pans by keys and wheel', async (t) => {
  if (!need(t, 'thread-basics')) return;
  const p = await page(b);
  await openLesson(p, s.url, 'lesson=thread-basics&worker_sleep=2&iterations=6&speed=20&lang=en');
  await p.locator('#param-iterations').focus();
  await p.keyboard.press('Enter');
  await p.locator('#end-state[data-state="finished"]').waitFor({ timeout: 30000 });
  const view0 = await attr(p, '#timeline', 'data-view');
  await p.locator('#timeline').focus();
  await p.keyboard.press('+');
  const view1 = await attr(p, '#timeline', 'data-view');
  assert.notEqual(view1, view0, 'zoomed in');
  const span = (v) => { const [a, z] = v.split(',').map(Number); return z - a; };
  assert.ok(span(view1) < span(view0));
  await p.keyboard.press('ArrowRight');
  const view2 = await attr(p, '#timeline', 'data-view');
  assert.ok(Number(view2.split(',')[0]) > Number(view1.split(',')[0]), 'panned right');
  await p.keyboard.press('0');
  assert.equal(await attr(p, '#timeline', 'data-view'), view0, 'fit restores the whole run');
  const box = await p.locator('#timeline').boundingBox();
  await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await p.mouse.wheel(0, -400);
  await p.waitForFunction((v) => document.querySelector('#timeline').dataset.view !== v, view0, { timeout: 5000 });
  // Drag pans.
  const before = await attr(p, '#timeline', 'data-view');
  await p.mouse.down();
  await p.mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2, { steps: 4 });
  await p.mouse.up();
  assert.notEqual(await attr(p, '#timeline', 'data-view'), before, 'dragged');
  // Focus is visible on the canvas.
  const outline = await p.locator('#timeline').evaluate((c) => { c.focus(); return getComputedStyle(c).outlineStyle; });
  assert.notEqual(outline, 'none');
});

test('export: the trace as Chrome trace-event JSON and the console as text', async (t) => {
  if (!need(t, 'thread-basics')) return;
  const p = await page(b);
  await openLesson(p, s.url, 'lesson=thread-basics&worker_sleep=1&iterations=3&speed=20&lang=en');
  assert.equal(await runToEnd(p), 'finished');
  const [d1] = await Promise.all([p.waitForEvent('download', { timeout: 10000 }), p.locator('#export-trace').click()]);
  assert.match(d1.suggestedFilename(), /parlab-thread-basics\.trace\.json/);
  const json = JSON.parse(await streamText(await d1.createReadStream()));
  assert.ok(Array.isArray(json.traceEvents) && json.traceEvents.length > 5);
  assert.ok(json.traceEvents.some((e) => e.ph === 'M' && e.args?.name === 'thr-1'));
  const [d2] = await Promise.all([p.waitForEvent('download', { timeout: 10000 }), p.locator('#export-console').click()]);
  const text = await streamText(await d2.createReadStream());
  assert.match(text, /thr-1: \[thr-1\] downloading data\.csv/);
  assert.match(text, /^\[\s*\d+\.\d{3} s\] MainThread: main: step 0$/m);
});

async function streamText(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

test('360 px wide, dark theme: the page fits and stays usable', async (t) => {
  if (!need(t, 'semaphore')) return;
  const ctx = await b.newContext({ viewport: { width: 360, height: 780 }, colorScheme: 'dark', deviceScaleFactor: 2 });
  const p = await ctx.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  await openLesson(p, s.url, 'lesson=semaphore&threads=6&max_connections=2&hold=1&speed=10&lang=en');
  assert.equal(await runToEnd(p), 'finished');
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling of the page (overflow ${overflow}px)`);
  const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(bg, 'rgb(245, 246, 248)', 'the dark theme applies');
  await p.screenshot({ path: new URL('../out/ui-narrow-dark.png', import.meta.url).pathname, fullPage: true });
  await p.setViewportSize({ width: 1600, height: 1000 });
  await p.screenshot({ path: new URL('../out/ui-wide-dark.png', import.meta.url).pathname, fullPage: true });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a run of over 100,000 events stays smooth to zoom and pan', async (t) => {
  if (!need(t, 'race-condition')) return;
  const p = await page(b);
  await openLesson(p, s.url, 'lesson=race-condition&threads=8&deposits=5000&gap_ms=0&lock=on&speed=1000&lang=en');
  assert.equal(await runToEnd(p, 120000), 'finished');
  const events = Number(await attr(p, '#timeline', 'data-events'));
  assert.ok(events > 100000, `events: ${events}`);
  // Twenty zoom steps, each redrawing both canvases synchronously.
  const ms = await p.evaluate(() => {
    const c = document.querySelector('#timeline');
    const r = c.getBoundingClientRect();
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) {
      c.dispatchEvent(new WheelEvent('wheel', { deltaY: i < 10 ? -200 : 200, clientX: r.x + r.width * 0.7, clientY: r.y + 40, bubbles: true, cancelable: true }));
    }
    return (performance.now() - t0) / 20;
  });
  console.log(`a zoom step with both canvases redrawn: ${ms.toFixed(1)} ms`);
  assert.ok(ms < 50, `a redraw takes ${ms.toFixed(1)} ms`);
  await shot(p, 'ui-100k-events');
});

test('responsive-ui: the page really freezes when the work runs on its thread, and not in a worker', async (t) => {
  if (!need(t, 'responsive-ui')) return;
  const p = await page(b);
  await openLesson(p, s.url, 'lesson=responsive-ui&work=2&where=page&lang=en');
  assert.equal(await runToEnd(p, 30000), 'finished');
  const gap = await p.locator('#insights li[data-id="page_work_stops_frames"]').textContent();
  const ms = Number(/longest pause between frames was (\d+) ms/.exec(gap)?.[1]);
  assert.ok(ms >= 1500, `the page's thread was busy for about 2 s: ${gap}`);
  assert.equal(await attr(p, '#insights li[data-id="page_work_stops_frames"]', 'data-observed'), 'true');

  await openLesson(p, s.url, 'lesson=responsive-ui&work=2&where=worker&lang=en');
  await p.locator('#run').click();
  await p.locator('#status[data-state="running"]').waitFor({ timeout: 5000 });
  await p.locator('#about').click();
  assert.equal(await p.locator('#about-box').isVisible(), true);
  await p.locator('#end-state[data-state="finished"]').waitFor({ timeout: 30000 });
  const click = await p.locator('#insights li[data-id="click_waits_for_page_work"]').textContent();
  const delay = Number(/handled after (\d+) ms/.exec(click)?.[1]);
  assert.ok(delay < 250, `a click during work in a worker is handled at once: ${click}`);
  const gap2 = await p.locator('#insights li[data-id="page_work_stops_frames"]').textContent();
  assert.ok(Number(/was (\d+) ms/.exec(gap2)?.[1]) < 1000, gap2);
  await shot(p, 'ui-responsive-worker');
});
