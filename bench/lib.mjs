// Shared by the bench's browser scripts: a static server with cross-origin isolation (the
// tests/e2e/lib.mjs scheme) and Debian's Chromium driven by playwright-core.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml',
};

/** Serves the files of `dirs` (searched in order) on a free loopback port, isolated. */
export async function serve(dirs, { fallback = null } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-cache',
    };
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    let file = null;
    for (const d of dirs) {
      const f = path.join(d, rel);
      if (f.startsWith(d) && fs.existsSync(f) && fs.statSync(f).isFile()) { file = f; break; }
    }
    if (!file && fallback) file = fallback;
    if (!file) { res.writeHead(404, headers); return res.end(); }
    res.writeHead(200, { ...headers, 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) };
}

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export function log(line) {
  process.stderr.write(`    ${line}\n`);
}

/**
 * Opens the bench page served at `base` in a fresh context (fresh memory, fresh pool),
 * runs `spec` there (see bench/src/web.rs) and resolves to its results; the page's
 * progress lines go to stderr.
 */
export async function onPage(browser, base, spec, timeoutMs) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    else if (m.text().startsWith('browser: ')) log(m.text());
  });
  try {
    await page.goto(`${base}/?spec=${encodeURIComponent(JSON.stringify(spec))}`);
    await page.waitForFunction(() => window.__bench, null, { timeout: timeoutMs, polling: 200 });
    const res = await page.evaluate(() => window.__bench);
    if (res.error) throw new Error(`${res.error}${errors.length ? `\n${errors.join('\n')}` : ''}`);
    return res.ok;
  } catch (e) {
    throw new Error(`${e.message}${errors.length ? `\nconsole: ${errors.join('\n')}` : ''}`);
  } finally {
    await context.close();
  }
}
