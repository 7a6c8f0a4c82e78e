// The browser side of the bench: serves the bench module (bench/out/web/pkg, built by
// scripts/bench.sh) with its page and driver, and drives headless Chromium.
//   1. one page runs every row on a warm pool (bench_browser {mode: "suite"});
//   2. fresh pages, one per sample, each start and join the lesson threads on a pool that
//      has to grow from one worker (cold);
//   3. fresh pages, one per sample, each start and join one process with no spare instance
//      of the module booted (cold: the start boots one).
// Prints one JSON object on stdout, in the native binary's format.
//   node bench/run-browser.mjs [--smoke] [--runs N] [--only ROW_KEY_PREFIX]
// (--only: just those rows of the suite, and no cold pages; for profiling one row.)
import path from 'node:path';
import { root, serve, launch, log, onPage } from './lib.mjs';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : (smoke ? 2 : 7);
const onlyArg = args.indexOf('--only');
const only = onlyArg >= 0 ? args[onlyArg + 1] : undefined;

const server = await serve([path.join(root, 'bench/web'), path.join(root, 'bench/out/web')]);
const browser = await launch();
let out;
try {
  out = await onPage(browser, server.url, { mode: 'suite', smoke, runs, only }, 420_000);
  out._meta.browser = browser.version();
  if (!only) {
    // Cold: a fresh page (fresh memory, pool of one worker for the run's main thread) per
    // sample; the pool grows as the lesson threads ask for workers.
    const cold = [];
    const coldNote = 'fresh page, pool grows from 1 worker';
    try {
      for (let i = 0; i < runs; i++) {
        log(`browser: threads start+join, cold page ${i + 1}/${runs}`);
        const r = await onPage(browser, server.url, { mode: 'cold_threads', smoke }, 120_000);
        cold.push(r.threads_cold_ms);
      }
      out.threads_cold = { unit: 'ms', samples: cold, note: coldNote };
    } catch (e) {
      out.threads_cold = { unit: 'ms', samples: [], error: String(e.message).split('\n')[0] };
    }
    const coldProc = [];
    try {
      for (let i = 0; i < runs; i++) {
        log(`browser: process start+join, cold page ${i + 1}/${runs}`);
        const r = await onPage(browser, server.url, { mode: 'cold_process', smoke }, 120_000);
        if (r.instances_before !== 0) throw new Error(`a cold page had ${r.instances_before} process instances already`);
        coldProc.push(r.proc_start_cold_ms);
      }
      out.proc_start_cold = { unit: 'ms', samples: coldProc, note: 'fresh page, no spare instance: the start boots one' };
    } catch (e) {
      out.proc_start_cold = { unit: 'ms', samples: [], error: String(e.message).split('\n')[0] };
    }
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(JSON.stringify(out, null, 2));
