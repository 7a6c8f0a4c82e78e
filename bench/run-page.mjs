// Rows 7 and 8 (page side): the Trunk release build of the real page.
//   - cold load: a fresh Chromium per sample (empty HTTP cache, no compiled-wasm cache),
//     time from navigation start until the page's main UI is in the DOM;
//   - what the page sends: every .wasm and .js file of the build, gzipped (level 6, what
//     servers use on the fly);
//   - timeline frames: a real lesson run producing >= 100,000 events, then frame times
//     while the timeline zooms and pans.
// Prints one JSON object on stdout, in the native binary's format.
//   node bench/run-page.mjs DIST [--smoke] [--runs N]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, launch, log } from './lib.mjs';

const args = process.argv.slice(2);
const dist = path.resolve(args[0]);
const smoke = args.includes('--smoke');
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : (smoke ? 2 : 7);
// The page's main UI, in order of preference: the lesson catalog, and the foundation
// page's core count for builds that have no catalog yet. Override with
// PARLAB_BENCH_READY (comma-separated selectors, most preferred first).
const READY = (process.env.PARLAB_BENCH_READY || '#catalog, #cores').split(',').map((x) => x.trim());
const out = {};

// ---- sizes
function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
}
const sent = files(dist).filter((f) => /\.(wasm|js|mjs)$/.test(f));
let gz = 0;
let raw = 0;
const parts = [];
for (const f of sent) {
  const b = fs.readFileSync(f);
  const z = zlib.gzipSync(b, { level: 6 }).length;
  raw += b.length;
  gz += z;
  parts.push(`${path.relative(dist, f)} ${(z / 1024).toFixed(1)} KB`);
}
out.page_size = {
  unit: 'KB', samples: [gz / 1024],
  note: `gzip -6 of ${sent.length} files (${(raw / 1024).toFixed(0)} KB raw): ${parts.join(', ')}`,
};

const server = await serve([dist], { fallback: path.join(dist, 'index.html') });

// ---- cold load
// Records when each of the READY selectors first matches, from navigation start.
const READY_SCRIPT = `(() => {
  const sels = ${JSON.stringify(READY)};
  const seen = window.__seen = {};
  const check = () => {
    for (const s of sels) if (!(s in seen) && document.querySelector(s)) seen[s] = performance.now();
    return sels.every((s) => s in seen);
  };
  new MutationObserver((_, obs) => { if (check()) obs.disconnect(); })
    .observe(document, { childList: true, subtree: true });
})();`;

const load = [];
const breakdown = [];
let readyWhat = '';
let loadError = '';
for (let i = 0; i < runs + 1 && !loadError; i++) {
  const b = await launch();
  try {
    const ctx = await b.newContext();
    const page = await ctx.newPage();
    await page.addInitScript(READY_SCRIPT);
    await page.goto(`${server.url}/`);
    // The preferred selector, or a fallback that has been there for 3 s without it.
    const r = await page.waitForFunction((sels) => {
      const seen = window.__seen || {};
      const best = sels.find((s) => s in seen);
      if (!best) return null;
      if (best !== sels[0] && performance.now() - seen[best] < 3000) return null;
      return { at: seen[best], what: best, iso: self.crossOriginIsolated };
    }, READY, { timeout: 30_000, polling: 50 }).then((h) => h.jsonValue());
    if (!r.iso) throw new Error('the page is not cross-origin isolated');
    readyWhat = r.what;
    // Where the time went: the module's download and the other selectors' first match.
    const steps = await page.evaluate(() => {
      const res = performance.getEntriesByType('resource');
      const wasm = res.find((e) => e.name.endsWith('.wasm'));
      const js = res.find((e) => /parlab-www.*\.js$/.test(e.name));
      const nav = performance.getEntriesByType('navigation')[0];
      return { html: nav?.responseEnd, js: js?.responseEnd, wasm: wasm?.responseEnd, seen: window.__seen };
    });
    if (i > 0) breakdown.push(steps);
    // The first launch warms the OS file cache (Chromium's own files); not kept.
    if (i > 0) load.push(r.at);
    log(`page: cold load ${i}/${runs}: ${r.at.toFixed(0)} ms until ${r.what}`);
  } catch (e) {
    loadError = `n/a (${String(e.message).split('\n')[0]})`;
  } finally {
    await b.close();
  }
}
out.page_load = loadError
  ? { unit: 'ms', samples: [], error: loadError }
  : { unit: 'ms', samples: load, note: `fresh browser each time, navigation start until ${readyWhat} is in the DOM (${medianSteps()})` };

function medianSteps() {
  const med = (f) => {
    const v = breakdown.map(f).filter((x) => typeof x === 'number').sort((a, b) => a - b);
    return v.length ? `${v[Math.floor((v.length - 1) / 2)].toFixed(0)} ms` : 'n/a';
  };
  const parts = [`medians: HTML ${med((s) => s.html)}`, `JS ${med((s) => s.js)}`, `wasm downloaded ${med((s) => s.wasm)}`];
  for (const sel of READY) parts.push(`${sel} ${med((s) => s.seen?.[sel])}`);
  return parts.join(', ');
}

