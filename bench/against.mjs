// Two builds of the bench side by side, interleaved in one run: rows 1-4 of an old
// revision's build and of the current tree's, natively and in headless Chromium, old/new/
// old/new for N rounds, so that both builds meet the same machine (load, clock speed,
// other agents' builds) at nearly the same moments; the order within a pair alternates
// with the rounds. scripts/bench.sh --against REV builds
// both and calls this; it can also be run by hand on two builds:
//   node bench/against.mjs --old-bin BIN --old-web DIR,DIR --new-bin BIN --new-web DIR,DIR
//        --out DIR --name NAME [--old-desc TEXT] [--new-desc TEXT] [--rounds N] [--runs K]
//        [--smoke] [--native-only] [--priority (only says so in the table)]
// BIN: a parlab-bench binary; DIR,DIR: what to serve for that build's bench page (the
// page and driver, bench/web, then the directory holding pkg/). Both builds must know
// `--only PREFIX` (native) and `only` in the page's spec (the bench since d0039b6).
//
// Each build's rows come from the bench itself (bench/src/lib.rs, `--only`): one
// invocation per row group, build and round, each with its own warm-up and K samples (3K
// for row 1). A round's value of a row is the median of that invocation's samples; the
// table gives, per build, the median (min–max) of the N round values, and the verdict
// compares them (see `verdict` below). Writes OUT/against-NAME.{json,md}.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { serve, launch, log, onPage } from './lib.mjs';
import { quantile, fmt, cell, rowDefs, cpuModel, textTable, mdTable } from './table.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const smoke = args.includes('--smoke');
const nativeOnly = args.includes('--native-only');
const priority = args.includes('--priority');
const rounds = Number(opt('rounds', smoke ? 2 : 7));
const runs = Number(opt('runs', smoke ? 2 : 5));
const outDir = path.resolve(opt('out', 'bench/out'));
const name = opt('name', 'old');
const builds = ['old', 'new'].map((b) => ({
  id: b,
  bin: path.resolve(opt(`${b}-bin`, '')),
  web: String(opt(`${b}-web`, '')).split(',').filter(Boolean).map((d) => path.resolve(d)),
  desc: opt(`${b}-desc`, b),
}));
for (const b of builds) {
  if (!fs.existsSync(b.bin)) throw new Error(`--${b.id}-bin: no bench binary at ${b.bin}`);
  if (!nativeOnly && !b.web.length) throw new Error(`--${b.id}-web: the directories to serve for the page`);
}
if (!(rounds >= 1 && runs >= 1)) throw new Error('--rounds and --runs take a number >= 1');

// Rows 1-4, by the `--only` prefix that runs them: one invocation per group.
const GROUPS = [
  { only: 'lock', keys: ['lock_pair_untraced', 'lock_pair_traced', 'lock_increments'] },
  { only: 'pingpong', keys: ['pingpong'] },
  { only: 'queue', keys: ['queue'] },
];
const KEYS = GROUPS.flatMap((g) => g.keys);
const PLATFORMS = nativeOnly ? ['native'] : ['native', 'browser'];

// values[platform][build][key][round - 1]: the median of that round's samples (a hole
// where the invocation failed); samples[...]: every sample; errors: what failed.
const blank = () => Object.fromEntries(PLATFORMS.map((p) => [p, Object.fromEntries(builds.map((b) => [b.id, Object.fromEntries(KEYS.map((k) => [k, []]))]))]));
const values = blank();
const samples = blank();
const errors = [];
let sizes = null;

function nativeRun(bin, only) {
  const argv = ['--only', only, '--runs', String(runs), ...(smoke ? ['--smoke'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${bin} ${argv.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      try {
        resolve(JSON.parse(out));
      } catch (e) {
        reject(new Error(`${bin}: not JSON (${e.message})`));
      }
    });
  });
}

