// Puts the bench's results side by side: one table (stdout), bench/out/latest.json and
// bench/out/latest.md, and PASS/MISS for each target.
//   node bench/report.mjs OUT_DIR
// OUT_DIR holds native.json, browser.json, page.json and python.json (each optional: a
// missing side shows as n/a).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { quantile, fmt, cell, rowDefs, cpuModel, textTable, mdTable } from './table.mjs';

const dir = path.resolve(process.argv[2] || 'bench/out');
const read = (name) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
  } catch {
    return null;
  }
};
const native = read('native.json') || {};
const browser = { ...(read('browser.json') || {}), ...(read('page.json') || {}) };
const python = read('python.json');
const meta = read('meta.json') || {};

function stat(side, key) {
  const r = side && side[key];
  if (!r) return { na: 'n/a' };
  if (r.error) return { na: r.error.startsWith('n/a') ? r.error : `error: ${r.error}` };
  const v = r.samples || [];
  if (!v.length) return { na: 'n/a' };
  return { med: quantile(v, 0.5), min: Math.min(...v), max: Math.max(...v), p95: quantile(v, 0.95), n: v.length, note: r.note || '', raw: r };
}

// ---- rows
const cores = native._meta?.cores || browser._meta?.cores || os.cpus().length;
const sz = native._meta?.sizes || browser._meta?.sizes || {};
const ROWS = rowDefs({ sz, cores, timelineEvents: browser.timeline_frames?.events });

// Speed-up is derived from the two sums' medians (spread: worst and best pairing).
function speedup(side, one_key = 'sum_1', all_key = 'sum_all') {
  const one = stat(side, one_key);
  const all = stat(side, all_key);
  if (one.na || all.na) return { na: one.na || all.na };
  return { med: one.med / all.med, min: one.min / all.max, max: one.max / all.min, derived: true };
}

function sideStat(side, row, key, py = false) {
  if (row.derived) return speedup(side, ...((py && row.pyDerived) || row.derived));
  const s = stat(side, key);
  if (row.p95 && !s.na) return { ...s, med: s.p95, p50: s.med };
  return s;
}

// Factor by which `a` is better than `b` (>1: a is better).
function better(row, a, b) {
  if (!a || !b || a.na || b.na) return NaN;
  return row.better === 'lower' ? b.med / a.med : a.med / b.med;
}

const table = ROWS.map((row) => {
  const b = sideStat(browser, row, row.key);
  const n = sideStat(native, row, row.key);
  const p = row.py && python ? sideStat(python, row, row.py, true) : { na: row.py ? (python ? 'n/a' : 'n/a (no python3)') : '—' };
  const bn = row.derived ? NaN : better(row, n, b); // > 1: the browser is that many times slower
  const vsPyB = row.derived ? NaN : better(row, b, p);
  const vsPyN = row.derived ? NaN : better(row, n, p);
  const fmtCell = (s) => {
    if (row.derived && !s.na) return `${s.med.toFixed(2)} (${Math.round((s.med / cores) * 100)}%)`;
    if (row.p95 && !s.na) return `${fmt(s.med)} (p50 ${fmt(s.p50)}, max ${fmt(s.max)})`;
    return cell(s);
  };
  return {
    key: row.key,
    label: row.label,
    unit: row.unit,
    better: row.better,
    browser: b.na ? { na: b.na } : { median: b.med, min: b.min, max: b.max, n: b.n, note: b.note },
    native: n.na ? { na: n.na } : { median: n.med, min: n.min, max: n.max, n: n.n, note: n.note },
    cpython: p.na ? { na: p.na } : { median: p.med, min: p.min, max: p.max, n: p.n, note: p.note },
    browser_cost_vs_native: Number.isFinite(bn) ? bn : null,
    browser_vs_cpython: Number.isFinite(vsPyB) ? vsPyB : null,
    native_vs_cpython: Number.isFinite(vsPyN) ? vsPyN : null,
    cells: [row.label, row.unit, fmtCell(b), fmtCell(n), row.py ? fmtCell(p) : '—',
      Number.isFinite(bn) ? `${bn.toFixed(2)}×` : '—',
      Number.isFinite(vsPyB) || Number.isFinite(vsPyN)
        ? `${Number.isFinite(vsPyB) ? vsPyB.toFixed(1) : '—'}× / ${Number.isFinite(vsPyN) ? vsPyN.toFixed(1) : '—'}×` : '—'],
  };
});
const byKey = Object.fromEntries(table.map((r) => [r.key, r]));