// ---- timeline frames
// Per frame, the main thread's busy time: from the first rAF callback of the frame (ours,
// registered before the page's own, so it runs first) until a message posted from it
// arrives, which is after that frame's rendering steps. Kept for the frames in which the
// page redrew the timeline (it sets attributes on the canvas when it draws). Also the
// gaps between frames: at 60 Hz one frame is 16.7 ms, a dropped frame shows as ~33 ms.
const FRAME_SCRIPT = `(() => {
  const f = window.__frames = { busy: [], gaps: [], idle: 0, on: false };
  let drew = false, start = 0, last = 0;
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    if (!f.on) return;
    if (drew) f.busy.push(performance.now() - start); else f.idle++;
    drew = false;
  };
  const tick = (t) => {
    requestAnimationFrame(tick);
    start = performance.now();
    if (f.on && last) f.gaps.push(t - last);
    last = t;
    ch.port2.postMessage(0);
  };
  requestAnimationFrame(tick);
  const watch = () => {
    const c = document.getElementById('timeline');
    if (!c) return setTimeout(watch, 50);
    new MutationObserver(() => { drew = true; }).observe(c, { attributes: true });
  };
  watch();
})();`;

out.timeline_frames = await timelineFrames().catch((e) => ({ unit: 'ms', samples: [], error: `n/a (${String(e.message).split('\n')[0]})` }));

await server.close();
console.log(JSON.stringify(out, null, 2));

async function timelineFrames() {
  const items = smoke ? 2000 : 100000;
  const b = await launch();
  try {
    const page = await b.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(FRAME_SCRIPT);
    await page.goto(`${server.url}/?lesson=queue-threads&items=${items}&produce_s=0&consume_s=0&lang=en`);
    const canvas = await page.waitForSelector('canvas#timeline', { state: 'attached', timeout: 30_000 })
      .catch(() => null);
    if (!canvas) throw new Error('the page has no timeline canvas (canvas#timeline)');
    const run = await page.waitForSelector('#run:not([disabled])', { timeout: 30_000 }).catch(() => null);
    if (!run) throw new Error('no enabled Run button (#run)');
    log(`page: timeline: running queue-threads with ${items} items`);
    await run.click();
    const end = await page.waitForFunction(() => {
      const s = document.querySelector('#status')?.getAttribute('data-state');
      return s && !['idle', 'running', 'stopping'].includes(s) ? s : null;
    }, null, { timeout: 180_000, polling: 100 }).then((h) => h.jsonValue()).catch(() => null);
    if (!end) throw new Error('the run did not end within 180 s');
    if (end !== 'finished') throw new Error(`the run ended ${end}`);
    await canvas.scrollIntoViewIfNeeded();
    const events = Number(await canvas.getAttribute('data-events'));
    const view0 = await canvas.getAttribute('data-view');
    const box = await canvas.boundingBox();
    const cx = box.x + box.width * 0.6;
    const cy = box.y + Math.min(box.height / 2, 60);
    await page.mouse.move(cx, cy);
    await page.evaluate(() => { window.__frames.on = true; });
    // As a learner would: spin the wheel in (zoom on the busy part), drag to pan, spin out.
    const steps = smoke ? 10 : 60;
    for (let i = 0; i < steps; i++) await page.mouse.wheel(0, -100);
    const zoomed = await canvas.getAttribute('data-view');
    await page.mouse.down();
    for (let i = 0; i < steps; i++) await page.mouse.move(cx - (i + 1) * 6, cy);
    await page.mouse.up();
    for (let i = 0; i < steps; i++) await page.mouse.wheel(0, 100);
    await page.waitForTimeout(100);
    const f = await page.evaluate(() => { window.__frames.on = false; return window.__frames; });
    if (zoomed === view0) throw new Error('the timeline did not zoom on the wheel (data-view unchanged)');
    if (events < (smoke ? 1 : 100000)) throw new Error(`the run recorded only ${events} events`);
    const q = (v, p) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))] || 0; };
    const dropped = f.gaps.filter((g) => g > 25).length;
    log(`page: timeline: ${events} events, ${f.busy.length} redraws: busy p50 ${q(f.busy, 0.5).toFixed(1)} ms, `
      + `p95 ${q(f.busy, 0.95).toFixed(1)} ms; frame gaps p50 ${q(f.gaps, 0.5).toFixed(1)} ms, p95 ${q(f.gaps, 0.95).toFixed(1)} ms, ${dropped}/${f.gaps.length} > 25 ms`);
    return {
      unit: 'ms', samples: f.busy, events,
      gaps: { p50: q(f.gaps, 0.5), p95: q(f.gaps, 0.95), max: Math.max(0, ...f.gaps), over_25ms: dropped, frames: f.gaps.length },
      note: `queue-threads, items=${items}: ${events.toLocaleString('en-US')} events; main-thread time of each of ${f.busy.length} redraws while zooming and panning `
        + `(frame gaps p50 ${q(f.gaps, 0.5).toFixed(1)} ms, p95 ${q(f.gaps, 0.95).toFixed(1)} ms, ${dropped} of ${f.gaps.length} frames late > 25 ms)`,
    };
  } finally {
    await b.close();
  }
}
