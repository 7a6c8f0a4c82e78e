// Shared end-to-end harness: a static server for the Trunk-built dist/ (with or without
// cross-origin isolation headers) and Debian's Chromium driven by playwright-core.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const dist = process.env.PARLAB_DIST || path.join(root, 'dist');
export const outDir = path.join(root, 'tests/out');
fs.mkdirSync(outDir, { recursive: true });

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };

/** Serves dist/ on a free loopback port, with the isolation headers Trunk.toml serves
 * (COOP, COEP and Document-Isolation-Policy); `isolated: false`: none of them, as a static
 * host that cannot send headers. */
export async function serve({ isolated = true, extraRoutes = {} } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const headers = {};
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Document-Isolation-Policy'] = 'isolate-and-require-corp';
    }
    headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    if (extraRoutes[url.pathname]) {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(extraRoutes[url.pathname]);
    }
    let file = path.join(dist, decodeURIComponent(url.pathname));
    if (!file.startsWith(dist)) { res.writeHead(403); return res.end(); }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) file = path.join(dist, 'index.html');
    res.writeHead(200, { ...headers, 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A new page that fails the test on any uncaught page error. `options` go to the
 * page's context (`{ serviceWorkers: 'block' }`: a browser where isolation is impossible). */
export async function page(b, errors = [], options = {}) {
  const p = await b.newPage({ viewport: { width: 1280, height: 900 }, ...options });
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return p;
}

export function shot(p, name) {
  return p.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
}

/** The lesson ids the built site lists in its catalog. */
export async function lessonIds(b, base) {
  const p = await b.newPage();
  await p.goto(`${base}/?lang=en`);
  await p.locator('#catalog').waitFor({ timeout: 20000 });
  const ids = await p.locator('#catalog a[data-lesson]').evaluateAll((as) => as.map((a) => a.dataset.lesson));
  await p.close();
  return ids;
}

/** Opens a lesson page and waits until its Run button can be pressed (threads ready). */
export async function openLesson(p, base, query, { ready = true } = {}) {
  await p.goto(`${base}/?${query}`);
  await p.locator('#lesson-title').waitFor({ timeout: 20000 });
  if (ready) await p.locator('#status:not([data-state="preparing"])').waitFor({ timeout: 30000 });
}

/** Clicks Run and waits for the run's end; returns its end state. */
export async function runToEnd(p, timeout = 60000) {
  await p.locator('#run:not([disabled])').click({ timeout: 10000 });
  await p.locator('#status[data-state="running"], #status[data-state="stopping"], #end-state[data-state]').first().waitFor({ timeout: 10000 });
  await p.locator('#end-state[data-state]').waitFor({ timeout });
  return p.locator('#end-state').getAttribute('data-state');
}
