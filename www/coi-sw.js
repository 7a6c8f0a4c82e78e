// Cross-origin isolation for a host that cannot send headers (GitHub Pages and other static
// hosts). Lessons need SharedArrayBuffer, which a browser gives only to an isolated page.
// This service worker, registered by the page when it finds itself not isolated, re-issues
// every same-origin response with the isolation headers; the page then reloads once, under
// its control, and is isolated. Document-Isolation-Policy also isolates the page inside a
// course page's iframe whose embedder is not isolated (Chromium 137+).
'use strict';

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Document-Isolation-Policy': 'isolate-and-require-corp',
};

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (e) => {
  const req = e.request;
  // A request the browser may only answer from its cache, across origins: not ours to make.
  if (req.cache === 'only-if-cached' && req.mode !== 'same-origin') return;
  // Only our own files: a cross-origin response cannot be re-issued (it is opaque).
  if (new URL(req.url).origin !== self.location.origin) return;
  e.respondWith((async () => {
    const res = await fetch(req);
    if (res.status === 0 || res.type === 'opaqueredirect') return res;
    const headers = new Headers(res.headers);
    for (const [k, v] of Object.entries(ISOLATION)) headers.set(k, v);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  })());
});
