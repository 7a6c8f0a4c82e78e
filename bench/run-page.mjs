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
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : (smoke ? 2 : 5);
// The page's main UI: the lesson catalog once the UI has one, the foundation page's core
// count before that. Override with PARLAB_BENCH_READY (a CSS selector).
const READY = process.env.PARLAB_BENCH_READY
  || '#catalog, #lesson-catalog, .catalog, [data-catalog], nav.lessons, #cores';
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
const READY_SCRIPT = `(() => {
  const sel = ${JSON.stringify(READY)};
  const check = () => {
    const el = document.querySelector(sel);
    if (el && !window.__readyAt) {
      window.__readyAt = performance.now();
      window.__readyWhat = el.id ? '#' + el.id : el.tagName.toLowerCase();
      return true;
    }
    return false;
  };
  new MutationObserver((_, obs) => { if (check()) obs.disconnect(); })
    .observe(document, { childList: true, subtree: true });
})();`;

const load = [];
let readyWhat = '';
let loadError = '';
for (let i = 0; i < runs + 1 && !loadError; i++) {
  const b = await launch();
  try {
    const ctx = await b.newContext();
    const page = await ctx.newPage();
    await page.addInitScript(READY_SCRIPT);
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => window.__readyAt, null, { timeout: 30_000, polling: 50 });
    const r = await page.evaluate(() => ({ at: window.__readyAt, what: window.__readyWhat, iso: self.crossOriginIsolated }));
    if (!r.iso) throw new Error('the page is not cross-origin isolated');
    readyWhat = r.what;
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
  : { unit: 'ms', samples: load, note: `fresh browser each time, navigation start until ${readyWhat} is in the DOM` };

// ---- timeline frames
// Per frame, the main thread's busy time: from the first rAF callback of the frame (ours,
// registered before the page's own) until a message posted from it arrives, which is after
// that frame's rendering steps. Also the rAF gaps (a dropped frame shows as ~33 ms).
const FRAME_SCRIPT = `(() => {
  window.__frames = { busy: [], gaps: [], on: false };
  const ch = new MessageChannel();
  let start = 0, last = 0;
  ch.port1.onmessage = () => { if (window.__frames.on) window.__frames.busy.push(performance.now() - start); };
  const tick = (t) => {
    requestAnimationFrame(tick);
    start = performance.now();
    if (window.__frames.on && last) window.__frames.gaps.push(t - last);
    last = t;
    ch.port2.postMessage(0);
  };
  requestAnimationFrame(tick);
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
    await page.goto(`${server.url}/?lesson=queue-threads&items=${items}`);
    await page.waitForFunction((sel) => document.querySelector(sel), READY, { timeout: 30_000 });
    const canvas = await page.waitForSelector('#timeline canvas, canvas#timeline, canvas.timeline, .timeline canvas', { timeout: 5_000 })
      .catch(() => null);
    if (!canvas) throw new Error('the page has no timeline canvas yet (www/ UI not mounted)');
    // Start the run: the page's Run button.
    const run = await page.$('#run, button[data-action="run"], button.run');
    if (!run) throw new Error('no Run button found');
    await run.click();
    const events = await page.waitForFunction(() => {
      const s = document.querySelector('[data-events]');
      return s && Number(s.getAttribute('data-events')) >= 0 && document.querySelector('[data-run-state="done"]') ? Number(s.getAttribute('data-events')) : 0;
    }, null, { timeout: 120_000, polling: 200 }).then((h) => h.jsonValue()).catch(() => null);
    if (events === null) throw new Error('could not tell when the run ended or how many events it recorded');
    const box = await canvas.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.evaluate(() => { window.__frames.on = true; });
    for (let i = 0; i < 40; i++) {
      await page.mouse.wheel(0, i < 20 ? -120 : 120);
      await page.waitForTimeout(50);
    }
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press(i % 2 ? 'ArrowLeft' : 'ArrowRight');
      await page.waitForTimeout(50);
    }
    const f = await page.evaluate(() => { window.__frames.on = false; return window.__frames; });
    return { unit: 'ms', samples: f.busy, gaps: f.gaps, events, note: `queue-threads, items=${items}: ${events} events; per-frame main-thread time while zooming and panning` };
  } finally {
    await b.close();
  }
}
