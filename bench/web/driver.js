// The bench's driver: a dedicated worker that loads the bench module (with a fresh shared
// memory), creates the worker pool and runs the measurements, then posts the results.
import init, { bench_browser } from './pkg/parlab_bench.js';

self.onmessage = async (e) => {
  try {
    if (!e.data.isolated) throw new Error('the bench page is not cross-origin isolated');
    await init({ module_or_path: new URL('./pkg/parlab_bench_bg.wasm', import.meta.url) });
    const out = await bench_browser(e.data.spec);
    self.postMessage({ ok: JSON.parse(out) });
  } catch (err) {
    self.postMessage({ error: String((err && err.stack) || err) });
  }
};
