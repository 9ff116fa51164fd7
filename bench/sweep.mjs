// Sweep speed and memory: the SmaCross grid vectorbt advertises (fast 2..100 × slow 3..100, fast <
// slow: 4,851 combinations) on 3,000 daily bars; the seed's StochRSI grid (3,456 combinations) on
// 100,000 5-minute bars; the speed-up of 2 workers over 1; peak memory with 2 workers against 1.
// The pool stays warm between sweeps (as in a notebook's second call); a fresh process measures the
// first sweep with the workers' start.
//
//   import { benchSweep } from './sweep.mjs';
//   const rows = await benchSweep(require('../dist'));
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SMA_GRID = { fast: range(2, 100), slow: range(3, 100) };
// The seed's StochRSI sweep grid, parameter names as the seed writes them.
export const STOCH_GRID = {
  rsi_period: [7, 14, 21], stoch_period: [7, 14, 21], overbought: [70, 75, 80, 85], oversold: [15, 20, 25, 30],
  sl_atr: [1.5, 2.0, 2.5, 3.0], skip_adx_filter: [true, false], adx_threshold: [20, 25, 30],
};

function range(a, b) {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

async function timed(fn) {
  const t0 = performance.now();
  const out = await fn();
  return { ms: performance.now() - t0, out };
}

/** Peak memory (VmHWM) of a fresh process that runs `code` (with `lib` and `bars` defined). */
function peakMb(code) {
  const script = `
    const lib = require(${JSON.stringify(path.join(ROOT, 'dist'))});
    (async () => {
      ${code}
      const hwm = require('fs').readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\\s+(\\d+) kB/);
      process.stdout.write(String(Number(hwm[1]) / 1024));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`memory run failed: ${child.stderr}`);
  return Number(child.stdout);
}

/** What `code` (an async function body with `lib` defined) returns, run in a fresh process. */
function childMs(code) {
  const script = `
    const lib = require(${JSON.stringify(path.join(ROOT, 'dist'))});
    (async () => { ${code} })().then((ms) => process.stdout.write(String(ms))).catch((e) => { console.error(e); process.exit(1); });`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`timed run failed: ${child.stderr}`);
  return Number(child.stdout);
}

export async function benchSweep(lib) {
  const rows = [];
  const daily = lib.syntheticBars({ n: 3000, timeframe: '1d', seed: 11 });
  const smaSweep = (workers) => lib.sweep(daily).strategy('SmaCross').grid(SMA_GRID).where((p) => p.fast < p.slow).workers(workers).progress('none').run();
  await smaSweep(2); // warm-up: module loading and JIT, as in a notebook's second call
  const sma = [];
  for (let r = 0; r < 5; r++) sma.push((await timed(() => smaSweep(2))).ms);
  sma.sort((a, b) => a - b);
  const smaMs = sma[2];
  rows.push({ name: 'SmaCross grid fast 2..100 × slow 3..100, fast < slow (4,851 backtests) on 3,000 daily bars, 2 workers (warm pool: a notebook\'s next sweep)', value: smaMs / 1000, unit: 's', target: 0.25 });
  rows.push({ name: 'the same, in backtests per second', value: 4851 / (smaMs / 1000), unit: '/s' });
  const cold = [];
  for (let r = 0; r < 3; r++) {
    cold.push(childMs(`
      const bars = lib.syntheticBars({ n: 3000, timeframe: '1d', seed: 11 });
      const grid = { fast: Array.from({ length: 99 }, (_, i) => i + 2), slow: Array.from({ length: 98 }, (_, i) => i + 3) };
      const t0 = performance.now();
      await lib.sweep(bars).strategy('SmaCross').grid(grid).where((p) => p.fast < p.slow).workers(2).progress('none').run();
      return performance.now() - t0;`));
  }
  cold.sort((a, b) => a - b);
  rows.push({ name: 'the same as the first sweep of a fresh process (starting the 2 workers and loading the library in them included)', value: cold[1] / 1000, unit: 's' });

  // Speed-up: one run with 1 worker and one with 2, interleaved, on a workload long enough that the
  // pool's start-up does not decide it (4,851 backtests over 20,000 hourly bars).
  const hourly = lib.syntheticBars({ n: 20000, timeframe: '1h', seed: 5 });
  const heavy = (workers) => lib.sweep(hourly).strategy('SmaCross').grid(SMA_GRID).where((p) => p.fast < p.slow).workers(workers).progress('none').run();
  const one = [], two = [];
  for (let r = 0; r < 2; r++) {
    one.push((await timed(() => heavy(1))).ms);
    two.push((await timed(() => heavy(2))).ms);
  }
  const speedup = Math.min(...one) / Math.min(...two);
  rows.push({ name: `2 workers ÷ 1 worker: the SmaCross grid on 20,000 hourly bars (${(Math.min(...one) / 1000).toFixed(2)} s → ${(Math.min(...two) / 1000).toFixed(2)} s)`, value: speedup, unit: '×', target: 1.8, higherIsBetter: true });

  // The seed's StochRSI grid on 100,000 5-minute bars (US session hours).
  const fiveMin = lib.syntheticBars({ n: 100_000, timeframe: '5m', seed: 3, session: { open: '14:30', close: '21:00' } });
  const stoch = await timed(() => lib.sweep(fiveMin).strategy('StochRSIMeanReversion').grid(STOCH_GRID).workers(2).progress('none').run());
  rows.push({ name: `the seed's StochRSI grid (3,456 backtests) on 100,000 5-minute bars, 2 workers (${stoch.out.failed} failed)`, value: stoch.ms / 1000, unit: 's', target: 60 });

  // Memory: the same sweep in fresh processes with 1 and 2 workers (a 216-combination slice of the
  // StochRSI grid: peak memory is the data, the workers and their indicator memos, not the count).
  const memCode = (workers) => `
      const bars = lib.syntheticBars({ n: 100000, timeframe: '5m', seed: 3, session: { open: '14:30', close: '21:00' } });
      await lib.sweep(bars).strategy('StochRSIMeanReversion').grid({ rsi_period: [7, 14, 21], stoch_period: [7, 14, 21], overbought: [75, 80], oversold: [20, 25], sl_atr: [2, 3], skip_adx_filter: [true, false], adx_threshold: [25] })
        .workers(${workers}).progress('none').run();`;
  const mem1 = peakMb(memCode(1));
  const mem2 = peakMb(memCode(2));
  rows.push({ name: `peak memory, 2 workers ÷ 1 worker (StochRSI sweep on 100,000 bars: ${mem1.toFixed(0)} MB → ${mem2.toFixed(0)} MB)`, value: mem2 / mem1, unit: '×', target: 1.5 });
  return rows;
}