// ---- targets
const targets = [];
function target(name, value, ok, shown) {
  targets.push({ target: name, value: shown, status: value === null || Number.isNaN(value) ? 'N/A' : ok ? 'PASS' : 'MISS' });
}
const ratio = (k) => byKey[k].browser_cost_vs_native;
for (const k of ['lock_pair_untraced', 'lock_pair_traced', 'lock_increments', 'pingpong', 'queue']) {
  const r = ratio(k);
  target(`browser within 2× of native: ${byKey[k].label.replace(/^\d\. /, '')}`, r, r <= 2, r === null ? 'n/a' : `${r.toFixed(2)}× slower`);
}
{
  const r = ratio('sum_1');
  const v = r === null ? null : 1 / r;
  target('one wasm worker sums at >= 0.8× one native thread', v, v >= 0.8, v === null ? 'n/a' : `${v.toFixed(2)}×`);
}
for (const k of ['lock_pair_traced', 'lock_pair_untraced', 'queue']) {
  for (const [side, f] of [['browser', 'browser_vs_cpython'], ['native', 'native_vs_cpython']]) {
    const v = byKey[k][f];
    target(`${side} >= 10× faster than CPython: ${byKey[k].label.replace(/^\d\. /, '')}`, v, v >= 10, v === null ? 'n/a' : `${v.toFixed(1)}×`);
  }
}
for (const [side, f] of [['browser', 'browser_vs_cpython'], ['native', 'native_vs_cpython']]) {
  const v = byKey.pingpong[f];
  target(`${side} ping-pong faster than CPython`, v, v > 1, v === null ? 'n/a' : `${v.toFixed(2)}×`);
}
for (const [side, s] of [['browser', speedup(browser)], ['native', speedup(native)]]) {
  const v = s.na ? null : s.med;
  target(`${side} parallel sum speed-up >= 0.9 × ${cores} cores = ${(0.9 * cores).toFixed(1)} (result exact)`, v, v >= 0.9 * cores,
    v === null ? 'n/a' : `${v.toFixed(2)}× (${Math.round((v / cores) * 100)}%)`);
}
// The control (plain std threads), sampled right after each lesson-thread sample in the
// same process: the speed-up the machine allowed at that moment.
const plainSpeedup = speedup(native, 'sum_plain_1', 'sum_plain_all');
{
  const s = speedup(native);
  const v = s.na || plainSpeedup.na ? null : s.med / plainSpeedup.med;
  target('native parallel sum speed-up >= 0.95 × the plain std threads\' (interleaved, same process)', v, v >= 0.95,
    v === null ? 'n/a' : `${v.toFixed(2)}× (${s.med.toFixed(2)} against ${plainSpeedup.med.toFixed(2)})`);
}
// Processes (rows 9-13).
{
  const fork = python ? stat(python, 'proc_fork') : { na: 'n/a' };
  const spawn = python ? stat(python, 'proc_spawn') : { na: 'n/a' };
  const warm = stat(browser, 'proc_start_warm');
  const v = warm.na || fork.na ? null : fork.med / warm.med;
  target('browser warm process start+join no slower than CPython\'s fork', v, v >= 1,
    v === null ? 'n/a' : `${fmt(warm.med)} ms against ${fmt(fork.med)} ms (${v.toFixed(2)}×)`);
  const w = warm.na || spawn.na ? null : spawn.med / warm.med;
  target('browser warm process start+join >= 10× faster than CPython\'s spawn', w, w >= 10,
    w === null ? 'n/a' : `${w.toFixed(1)}× (${fmt(warm.med)} against ${fmt(spawn.med)} ms)`);
}
for (const [k, times] of [['proc_pipe', 5], ['proc_queue', 10], ['mgr_dict', 5], ['mgr_remote', 5], ['pool_map', 5]]) {
  for (const [side, f] of [['browser', 'browser_vs_cpython'], ['native', 'native_vs_cpython']]) {
    const v = byKey[k][f];
    target(`${side} >= ${times}× faster than CPython: ${byKey[k].label.replace(/^\d+\. /, '')}`, v, v >= times, v === null ? 'n/a' : `${v.toFixed(1)}×`);
  }
}
for (const [side, s] of [['browser', speedup(browser, 'proc_sum_seq', 'proc_sum_all')], ['native', speedup(native, 'proc_sum_seq', 'proc_sum_all')]]) {
  const v = s.na ? null : s.med;
  target(`${side} sum speed-up on processes >= 0.9 × ${cores} cores = ${(0.9 * cores).toFixed(1)} (result exact)`, v, v >= 0.9 * cores,
    v === null ? 'n/a' : `${v.toFixed(2)}× (${Math.round((v / cores) * 100)}%)`);
}
for (const [side, src] of [['browser', browser], ['native', native]]) {
  const s = stat(src, 'proc_memory');
  target(`${side} process costs <= 4 MB beyond its trace`, s.na ? null : s.med, s.med <= 4, s.na ? s.na : `${fmt(s.med)} MB`);
}
{
  const s = stat(browser, 'page_load');
  target('cold page load < 1 s', s.na ? null : s.med, s.med < 1000, s.na ? s.na : `${fmt(s.med)} ms`);
  const z = stat(browser, 'page_size');
  target('wasm + JS < 400 KB gzip', z.na ? null : z.med, z.med < 400, z.na ? z.na : `${fmt(z.med)} KB`);
}
for (const [side, src] of [['browser', browser], ['native', native]]) {
  const s = stat(src, 'trace_record');
  target(`${side} trace recording < 50 ns/event`, s.na ? null : s.med, s.med < 50, s.na ? s.na : `${fmt(s.med)} ns`);
}
{
  const s = stat(browser, 'timeline_frames');
  target('timeline frames < 16 ms at 100,000 events (p95)', s.na ? null : s.p95, s.p95 < 16, s.na ? s.na : `p95 ${fmt(s.p95)} ms`);
}

