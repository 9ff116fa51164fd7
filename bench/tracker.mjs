// Benchmarks of lib/tracker: saveMany of 100,000 sweep records in one transaction, and
// getTopCandidates(10) over a 1,000,000-row database (built with saveMany, ~5 % of rows passed
// validation), plus the other queries a notebook or the LLM agent runs on a database that size.
// `benchTracker(lib, tmpDir)` returns rows { name, value, unit, target? }; lib needs openTracker
// (dist/index.js, or dist/tracker/index.js). Run alone: `node bench/tracker.mjs [path/to/tracker/index.js]`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { median, timeRuns } from './timing.mjs';

const SAVE_ROWS = 100_000;
const DB_ROWS = 1_000_000;
const BATCH = 100_000;

const STRATEGIES = {
  SmaCross: { fast: [5, 10, 20, 30], slow: [30, 50, 100, 200], longOnly: [true, false] },
  DonchianBreakout: { entryPeriod: [10, 20, 30, 55], exitPeriod: [5, 10, 20], stopLossAtr: [1.5, 2, 3], atrPeriod: [14, 20] },
  StochRSIMeanReversion: { rsiPeriod: [7, 14, 21], stochPeriod: [7, 14, 21], overbought: [70, 75, 80, 85], oversold: [15, 20, 25, 30], slAtr: [1.5, 2, 2.5, 3] },
  MACDBollinger: { macdFast: [8, 12, 16], macdSlow: [21, 26, 30], macdSignal: [7, 9, 12], bbPeriod: [15, 20, 25], bbStd: [1.5, 2, 2.5] },
};
const SYMBOLS = ['SPY', 'QQQ', 'IWM', 'XLE', 'XBI', 'EEM', 'GLD', 'TLT'];
const TIMEFRAMES = ['5m', '15m', '1h', '4h', '1d'];

// mulberry32: seeded, so every run builds the same database.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sweep-like records: grid parameters, plausible metrics, the seed's disqualification, 48 return blocks. */
function makeRecords(n, start, rand) {
  const names = Object.keys(STRATEGIES);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = start + i;
    const strategy = names[k % names.length];
    const grid = STRATEGIES[strategy];
    const params = {};
    for (const [key, values] of Object.entries(grid)) params[key] = values[Math.floor(rand() * values.length)];
    params.variant = k; // every record a distinct configuration, as in a real sweep
    const totalTrades = Math.floor(rand() * 200);
    const sharpe = (rand() - 0.55) * 2.5;
    const winRate = 0.3 + rand() * 0.4;
    const maxDrawdown = -rand() * 40;
    const profitFactor = totalTrades > 0 && rand() < 0.02 ? Infinity : 0.6 + rand() * 1.2;
    const metrics = {
      returnPct: sharpe * 12 + (rand() - 0.5) * 5, annualisedReturn: sharpe * 4, maxDrawdown, totalTrades,
      tradesPerYear: totalTrades / 5, winRate, profitFactor, sharpe,
    };
    const disqualified = [];
    if (totalTrades < 30) disqualified.push('minTrades');
    if (metrics.tradesPerYear < 6) disqualified.push('minTradesPerYear');
    if (-maxDrawdown > 25) disqualified.push('maxDrawdown');
    if (profitFactor < 1.1) disqualified.push('minProfitFactor');
    if (winRate < 0.35) disqualified.push('minWinRate');
    const blocks = new Float64Array(48);
    for (let b = 0; b < 16; b++) {
      blocks[b] = (rand() - 0.5) * 0.01;
      blocks[16 + b] = rand() * 1e-4;
      blocks[32 + b] = 500;
    }
    out[i] = {
      experimentId: `sweep_${String(1 + Math.floor(k / 250_000)).padStart(3, '0')}`,
      strategy, strategySource: 'existing', symbol: SYMBOLS[Math.floor(k / names.length) % SYMBOLS.length],
      timeframe: TIMEFRAMES[Math.floor(k / (names.length * SYMBOLS.length)) % TIMEFRAMES.length],
      // paramsHash left out: the tracker canonicalises and hashes every record's params either way
      // (to check a given hash, or to fill in a missing one), so the timing is the same.
      params, status: 'ok', metrics,
      score: totalTrades < 30 ? -999 : sharpe, disqualified, trainPeriod: '2020-01-01:2025-12-31',
      spread: 0.0003, executionDelay: 0, blocks,
    };
  }
  return out;
}



