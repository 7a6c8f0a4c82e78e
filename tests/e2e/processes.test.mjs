// Processes in the real page: each a separate wasm instance with a memory of its own. A
// learner runs process-basics with terminate() and sees every process's lines, their
// lanes and their exit codes; Stop ends a run of processes at once.
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

test('process-basics: every process prints from its own memory, and terminate() gives -15', async (t) => {
  if (!ids.includes('process-basics')) return t.skip('process-basics is not in this build');
  const errors = [];
  const p = await page(b, errors);
  await openLesson(p, s.url, 'lesson=process-basics&processes=3&iterations=1&terminate_after=0.75&speed=4&lang=en');
  assert.equal(await runToEnd(p, 60000), 'finished');
  const text = await p.locator('#console').innerText();
  for (const n of [1, 2, 3]) {
    assert.match(text, new RegExp(`worker-${n}: run\\(\\) in pid \\d+, parent pid \\d+`), `worker-${n} printed from its process`);
  }
  assert.match(text, /main: counter = 0/, "main's global is untouched");
  const codes = await p.locator('#timeline-summary li[data-process]').evaluateAll((ls) => ls.map((l) => l.dataset.exitcode));
  assert.deepEqual(codes.sort(), ['-15', '-15', '0'], `exit codes on the process headers: ${codes}`);
  await shot(p, 'processes-basics');
  assert.deepEqual(errors, [], `no page errors: ${errors}`);
});

test('Stop ends a run of processes within a second of the click', async (t) => {
  if (!ids.includes('pipe')) return t.skip('pipe is not in this build');
  const p = await page(b);
  await openLesson(p, s.url, 'lesson=pipe&messages=1000&delay_s=10&speed=1&lang=en');
  await p.locator('#run:not([disabled])').click();
  await p.locator('#status[data-state="running"]').waitFor({ timeout: 10000 });
  const t0 = Date.now();
  await p.locator('#stop').click();
  await p.locator('#end-state[data-state]').waitFor({ timeout: 5000 });
  assert.equal(await p.locator('#end-state').getAttribute('data-state'), 'stopped');
  assert.ok(Date.now() - t0 < 1000, `stopped in ${Date.now() - t0} ms`);
});

test('semaphore switched to processes through its control: the listing and the run follow', async (t) => {
  if (!ids.includes('semaphore')) return t.skip('semaphore is not in this build');
  const errors = [];
  const p = await page(b, errors);
  await openLesson(p, s.url, 'lesson=semaphore&max_connections=2&threads=4&hold=0.3&speed=1&lang=en');
  assert.match(await p.locator('#listing').innerText(), /from threading import BoundedSemaphore, Semaphore, Thread, current_thread/);
  await p.locator('#param-model').selectOption('processes');
  await p.waitForFunction(() => document.querySelector('#listing')?.innerText.includes('from multiprocessing import'), null, { timeout: 5000 });
  const listing = await p.locator('#listing').innerText();
  assert.match(listing, /from multiprocessing import BoundedSemaphore, Semaphore, Process, current_process/);
  assert.match(listing, /Process\(target=connect, args=\(pool, start\), name=f'proc-\{i\}'\)/);
  assert.doesNotMatch(listing, /threading|\{\{/, 'no thread names and no unfilled slot left');
  assert.match(p.url(), /model=processes/, 'the link carries the switch');
  assert.equal(await runToEnd(p, 60000), 'finished');
  const text = await p.locator('#console').innerText();
  for (const n of [0, 1, 2, 3]) assert.match(text, new RegExp(`proc-${n}: connected at`), `proc-${n} ran`);
  assert.match(text, /main: all 4 processes done at/);
  const headers = await p.locator('#timeline-summary li[data-process]').count();
  assert.ok(headers >= 4, `the workers' processes have their lanes (${headers} process headers)`);
  const never = await p.locator('#insights li[data-id="never_more_than_n"]').getAttribute('data-observed');
  assert.equal(never, 'true', 'never more than 2 processes inside');
  await shot(p, 'semaphore-on-processes');
  assert.deepEqual(errors, [], `no page errors: ${errors}`);
});