// ---- machine
const cpu = cpuModel(fs);
const machine = {
  cores: os.cpus().length,
  cpu,
  memory_gb: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  chromium: browser._meta?.browser || 'n/a',
  python: meta.python || 'n/a',
  rustc: meta.rustc || 'n/a',
  load_before: meta.load_before || null,
  load_after: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  commit: meta.commit || null,
  date: new Date().toISOString(),
  runs: native._meta?.sizes?.runs ?? browser._meta?.sizes?.runs ?? null,
  smoke: !!meta.smoke,
  priority: !!meta.priority,
};

// ---- where the time goes (probes: not rows, the pieces the rows are made of)
const pb = browser._probe || {};
const pn = native._probe || {};
const ns = (x) => (typeof x === 'number' && Number.isFinite(x) ? `${fmt(x)} ns` : 'n/a');
const probes = [
  `clock read (parlab::clock::now_ns; trace events read the ticker's word instead): browser ${ns(pb.clock_ns)} (performance.now() steps by ${pb.clock_step_us ? `${fmt(pb.clock_step_us)} µs` : 'n/a'}; `
    + `bound Performance.prototype.now ${ns(pb.clock_bound_ns)}, global performance.now ${ns(pb.clock_direct_import_ns)}), native ${ns(pn.clock_ns)}`,
  `raw lock atomics (compare_exchange + swap): browser ${ns(pb.atomic_pair_ns)}, native ${ns(pn.atomic_pair_ns)}`,
  `trace recording, per event per thread, into one trace from 1 thread / 2 threads at once (one shared slot counter): browser ${ns(pb.trace_record_1_thread_ns)} / ${ns(pb.trace_record_2_threads_ns)}, native ${ns(pn.trace_record_1_thread_ns)} / ${ns(pn.trace_record_2_threads_ns)}`,
  `Lock pair in a run whose trace is full (hooks, no recording): browser ${ns(pb.lock_pair_full_trace_ns)}, native ${ns(pn.lock_pair_full_trace_ns)}`,
  `2 threads x locked increments in a run whose trace is full (no clock reads, no recording): browser ${pb.lock_increments_full_trace ? `${fmt(pb.lock_increments_full_trace)} ops/s` : 'n/a'}, native ${pn.lock_increments_full_trace ? `${fmt(pn.lock_increments_full_trace)} ops/s` : 'n/a'}`,
  `control, the sum on plain std threads (no Parlab), right after each lesson-thread sample: ${plainSpeedup.na ? 'n/a'
    : `speed-up ${plainSpeedup.med.toFixed(2)}× on ${cores} cores (1 thread ${cell(stat(native, 'sum_plain_1'))} ms, ${cores} threads ${cell(stat(native, 'sum_plain_all'))} ms)`}`,
  `ping-pong with a 4096-event trace (watchdog once the trace is full): browser ${pb.pingpong_trace_4096 || 'n/a'}; native ${pn.pingpong_trace_4096 || 'n/a'}`,
];