export async function benchTracker(lib, tmpDir) {
  const dir = fs.mkdtempSync(path.join(tmpDir, 'stratlab-bench-tracker-'));
  const rows = [];
  try {
    // 1. saveMany of 100,000 rows into a fresh file (records made beforehand: the sweep's side).
    const rand = rng(7);
    const records = makeRecords(SAVE_ROWS, 0, rand);
    const saveTimes = [];
    for (let r = 0; r < 3; r++) {
      const t = lib.openTracker(path.join(dir, `save-${r}.db`));
      const t0 = performance.now();
      const ids = t.saveMany(records);
      saveTimes.push(performance.now() - t0);
      if (ids.length !== SAVE_ROWS) throw new Error(`saved ${ids.length} rows`);
      t.close();
    }
    rows.push({ name: 'saveMany 100,000 sweep records (one transaction, 5 indexes, return blocks)', value: median(saveTimes), unit: 'ms', target: 2000 });

    // 2. A 1,000,000-row database built with saveMany, then ~5 % passed, ~2 % marginal, ~3 % rejected.
    const file = path.join(dir, 'million.db');
    const tracker = lib.openTracker(file);
    let buildMs = 0;
    for (let start = 0; start < DB_ROWS; start += BATCH) {
      const batch = makeRecords(BATCH, start, rand);
      const t0 = performance.now();
      tracker.saveMany(batch);
      buildMs += performance.now() - t0;
    }
    // Validation results land on a spread of rows (the validator's side; bulk SQL to keep set-up short).
    tracker.db.exec(`UPDATE experiments SET validation_status = CASE
        WHEN id % 100 < 5 THEN 'passed' WHEN id % 100 < 7 THEN 'marginal' WHEN id % 100 < 10 THEN 'rejected' ELSE 'pending' END,
      validation_details = CASE WHEN id % 100 BETWEEN 7 AND 9 THEN '{"rejectionReason":"negative_out_of_sample"}' END
      WHERE id % 100 < 10`);
    tracker.db.pragma('wal_checkpoint(TRUNCATE)');
    rows.push({ name: 'build the 1,000,000-row database with saveMany (10 × 100,000)', value: buildMs, unit: 'ms' });
    rows.push({ name: 'size of the 1,000,000-row database file', value: fs.statSync(file).size / 2 ** 20, unit: 'MB' });

    let top;
    const topMs = timeRuns(() => (top = tracker.getTopCandidates(10)), 21);
    if (top.length !== 10 || top.some((r) => r.validationStatus !== 'passed')) throw new Error('getTopCandidates returned the wrong rows');
    rows.push({ name: 'getTopCandidates(10) over 1,000,000 rows (~5 % passed)', value: topMs, unit: 'ms', target: 20 });
    rows.push({ name: "getTopCandidates(10, { validationStatus: 'any' })", value: timeRuns(() => tracker.getTopCandidates(10, { validationStatus: 'any' }), 21), unit: 'ms' });
    rows.push({
      name: "experiments().where({ strategy: 'DonchianBreakout', symbol: 'XLE' }).orderBy('sharpe').limit(10)",
      value: timeRuns(() => tracker.experiments().where({ strategy: 'DonchianBreakout', symbol: 'XLE' }).orderBy('sharpe').limit(10).all(), 11),
      unit: 'ms',
    });
    const slice = { strategy: 'SmaCross', symbol: 'SPY', timeframe: '5m' };
    const sliceRows = tracker.testedRecords(slice).size;
    rows.push({
      name: `testedRecords for one strategy/symbol/timeframe (sweep resumption: ${sliceRows.toLocaleString('en-US')} rows with blocks)`,
      value: timeRuns(() => tracker.testedRecords(slice), 7),
      unit: 'ms',
    });
    rows.push({ name: "sharpeStats('sweep_001') (250,000 rows)", value: timeRuns(() => tracker.sharpeStats('sweep_001'), 7), unit: 'ms' });
    rows.push({ name: 'getSummaryForLLM(20) over 1,000,000 rows', value: timeRuns(() => tracker.getSummaryForLLM(20), 3), unit: 'ms' });
    tracker.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const require = createRequire(import.meta.url);
  const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
  const trackerPath = path.resolve(process.argv[2] ?? path.join(dist, 'tracker', 'index.js'));
  const lib = require(trackerPath);
  for (const r of await benchTracker(lib, os.tmpdir())) {
    const v = r.value >= 100 ? r.value.toFixed(0) : r.value.toFixed(2);
    console.log(`${r.name.padEnd(100)} ${v.padStart(9)} ${r.unit}${r.target === undefined ? '' : `  (target ≤ ${r.target} ${r.unit})${r.value > r.target ? '  SLOW' : ''}`}`);
  }
}
