// The tab stays light: a thousand runs in a row leave the tab's memory, as the browser
// itself measures it (performance.measureUserAgentSpecificMemory: the page, its workers
// and their wasm memory), where it was after the first fifty.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { serve, openLesson } from './lib.mjs';

let b, s;
before(async () => {
  // gc() lets the measurement run at once rather than at the next natural collection.
  b = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--js-flags=--expose-gc'],
  });
  s = await serve();
});
after(async () => { await b?.close(); await s?.close(); });

/** Presses Run `n` times, each run to its end (in the page: no round trip per run). */
function runs(p, n) {
  return p.evaluate(async (n) => {
    const until = async (ok, what) => {
      const t0 = performance.now();
      while (!ok()) {
        if (performance.now() - t0 > 30000) throw new Error(`waited 30 s for ${what}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const run = document.getElementById('run');
    for (let i = 0; i < n; i++) {
      await until(() => !run.disabled, 'Run to be enabled');
      document.getElementById('end-state').removeAttribute('data-state');
      run.click();
      await until(() => document.getElementById('end-state').dataset.state, `run ${i + 1} to end`);
      if (document.getElementById('end-state').dataset.state !== 'finished') throw new Error(`run ${i + 1} did not finish`);
    }
  }, n);
}

async function tabBytes(p) {
  return p.evaluate(async () => {
    for (let i = 0; i < 3; i++) window.gc?.();
    return (await performance.measureUserAgentSpecificMemory()).bytes;
  });
}

test('memory stays flat over 1,000 consecutive runs', { timeout: 600000 }, async () => {
  const p = await b.newPage({ viewport: { width: 1280, height: 900 } });
  await openLesson(p, s.url, 'lesson=join&threads=4&iterations=1&speed=1000&lang=en');
  await runs(p, 50);
  const warm = await tabBytes(p);
  await runs(p, 950);
  const end = await tabBytes(p);
  const grew = (end - warm) / 2 ** 20;
  console.log(`tab memory after 50 runs ${(warm / 2 ** 20).toFixed(1)} MB, after 1000 ${(end / 2 ** 20).toFixed(1)} MB`);
  // A leak of a trace (3 MB), a worker (several MB) or even 20 kB a run would show here.
  assert.ok(grew < 16, `the tab grew by ${grew.toFixed(1)} MB over 950 runs (${warm} -> ${end} bytes)`);
  await p.close();
});
