// Sweeps at scale: peak memory against the number of combinations (it should stay flat: the grid
// is streamed, never materialised, and `results` keeps the best 10,000 rows), and two processes
// sweeping one experiment at once against one process alone (they split the chunks).
//
//   import { benchSweepScale } from './sweep-scale.mjs';
//   const rows = await benchSweepScale(tmpDir);
//
// Backtests run at a few thousand per second per core here, so by default the memory rows run up to
// 100,000 backtests, and a 10,000,000-combination grid is streamed through `where` (10,000 of them
// run). STRATLAB_BENCH_SWEEP_RUNS=10000000 runs every backtest up to that count (hours on 2 cores).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = JSON.stringify(path.join(ROOT, 'dist'));
const EURUSD = path.resolve(ROOT, '..', 'shared', 'data', 'EURUSD.csv');
/** The heap cap of the memory runs: the peak then shows what a sweep keeps, not how lazily the collector runs. */
const HEAP_MB = 256;

/** Peak memory (VmHWM, MB) and seconds of a fresh process running `body` (with `lib` defined). */
function measured(body) {
  const script = `
    const lib = require(${DIST});
    (async () => {
      const t0 = performance.now();
      const out = await (async () => { ${body} })();
      const hwm = require('fs').readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\\s+(\\d+) kB/);
      process.stdout.write(JSON.stringify({ mb: Number(hwm[1]) / 1024, s: (performance.now() - t0) / 1000, out }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const child = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`sweep-scale run failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

/**
 * A SmaCross grid of exactly n combinations, every one valid (fast 1..100 < slow 101..), on 60
 * daily bars: the backtests are as cheap as they get, so the sweep's own costs show.
 */
const gridCode = (n) => `{ fast: Array.from({ length: 100 }, (_, i) => i + 1), slow: Array.from({ length: ${n / 100} }, (_, i) => i + 101) }`;
const barsCode = `lib.syntheticBars({ n: 60, timeframe: '1d', seed: 1 })`;

function label(n) {
  return n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`;
}

/** Two sweeps of one tracked experiment, started together (or one alone); resolves with the wall time and each one's count. */
export async function concurrent(db, processes) {
  const code = `
    const lib = require(${DIST});
    (async () => {
      const bars = await lib.loadBars(${JSON.stringify(EURUSD)});
      const tracker = lib.openTracker(process.argv[1]);
      process.stdout.write('ready\\n');
      await new Promise((r) => process.stdin.once('data', r));
      const cpu0 = process.cpuUsage();
      const range = (a, b, s = 1) => Array.from({ length: Math.floor((b - a) / s) + 1 }, (_, i) => a + i * s);
      const sw = await lib.sweep(bars).strategy('SmaCross').grid({ fast: range(2, 201), slow: range(10, 400, 2) }).where((p) => p.fast < p.slow)
        .workers(1).track(tracker, 'bench_concurrent').progress('none').run();
      tracker.close();
      process.stdout.write(JSON.stringify({ ran: sw.ran, combinations: sw.combinations, ms: Math.round(sw.elapsedMs), cpuMs: Math.round((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000) }) + '\\n');
      process.exit(0);
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const kids = Array.from({ length: processes }, () => {
    // Each in its own session, as sweeps started from two terminals are: with the kernel's autogroup
    // scheduling, processes of one session share one session's CPU, which would hide the second core.
    const proc = spawn(process.execPath, ['-e', code, db], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    let out = '';
    let ready;
    const isReady = new Promise((r) => (ready = r));
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (out.startsWith('ready\n')) ready();
    });
    const done = new Promise((resolve, reject) => proc.on('close', (c) => (c === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`exit ${c}`)))));
    return { proc, isReady, done };
  });
  await Promise.all(kids.map((k) => k.isReady));
  const t0 = performance.now();
  for (const k of kids) k.proc.stdin.write('go\n');
  const results = await Promise.all(kids.map((k) => k.done));
  return { s: (performance.now() - t0) / 1000, results };
}

export async function benchSweepScale(tmp) {
  const rows = [];
  const maxRuns = Number(process.env.STRATLAB_BENCH_SWEEP_RUNS ?? 1e5);
  for (let n = 1e4; n <= Math.min(maxRuns, 1e7); n *= 10) {
    const r = measured(`
      const sw = await lib.sweep(${barsCode}).strategy('SmaCross').grid(${gridCode(n)}).maxCombinations(${n}).workers(2).progress('none').run();
      return { ran: sw.ran, kept: sw.results.length };`);
    rows.push({ name: `peak memory of a sweep running ${label(n)} backtests (SmaCross on 60 bars, 2 workers, heap capped at ${HEAP_MB} MB; results keeps ${r.out.kept.toLocaleString('en-US')}; ${r.s.toFixed(0)} s)`, value: r.mb, unit: 'MB' });
  }
  for (let n = 1e4; n <= 1e7; n *= 10) {
    const k = n / 1e4;
    const r = measured(`
      const sw = await lib.sweep(${barsCode}).strategy('SmaCross').grid(${gridCode(n)}).where((p) => (p.slow - 101) % ${k} === 0)
        .maxCombinations(${n}).workers(2).progress('none').run();
      return { ran: sw.ran };`);
    rows.push({ name: `peak memory of a sweep streaming a ${label(n)}-combination grid through \`where\` (${r.out.ran.toLocaleString('en-US')} run; heap capped at ${HEAP_MB} MB; ${r.s.toFixed(0)} s)`, value: r.mb, unit: 'MB' });
  }

  // Two processes vs one: SmaCross on 5,000 EURUSD hour bars, ~34,000 combinations, one worker each,
  // tracked; the better of two rounds each, interleaved.
  let alone, pair;
  for (let r = 0; r < 2; r++) {
    const a = await concurrent(path.join(tmp, `scale-alone-${r}.db`), 1);
    const p = await concurrent(path.join(tmp, `scale-pair-${r}.db`), 2);
    if (!alone || a.s < alone.s) alone = a;
    if (!pair || p.s < pair.s) pair = { ...p, db: path.join(tmp, `scale-pair-${r}.db`) };
  }
  const total = alone.results[0].combinations;
  const split = pair.results.map((r) => r.ran).join(' + ');
  const db = (await import('better-sqlite3')).default;
  const conn = new db(pair.db, { readonly: true });
  const stored = conn.prepare('SELECT count(*) AS n FROM experiments').get().n;
  conn.close();
  rows.push({
    name: `two processes sweeping one tracked experiment at once ÷ one alone: ${total.toLocaleString('en-US')} SmaCross combinations on 5,000 EURUSD hour bars, 1 worker each (${alone.s.toFixed(1)} s → ${pair.s.toFixed(1)} s; split ${split}; ${stored.toLocaleString('en-US')} rows stored)`,
    value: alone.s / pair.s, unit: '×', target: 1.2, higherIsBetter: true,
  });
  for (const f of fs.readdirSync(tmp)) if (f.startsWith('scale-')) fs.rmSync(path.join(tmp, f), { force: true });
  return rows;
}