function keep(platform, build, group, res, round) {
  sizes ??= res._meta?.sizes;
  for (const k of group.keys) {
    const r = res[k];
    if (!r || r.error || !r.samples?.length) {
      errors.push(`${platform} ${build.id} round ${round}: ${k}: ${r?.error || 'no samples'}`);
      continue;
    }
    values[platform][build.id][k][round - 1] = quantile(r.samples, 0.5);
    samples[platform][build.id][k].push(...r.samples);
  }
}

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const loadBefore = loadavg();
const loads = [];
const t0 = Date.now();
const servers = nativeOnly ? [] : await Promise.all(builds.map((b) => serve(b.web)));
const browser = nativeOnly ? null : await launch();
const chromium = browser?.version() ?? 'n/a';
try {
  for (let round = 1; round <= rounds; round++) {
    loads.push(loadavg());
    log(`round ${round}/${rounds} (load ${loads.at(-1)}, ${((Date.now() - t0) / 1000).toFixed(0)} s so far)`);
    for (const platform of PLATFORMS) {
      for (const group of GROUPS) {
        // Within a group the two builds run back to back, old first in odd rounds and new
        // first in even ones: with a fixed order, two copies of one binary differed (the
        // second of each pair lost 5 of 7 rounds on every row), the second invocation
        // meeting what the first left behind (its exit, its freed memory).
        const order = round % 2 ? [0, 1] : [1, 0];
        for (const i of order) {
          const b = builds[i];
          try {
            const res = platform === 'native'
              ? await nativeRun(b.bin, group.only)
              : await onPage(browser, servers[i].url, { mode: 'suite', smoke, runs, only: group.only }, 180_000);
            keep(platform, b, group, res, round);
          } catch (e) {
            errors.push(`${platform} ${b.id} round ${round}: ${group.only}: ${String(e.message).split('\n')[0]}`);
            log(`FAILED: ${errors.at(-1)}`);
          }
        }
      }
    }
  }
} finally {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
}
const seconds = (Date.now() - t0) / 1000;

// ---- the table
const defs = rowDefs({ sz: sizes || {} });
const stat = (v) => (v.length ? { med: quantile(v, 0.5), min: Math.min(...v), max: Math.max(...v), n: v.length } : { na: 'n/a (failed)' });

// The verdict: "no slower beyond the spread" when the new build's median round is within
// the old build's range of rounds: new median <= old max for times, >= old min for rates.
// The range is over round values (each the median of one invocation's samples), not over
// raw samples: a raw sample preempted by another process on this shared machine can be
// 3-5x the median, and a range that wide would let any regression pass. Round values
// keep the spread that matters, the machine's drift between invocations, which the
// interleaving shares fairly between the builds.
// With two identical builds (every round value of both drawn alike), a row is SLOWER by
// chance when the new build's top ceil(N/2) values all lie above the old build's N:
// C(N, m) / C(2N, m), 3.5% per row at 7 rounds, 0.6% at 11.
function chanceSlower(n) {
  const m = Math.ceil(n / 2);
  const choose = (a, b) => { let c = 1; for (let i = 0; i < b; i++) c = (c * (a - i)) / (i + 1); return c; };
  return choose(n, m) / choose(2 * n, m);
}

function verdict(def, o, n) {
  if (o.na || n.na) return { ok: null, text: 'n/a' };
  const ok = def.better === 'lower' ? n.med <= o.max : n.med >= o.min;
  return { ok, text: ok ? 'no slower beyond the spread' : 'SLOWER beyond the spread' };
}

const rows = [];
for (const platform of PLATFORMS) {
  for (const key of KEYS) {
    const def = defs.find((d) => d.key === key);
    const ok = (v) => Array.from(v, (x) => x ?? NaN);
    const ov = ok(values[platform].old[key]);
    const nv = ok(values[platform].new[key]);
    const o = stat(ov.filter(Number.isFinite));
    const n = stat(nv.filter(Number.isFinite));
    // > 1: the new build costs that many times the old one (time ratio, or rate inverted).
    const cost = o.na || n.na ? NaN : def.better === 'lower' ? n.med / o.med : o.med / n.med;
    // Paired by round: in how many rounds (where both ran) the new build did at least as well.
    let pairs = 0;
    let wins = 0;
    for (let i = 0; i < Math.max(ov.length, nv.length); i++) {
      if (!Number.isFinite(ov[i]) || !Number.isFinite(nv[i])) continue;
      pairs++;
      if (def.better === 'lower' ? nv[i] <= ov[i] : nv[i] >= ov[i]) wins++;
    }
    const v = verdict(def, o, n);
    rows.push({
      platform, key, label: def.label, unit: def.unit, better: def.better,
      old: o.na ? o : { median: o.med, min: o.min, max: o.max, rounds: o.n },
      new: n.na ? n : { median: n.med, min: n.min, max: n.max, rounds: n.n },
      new_cost_vs_old: Number.isFinite(cost) ? cost : null,
      new_at_least_as_good_in_rounds: `${wins}/${pairs}`,
      no_slower_beyond_spread: v.ok,
      rounds: { old: ov.map((x) => (Number.isFinite(x) ? x : null)), new: nv.map((x) => (Number.isFinite(x) ? x : null)) },
      samples: { old: samples[platform].old[key], new: samples[platform].new[key] },
      cells: [platform, def.label, def.unit, cell(o), cell(n), Number.isFinite(cost) ? `${cost.toFixed(2)}×` : '—', `${wins}/${pairs}`, v.text],
    });
  }
}

