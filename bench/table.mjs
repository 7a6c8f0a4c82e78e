// What the bench's tables share: the rows (labels, units, which way is better), the
// statistics and the number format. Used by report.mjs (the full table) and against.mjs
// (two builds side by side).
import os from 'node:os';

export const sorted = (v) => [...v].sort((a, b) => a - b);

export function quantile(v, q) {
  const s = sorted(v);
  if (!s.length) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}

export function fmt(x) {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(0)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** "median (min–max)" of a stat, or its reason for being absent. */
export const cell = (s) => (s.na ? s.na : `${fmt(s.med)} (${fmt(s.min)}–${fmt(s.max)})`);

/**
 * The table's rows. better: 'lower' (times) or 'higher' (rates); py: the CPython key.
 * `sz`: the sizes the bench ran with; `timelineEvents`: how many events row 8 drew.
 */
export function rowDefs({ sz = {}, cores = os.cpus().length, timelineEvents } = {}) {
  const num = (x, dflt) => (x ?? dflt).toLocaleString('en-US');
  return [
    { key: 'lock_pair_untraced', py: 'lock_pair', label: '1. Lock acquire+release, uncontended, trace off (outside a run)', unit: 'ns', better: 'lower' },
    { key: 'lock_pair_traced', py: 'lock_pair', label: '1. Lock acquire+release, uncontended, trace on (in a run)', unit: 'ns', better: 'lower' },
    { key: 'lock_increments', py: 'lock_increments', label: `2. 2 threads x ${num(sz.increments, 100000)} locked increments`, unit: 'ops/s', better: 'higher' },
    { key: 'pingpong', py: 'pingpong', label: '3. Event ping-pong, 2 threads', unit: 'µs/round trip', better: 'lower' },
    { key: 'queue', py: 'queue', label: `4. Queue, 1 producer -> 1 consumer, ${num(sz.queue_items, 200000)} items`, unit: 'items/s', better: 'higher' },
    { key: 'threads_warm', py: 'threads_warm', label: `5. start+join ${num(sz.threads, 100)} threads, warm (pool grown)`, unit: 'ms', better: 'lower' },
    { key: 'threads_cold', py: 'threads_cold', label: `5. start+join ${num(sz.threads, 100)} threads, cold (fresh page/pool)`, unit: 'ms', better: 'lower' },
    { key: 'sum_1', py: 'sum_1', label: `6. sum 1..${num(sz.sum_n, 1e8)} on 1 thread/worker`, unit: 'ms', better: 'lower' },
    { key: 'sum_all', py: 'sum_all', label: `6. sum 1..${num(sz.sum_n, 1e8)} on every core (${cores})`, unit: 'ms', better: 'lower' },
    { key: 'sum_speedup', py: 'sum_speedup', label: `6. sum speed-up on ${cores} cores (efficiency)`, unit: '×', better: 'higher', derived: ['sum_1', 'sum_all'] },
    { key: 'page_load', label: '7. cold page load to interactive (localhost)', unit: 'ms', better: 'lower' },
    { key: 'page_size', label: '7. wasm + JS sent, gzip', unit: 'KB', better: 'lower' },
    { key: 'trace_record', label: '8. trace recording cost', unit: 'ns/event', better: 'lower' },
    { key: 'proc_start_warm', py: 'proc_fork', label: '9. start+join 1 process, warm (browser: spare instance booted) — CPython: fork', unit: 'ms', better: 'lower' },
    { key: 'proc_start_cold', py: 'proc_spawn', label: '9. start+join 1 process, cold (browser: no spare, boots one) — CPython: spawn', unit: 'ms', better: 'lower' },
    { key: 'proc_pipe', py: 'proc_pipe', label: '10. Pipe round trip, 8 bytes, parent <-> child', unit: 'µs/round trip', better: 'lower' },
    { key: 'proc_queue', py: 'proc_queue', label: `11. multiprocessing.Queue, parent -> 1 child process, ${num(sz.proc_queue_items, 100000)} items`, unit: 'items/s', better: 'higher' },
    { key: 'proc_sum_seq', py: 'sum_1', label: `12. sum 1..${num(sz.sum_n, 1e8)} in the parent process alone`, unit: 'ms', better: 'lower' },
    { key: 'proc_sum_all', py: 'sum_all', label: `12. sum 1..${num(sz.sum_n, 1e8)} on ${cores} processes (starts included)`, unit: 'ms', better: 'lower' },
    { key: 'proc_sum_speedup', py: 'sum_speedup', label: `12. sum speed-up on ${cores} processes (efficiency)`, unit: '×', better: 'higher', derived: ['proc_sum_seq', 'proc_sum_all'], pyDerived: ['sum_1', 'sum_all'] },
    { key: 'proc_memory', py: 'proc_memory', label: '13. memory per process beyond its trace (CPython: a spawned child\'s whole RSS)', unit: 'MB', better: 'lower' },
    { key: 'mgr_dict', py: 'mgr_dict', label: '14. Manager dict assignment d[0] = i, a round trip to the manager', unit: 'µs/assignment', better: 'lower' },
    { key: 'mgr_remote', py: 'mgr_remote', label: '15. remote manager call (BaseManager at an address, connected client)', unit: 'µs/call', better: 'lower' },
    { key: 'pool_map', py: 'pool_map', label: `16. Pool(${cores}).map of ${num(sz.pool_tasks, 10000)} tiny tasks, workers up`, unit: 'ms', better: 'lower' },
    { key: 'pool_map_threads', py: 'pool_map_threads', label: `16. ThreadPoolExecutor(${cores}).map of the same tasks (per-task reference)`, unit: 'ms', better: 'lower' },
    { key: 'timeline_frames', label: `8. timeline frame time, ${timelineEvents ? num(timelineEvents) : '100,000+'} events (p95)`, unit: 'ms', better: 'lower', p95: true },
  ];
}

/** The one-line description of the machine, from /proc/cpuinfo where there is one. */
export function cpuModel(fs) {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)[1].trim();
  } catch {
    return os.cpus()[0]?.model || 'unknown';
  }
}

/** A plain-text table with a header line. */
export function textTable(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(w[i])).join(' │ ');
  return [line(head), w.map((x) => '─'.repeat(x)).join('─┼─'), ...rows.map(line)].join('\n');
}

/** A Markdown table; the columns from `numericFrom` on are right-aligned. */
export function mdTable(head, rows, numericFrom = 2) {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < numericFrom ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');
}
