// Engine speed and memory: event-driven SmaCross over 1,000,000 synthetic 1-minute bars (metrics
// included), the same crossovers as a bare loop over the same arrays, one GOOG run, and the peak
// memory of a 1,000,000-bar run measured in a fresh process.
//
//   import { benchEngine } from './engine.mjs';
//   const rows = await benchEngine(require('../dist'), '/path/to/GOOG.csv');   // [{ name, value, unit, target? }]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { timeRuns } from './timing.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BACKTESTING_PY_GOOG_MS = 81; // backtesting.py's time for the same GOOG run on this machine (from the issue)



/** Crossovers of two arrays with the same strict rule as crossover(): what the engine's loop decides. */
function bareCrossovers(fast, slow) {
  let position = 0, flips = 0;
  for (let i = 1; i < fast.length; i++) {
    if (fast[i - 1] < slow[i - 1] && fast[i] > slow[i]) {
      if (position !== 1) flips++;
      position = 1;
    } else if (slow[i - 1] < fast[i - 1] && slow[i] > fast[i]) {
      if (position !== -1) flips++;
      position = -1;
    }
  }
  return flips;
}

export async function benchEngine(lib, googPath) {
  const rows = [];
  const bars = lib.syntheticBars({ n: 1_000_000, timeframe: '1m', seed: 7 });
  // Fractional units, so every one of the ~39,000 round trips fills (in whole units the 3 bp spread
  // on a random walk ruins the account halfway and the later orders are rejected: less work, not more).
  const run = lib.engine(bars).strategy(lib.strategies.SmaCross, { fast: 10, slow: 30 }).fractional();
  let trades = 0;
  const engineMs = timeRuns(() => (trades = run.run().totalTrades), 7);
  const fast = lib.indicators.sma(bars.close, 10), slow = lib.indicators.sma(bars.close, 30);
  const bareMs = timeRuns(() => bareCrossovers(fast, slow), 15);
  const barsPerSec = 1_000_000 / (engineMs / 1000);
  rows.push({ name: `SmaCross(10, 30) event-driven, 1,000,000 1m bars, 3 bp spread, ${trades.toLocaleString('en-US')} trades, metrics included`, value: engineMs, unit: 'ms', target: 50 });
  rows.push({ name: 'the same, in bars per second', value: barsPerSec / 1e6, unit: 'M bars/s', target: 20, higherIsBetter: true });
  rows.push({ name: 'bare loop: the same crossovers over the same SMA arrays', value: bareMs, unit: 'ms' });
  rows.push({ name: `engine ÷ bare loop (the engine also computes both SMAs, fills, trades and every metric)`, value: engineMs / bareMs, unit: '×' });

  const goog = await lib.loadBars(googPath);
  const g = lib.engine(goog).strategy(lib.strategies.SmaCross, { fast: 10, slow: 30 }).spread(0).fill('next_open').size(0.9999);
  for (let k = 0; k < 200; k++) g.run();
  const googMs = timeRuns(() => g.run(), 1001);
  rows.push({ name: 'SmaCross(10, 30) on GOOG, 2,148 bars, metrics included', value: googMs, unit: 'ms', target: 0.27 });
  rows.push({ name: `speed-up over backtesting.py (≈ ${BACKTESTING_PY_GOOG_MS} ms for this run)`, value: BACKTESTING_PY_GOOG_MS / googMs, unit: '×', target: 300, higherIsBetter: true });

  // Peak memory in a fresh process, so nothing else this benchmark allocated counts.
  const script = `
    const lib = require(${JSON.stringify(path.join(ROOT, 'dist'))});
    const bars = lib.syntheticBars({ n: 1_000_000, timeframe: '1m', seed: 7 });
    const res = lib.engine(bars).strategy(lib.strategies.SmaCross, { fast: 10, slow: 30 }).fractional().run();
    if (!(res.totalTrades > 0)) throw new Error('no trades');
    // VmHWM is this process image's own high-water mark; getrusage's maxRSS would also count the
    // parent's memory at fork time, which Linux carries over.
    const hwm = require('fs').readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\\s+(\\d+) kB/);
    process.stdout.write(String(hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024));`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`memory run failed: ${child.stderr}`);
  rows.push({ name: 'peak memory (RSS) of a process that makes 1,000,000 bars and runs SmaCross on them', value: Number(child.stdout), unit: 'MB', target: 300 });
  return rows;
}