// ---- output
const HEAD = ['row', 'unit', 'Parlab browser (workers)', 'Parlab native', 'CPython', 'browser ÷ native', '× faster than CPython (browser / native)'];
const cells = table.map((r) => r.cells);
const machineLine = `${machine.cores} cores, ${machine.cpu}, ${machine.memory_gb} GB, ${machine.os}; Chromium ${machine.chromium}; ${machine.python}; ${machine.rustc}`
  + `; load average before ${machine.load_before ?? '?'}, after ${machine.load_after}${machine.priority ? '; measured at nice -10 (--priority)' : ''}`;
const legend = `Cells: median (min–max) of ${machine.runs ?? '?'} runs after a warm-up (rows 1 and 8, short: ${machine.runs ? 3 * machine.runs : '3×'} samples after 3 warm-ups). "browser ÷ native": how many times `
  + 'slower the browser is (1.00× = same). Rows 1–6 in lesson threads inside a run (trace on) unless said; row 1 "trace off" on the calling '
  + 'thread outside any run (browser: the bench\'s dedicated worker). Rows 9–13: child processes, natively OS processes (this binary started '
  + 'again), in the browser instances of the module with memories of their own (rows 9 and 10: short, as rows 1 and 8).';

const busy = Number(String(machine.load_before || '0').split(' ')[0]);
const busyWarning = busy > 0.5 * machine.cores
  ? `WARNING: the machine was busy before the bench (1-minute load ${busy} on ${machine.cores} cores): other processes share the cores, numbers are noisy and parallel rows suffer most.`
  : '';
console.log(`\nParlab bench${machine.smoke ? ' (SMOKE: tiny sizes, numbers meaningless)' : ''} — ${machineLine}\n`);
if (busyWarning) console.log(`${busyWarning}\n`);
console.log(textTable(HEAD, cells));
console.log(`\n${legend}\n\nTargets:`);
for (const t of targets) console.log(`  ${t.status.padEnd(4)}  ${t.target}: ${t.value}`);
console.log(`\nWhere the time goes (probes):\n${probes.map((p) => `  ${p}`).join('\n')}`);
const notes = table.flatMap((r) => [['browser', r.browser], ['native', r.native], ['CPython', r.cpython]]
  .filter(([, s]) => s.note).map(([side, s]) => `${r.label.split(' ')[0]} ${side}: ${s.note}`));
if (notes.length) console.log(`\nNotes:\n${[...new Set(notes)].map((n) => `  ${n}`).join('\n')}`);

fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify({ machine, rows: table.map(({ cells: _, ...r }) => r), targets, probes: { browser: pb, native: pn } }, null, 2));
const md = [
  `## Parlab bench${machine.smoke ? ' (smoke)' : ''}`,
  '',
  `Machine: ${machineLine}. Date: ${machine.date}${machine.commit ? `, commit ${machine.commit}` : ''}.`,
  '',
  ...(busyWarning ? [`> ${busyWarning}`, ''] : []),
  mdTable(HEAD, cells),
  '',
  legend,
  '',
  '| target | value | status |',
  '|---|---:|---|',
  ...targets.map((t) => `| ${t.target} | ${t.value} | ${t.status === 'PASS' ? '✅ PASS' : t.status === 'MISS' ? '❌ MISS' : 'n/a'} |`),
  '',
  'Where the time goes (probes):',
  '',
  ...probes.map((p) => `- ${p}`),
  '',
  'Run it: `scripts/bench.sh` (about 3 minutes on 2 cores once built, 5 from a cold build); `scripts/bench.sh --smoke` checks that every row runs.',
  '',
].join('\n');
fs.writeFileSync(path.join(dir, 'latest.md'), md);
console.log(`\nwrote ${path.relative(process.cwd(), path.join(dir, 'latest.json'))} and latest.md`);

// --strict (the smoke): fail when a side produced nothing or a row failed (rows that are
// n/a for a stated reason pass).
if (process.argv.includes('--strict')) {
  const problems = [];
  for (const [name, side] of [['native', read('native.json')], ['browser', read('browser.json')], ['page', read('page.json')]]) {
    if (!side) problems.push(`${name}: no results`);
  }
  for (const r of table) {
    for (const side of ['browser', 'native', 'cpython']) {
      if (r[side].na && r[side].na.startsWith('error')) problems.push(`${r.key} ${side}: ${r[side].na}`);
    }
  }
  if (problems.length) {
    console.error(`smoke failed:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}
