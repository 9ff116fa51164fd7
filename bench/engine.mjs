// Engine speed and memory: event-driven SmaCross over 1,000,000 synthetic 1-minute bars (metrics
// included), the same crossovers as a bare loop over the same arrays, one GOOG run, and the peak
// memory of a 1,000,000-bar run measured in a fresh process.
//
//   import { benchEngine } from './engine.mjs';
//   const rows = await benchEngine(require('../dist'), '/path/to/GOOG.csv');   // [{ name, value, unit, target? }]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bestOfBlocks, timeRuns } from './timing.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BOKEH_STUB = path.resolve(ROOT, '..', 'shared', 'tools', 'bokeh-stub.sh');

/**
 * backtesting.py on the same GOOG run, timed in this benchmark run the same way as ours (built once,
 * run() timed, best of blocks). STRATLAB_BACKTESTING_PY names a checkout (the folder holding the
 * `backtesting` package; never vendored); Debian's pandas runs it, with a bokeh stub since it imports
 * bokeh. Without the checkout: null and the reason, and the ratio is reported as not measured.
 */
function timeBacktestingPy(googPath) {
  const checkout = process.env.STRATLAB_BACKTESTING_PY;
  if (!checkout) return { ms: null, why: 'not measured: set STRATLAB_BACKTESTING_PY to a backtesting.py checkout' };
  if (!fs.existsSync(path.join(checkout, 'backtesting', '__init__.py'))) {
    return { ms: null, why: `not measured: ${checkout} holds no backtesting/ package` };
  }
  const stub = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-bokeh-stub-'));
  try {
    const made = spawnSync('bash', [BOKEH_STUB, stub], { encoding: 'utf8' });
    if (made.status !== 0) return { ms: null, why: `not measured: the bokeh stub failed (${made.stderr.trim()})` };
    const r = spawnSync('/usr/bin/python3', [path.join(ROOT, 'bench', 'backtesting_py.py'), googPath, '7', '5'], {
      encoding: 'utf8', env: { ...process.env, PYTHONPATH: `${stub}:${checkout}` },
    });
    if (r.status !== 0) return { ms: null, why: `not measured: backtesting.py failed (${r.stderr.trim().split('\n').pop()})` };
    const out = JSON.parse(r.stdout);
    if (out.trades !== 66 || Math.abs(out.finalEquity - 51422.99) > 0.01) {
      return { ms: null, why: `not measured: backtesting.py made a different run (${out.trades} trades, ${out.finalEquity})` };
    }
    const commit = spawnSync('git', ['-C', checkout, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
    const version = commit.status === 0 ? `commit ${commit.stdout.trim()}` : out.version === '?.?.?' ? `checkout ${path.basename(checkout)}` : out.version;
    return { ms: out.ms, version, pandas: out.pandas };
  } finally {
    fs.rmSync(stub, { recursive: true, force: true });
  }
}

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
  rows.push({ name: `SmaCross(10, 30) event-driven, 1,000,000 1m bars, 3 bp spread, ${trades.toLocaleString('en-US')} trades, metrics included`, value: engineMs, unit: 'ms', target: 25 });
  rows.push({ name: 'the same, in bars per second', value: barsPerSec / 1e6, unit: 'M bars/s', target: 40, higherIsBetter: true });
  rows.push({ name: 'bare loop: the same crossovers over the same SMA arrays', value: bareMs, unit: 'ms' });
  rows.push({ name: `engine ÷ bare loop (the engine also computes both SMAs, fills, trades and every metric)`, value: engineMs / bareMs, unit: '×', target: 6 });

  // The peer run, timed as backtesting.py is timed below: built once, run() timed, best of blocks.
  const goog = await lib.loadBars(googPath);
  const g = lib.engine(goog).strategy(lib.strategies.SmaCross, { fast: 10, slow: 30 }).spread(0).fill('next_open').size(0.9999);
  for (let k = 0; k < 200; k++) g.run();
  const googMs = bestOfBlocks(() => g.run(), 21, 100);
  rows.push({ name: 'SmaCross(10, 30) on GOOG, 2,148 bars, metrics included (best of 21 blocks of 100 runs)', value: googMs, unit: 'ms', target: 0.27 });
  const peer = timeBacktestingPy(googPath);
  if (peer.ms === null) {
    rows.push({ name: `speed-up over backtesting.py on the same run: ${peer.why}`, value: NaN, unit: '×' });
  } else {
    rows.push({ name: `backtesting.py on the same run, this machine, this run (${peer.version}, pandas ${peer.pandas}; best of 7 blocks of 5 runs)`, value: peer.ms, unit: 'ms' });
    rows.push({ name: 'speed-up over backtesting.py, measured like for like in this run', value: peer.ms / googMs, unit: '×', target: 600, higherIsBetter: true });
  }

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