const machine = {
  cores: os.cpus().length, cpu: cpuModel(fs), memory_gb: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`,
  chromium, load_before: loadBefore, load_after: loadavg(), load_per_round: loads,
  date: new Date().toISOString(), rounds, runs, smoke, priority, seconds,
};
const HEAD = ['platform', 'row', 'unit', `old: ${builds[0].desc}`, `new: ${builds[1].desc}`, 'new ÷ old cost', 'new as good, rounds', 'verdict'];
const judged = rows.filter((r) => r.no_slower_beyond_spread !== null);
const slower = rows.filter((r) => r.no_slower_beyond_spread === false);
const summary = errors.length && judged.length < rows.length
  ? `${rows.length - judged.length} of ${rows.length} rows could not be compared (see the errors)`
  : slower.length
    ? `SLOWER beyond the spread: ${slower.map((r) => `${r.platform} ${r.key}`).join(', ')} (${judged.length - slower.length} of ${judged.length} rows no slower)`
    : `rows 1-4 no slower beyond the spread (${judged.length} of ${judged.length})`;
const machineLine = `${machine.cores} cores, ${machine.cpu}, ${machine.memory_gb} GB, ${machine.os}; Chromium ${machine.chromium}`
  + `; load average before ${machine.load_before}, after ${machine.load_after}${priority ? '; measured at nice -10 (--priority)' : ''}`;
const legend = `Cells: median (min–max) over ${rounds} rounds of the round values; a round value is the median of one invocation's `
  + `${runs} samples (${3 * runs} for row 1) after its warm-up. Each round runs every row group for both builds back to back (old first in odd rounds, new first in even ones), natively then in Chromium. `
  + '"new ÷ old cost": > 1 means the new build is slower (times divided, rates inverted). "new as good, rounds": in how many rounds the '
  + 'new build did at least as well as the old one next to it. Verdict: "no slower beyond the spread" when the new median is within the '
  + 'old build\'s range of rounds (times: new median <= old max; rates: new median >= old min). With two identical builds a row reads '
  + `SLOWER by chance ${(100 * chanceSlower(rounds)).toFixed(1)}% of the time at ${rounds} rounds: rerun a SLOWER row with more --rounds before believing it.`;

console.log(`\nParlab bench, two builds side by side${smoke ? ' (SMOKE: tiny sizes, numbers meaningless)' : ''} — ${machineLine}\n`);
console.log(textTable(HEAD, rows.map((r) => r.cells)));
console.log(`\n${legend}\n\n${summary}`);
if (errors.length) console.log(`\nErrors:\n${errors.map((e) => `  ${e}`).join('\n')}`);

fs.mkdirSync(outDir, { recursive: true });
const base = path.join(outDir, `against-${name}`);
fs.writeFileSync(`${base}.json`, JSON.stringify({
  machine, old: builds[0].desc, new: builds[1].desc, summary, errors, sizes,
  rows: rows.map(({ cells: _, ...r }) => r),
}, null, 2));
fs.writeFileSync(`${base}.md`, [
  `## Parlab bench: ${builds[1].desc} against ${builds[0].desc}${smoke ? ' (smoke)' : ''}`,
  '',
  `Machine: ${machineLine}. Date: ${machine.date}; ${rounds} rounds in ${seconds.toFixed(0)} s; load at each round's start: ${loads.join('; ')}.`,
  '',
  mdTable(HEAD, rows.map((r) => r.cells), 3),
  '',
  legend,
  '',
  `**${summary}**`,
  ...(errors.length ? ['', 'Errors:', '', ...errors.map((e) => `- ${e}`)] : []),
  '',
  'Run it: `scripts/bench.sh --against REV [--rounds N]`.',
  '',
].join('\n'));
console.log(`\nwrote ${path.relative(process.cwd(), base)}.{json,md} (${seconds.toFixed(0)} s of measurements)`);
if (judged.length < rows.length) process.exit(1);
