import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { loadBars, resample } from '../lib/data';
import { engine, type BacktestResult, type Trade } from '../lib/engine';
import { latestRun, openRun, runFromBacktest, runFromSweep, strategyHash, TraceAnalysis, writeRun, type Run } from '../lib/runs';
import { SmaCross } from '../lib/strategies/sma-cross';
import { sweep, type SweepResult } from '../lib/sweep';
import { captureRun } from '../lib/sweep/capture';
import { GOOG, ROOT } from './helpers/paths';

const GRID = { fast: [5, 10, 20], slow: [30, 50, 100] };
let goog: Bars;
let tmp: string;
let sw: SweepResult;
let runDir: string;
let run: Run;

beforeAll(async () => {
  goog = await loadBars(GOOG);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-runs-'));
  sw = await sweep(goog).strategy(SmaCross).grid(GRID).workers(2).progress('none').capture({ traces: true, trades: true, equity: 3 }).run();
  runDir = (await runFromSweep(sw, { runsDir: tmp, configName: 'sma-goog', data: [goog], paths: [GOOG] })).dir;
  run = await openRun(runDir);
}, 60_000);

afterAll(() => {
  run?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function direct(params: Record<string, unknown>, bars = goog): BacktestResult {
  return engine(bars).strategy(SmaCross, params).run();
}

/**
 * The position sign after each bar, worked out the slow way from the trade objects (a forced close
 * at the end of the data is not a signal), and where it changes.
 */
function expectedChanges(res: BacktestResult, bars: Bars): { ts: string; val: number; price: number }[] {
  const n = bars.time.length;
  const out: { ts: string; val: number; price: number }[] = [];
  let prev = 0;
  for (let i = 0; i < n; i++) {
    let pos = 0;
    for (const t of res.trades) if (t.entryBar <= i && (i < t.exitBar || t.exitReason === 'end')) pos += t.side === 'long' ? 1 : -1;
    const sign = Math.sign(pos);
    if (sign !== prev) out.push({ ts: new Date(bars.time[i]).toISOString(), val: sign, price: bars.close[i] });
    prev = sign;
  }
  return out;
}

function tradeRow(t: Trade) {
  return {
    side: t.side, units: t.units, entry_ts: new Date(t.entryTime).toISOString(), exit_ts: new Date(t.exitTime).toISOString(),
    entry_price: t.entryPrice, exit_price: t.exitPrice, pnl: t.pnl, return_pct: t.returnPct, commission: t.commission, bars_held: t.barsHeld, exit_reason: t.exitReason,
  };
}

describe('sweep capture', () => {
  it('is off by default: rows carry no captures and the result no bars', async () => {
    const plain = await sweep(goog).strategy(SmaCross).grid({ fast: [10], slow: [30] }).workers(0).progress('none').run();
    expect(plain.results[0].capture).toBeUndefined();
    expect(plain.captured).toBeUndefined();
  });

  it('captures the same signal changes and trades on workers as in the calling thread', async () => {
    const inThread = await sweep(goog).strategy(SmaCross).grid(GRID).workers(0).progress('none').capture({ traces: true, trades: true }).run();
    for (const r of sw.results) {
      const same = inThread.results.find((x) => x.paramsHash === r.paramsHash)!;
      expect(Array.from(same.capture!.traces!.bar)).toEqual(Array.from(r.capture!.traces!.bar));
      expect(Array.from(same.capture!.traces!.val)).toEqual(Array.from(r.capture!.traces!.val));
      expect(Array.from(same.capture!.trades!.pnl)).toEqual(Array.from(r.capture!.trades!.pnl));
    }
  });

  it('keeps equity for the best N only, equal to a direct backtest', () => {
    const withEquity = sw.results.filter((r) => r.capture?.equity);
    expect(withEquity.map((r) => r.paramsHash)).toEqual(sw.top(3).map((r) => r.paramsHash));
    expect(Array.from(withEquity[0].capture!.equity!)).toEqual(Array.from(direct(withEquity[0].params).equity));
  });

  it('gives a backtest the same captures from its trade log', () => {
    const res = direct({ fast: 10, slow: 30 });
    const row = sw.results.find((r) => r.params.fast === 10 && r.params.slow === 30)!;
    const c = captureRun(res.tradeLog);
    expect(Array.from(c.traces!.bar)).toEqual(Array.from(row.capture!.traces!.bar));
    expect(c.trades!.length).toBe(res.totalTrades);
  });
});

describe('writeRun / openRun', () => {
  it('writes run.json with the config, data fingerprints, version and times', () => {
    const m = run.manifest;
    expect(m.runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(path.basename(runDir)).toBe(m.runId);
    expect(path.dirname(runDir)).toBe(path.join(tmp, 'sma-goog'));
    expect(m).toMatchObject({ configName: 'sma-goog', kind: 'sweep', strategy: { name: 'SmaCross', type: 'momentum' }, strategyCount: 9 });
    expect(m.stratlabVersion).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    expect(m.data).toEqual([{ symbol: 'GOOG', timeframe: '1d', path: GOOG, rows: 2148, first: '2004-08-19T00:00:00.000Z', last: '2013-03-01T00:00:00.000Z', sha256: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
    expect(Date.parse(m.startedAt)).toBeLessThanOrEqual(Date.parse(m.finishedAt));
    expect(m.settings).toMatchObject({ cash: 10_000, spread: 0.0003, fill: 'close' });
    expect(m.files).toEqual({ strategyIndex: 'strategy_index.parquet', traces: ['traces/GOOG_1d.parquet'], trades: 'trades.parquet', equity: 'equity.parquet' });
    for (const f of ['run.json', 'strategy_index.parquet', 'traces/GOOG_1d.parquet', 'trades.parquet', 'equity.parquet']) expect(fs.existsSync(path.join(runDir, f))).toBe(true);
  });

  it('fingerprints the bars, not the object: the same data loaded twice has the same sha256', async () => {
    const again = await loadBars(GOOG);
    const b = await runFromBacktest(direct({ fast: 10, slow: 30 }, again), { runsDir: tmp, configName: 'fp' });
    expect(b.manifest.data[0].sha256).toBe(run.manifest.data[0].sha256);
  });

  it("keeps the sweep's ranking, parameters and metrics in strategy_index", async () => {
    const idx = await run.strategyIndex();
    expect(idx).toHaveLength(9);
    sw.results.forEach((r, k) => {
      const row = idx[k];
      expect(row.strategy_hash).toBe(strategyHash('SmaCross', r.params, 'GOOG', '1d'));
      expect(JSON.parse(row.parameters as string)).toEqual(r.params);
      expect(row).toMatchObject({ strategy: 'SmaCross', strategy_type: 'momentum', symbol: 'GOOG', timeframe: '1d', status: 'ok', score: r.score, disqualified: r.disqualified.join(',') });
      expect(row.return_pct).toBe(r.metrics.returnPct);
      expect(row.sharpe).toBe(r.metrics.sharpe);
      expect(row.max_drawdown).toBe(r.metrics.maxDrawdown);
      expect(row.total_trades).toBe(r.metrics.totalTrades);
      expect(row.final_equity).toBe(r.metrics.finalEquity);
    });
  });

  it('stores as traces exactly the signal changes of a direct backtest, at the bar close', async () => {
    for (const params of [{ fast: 10, slow: 30 }, { fast: 20, slow: 100 }]) {
      const res = direct(params);
      const rows = await run.traces(strategyHash('SmaCross', { ...params, longOnly: false }, 'GOOG', '1d'));
      expect(rows.length).toBeGreaterThan(10);
      expect(rows.map(({ ts, val, price }) => ({ ts, val, price }))).toEqual(expectedChanges(res, goog));
      expect(JSON.parse(rows[0].metadata as string)).toEqual({ parameters: { ...params, longOnly: false } });
    }
  });

  it('stores every trade of every strategy, equal to res.trades', async () => {
    for (const r of sw.results) {
      const rows = await run.trades(strategyHash('SmaCross', r.params, 'GOOG', '1d'));
      expect(rows.map(({ strategy_hash: _h, ...t }) => t)).toEqual(direct(r.params).trades.map(tradeRow));
    }
  });

  it('stores the equity curves of the best 3 only, equal to res.equity', async () => {
    const counts = await run.query('SELECT strategy_hash, count(*) AS n FROM equity GROUP BY 1');
    expect(counts).toHaveLength(3);
    for (const r of sw.top(3)) {
      const rows = await run.equity(strategyHash('SmaCross', r.params, 'GOOG', '1d'));
      const res = direct(r.params);
      expect(rows.map((e) => e.equity)).toEqual(Array.from(res.equity));
      expect(rows[0].ts).toBe(new Date(goog.time[0]).toISOString());
    }
  });

  it('accepts a unique hash prefix and refuses an unknown hash in one line', async () => {
    const full = (await run.strategyIndex())[0].strategy_hash as string;
    expect((await run.trades(full.slice(0, 8))).length).toBeGreaterThan(0);
    await expect(run.trades('ffffffffffffffff')).rejects.toThrow(/strategy ffffffffffffffff: not in run \d{8}-/);
    await expect(run.trades('zz')).rejects.toThrow(/expected a strategy hash/);
  });

  it('writes a single backtest with its trades, equity and traces (runFromBacktest)', async () => {
    const res = direct({ fast: 10, slow: 30 });
    const w = await runFromBacktest(res, { runsDir: tmp, configName: 'one', data: [goog], paths: [GOOG] });
    const r = await openRun(w.dir);
    try {
      expect(r.manifest.kind).toBe('backtest');
      const [row] = await r.strategyIndex();
      expect(row.sharpe).toBe(res.sharpe);
      expect((await r.trades(row.strategy_hash as string)).map(({ strategy_hash: _h, ...t }) => t)).toEqual(res.trades.map(tradeRow));
      expect((await r.equity(row.strategy_hash as string)).map((e) => e.equity)).toEqual(Array.from(res.equity));
      expect((await r.traces(row.strategy_hash as string)).map(({ ts, val, price }) => ({ ts, val, price }))).toEqual(expectedChanges(res, goog));
    } finally {
      r.close();
    }
  });

  it('writes one traces file per symbol and timeframe, bar times from the resampled bars', async () => {
    const s2 = await sweep(goog).strategy(SmaCross).grid({ fast: [5], slow: [20] }).timeframes(['1d', '1w']).workers(0).progress('none').capture({ traces: true }).run();
    const w = await runFromSweep(s2, { runsDir: tmp, configName: 'tf' });
    const r = await openRun(w.dir);
    try {
      expect(r.manifest.files.traces).toEqual(['traces/GOOG_1d.parquet', 'traces/GOOG_1w.parquet']);
      expect(r.manifest.files.trades).toBeNull();
      expect(await r.query('SELECT count(*) AS n FROM trades')).toEqual([{ n: 0 }]);
      const weekly = resample(goog, '1w');
      const rows = await r.traces(strategyHash('SmaCross', { fast: 5, slow: 20, longOnly: false }, 'GOOG', '1w'));
      expect(rows.map(({ ts, val, price }) => ({ ts, val, price }))).toEqual(expectedChanges(direct({ fast: 5, slow: 20 }, weekly), weekly));
    } finally {
      r.close();
    }
  });

  it('leaves no run and no temp folder when the write fails midway', async () => {
    const parent = path.join(tmp, 'broken');
    const ok = sw.results[0];
    const bad = { ...sw.results[1], capture: { traces: { bar: Int32Array.of(0, 99_999), val: Int8Array.of(1, 0) } } };
    await expect(writeRun({
      runsDir: tmp, configName: 'broken', kind: 'sweep', strategy: 'SmaCross', data: [goog],
      results: [{ ...ok, capture: ok.capture }, bad].map((r) => ({ symbol: r.symbol, timeframe: r.timeframe, params: r.params, metrics: r.metrics as never, capture: r.capture })),
    })).rejects.toThrow(/trace bar 99999 is outside the 2148 bars/);
    expect(fs.readdirSync(parent)).toEqual([]);
    expect(latestRun(tmp, 'broken')).toBeNull();
  });

  it('never takes an unfinished folder for a run, and clears those of dead writers', async () => {
    const parent = path.join(tmp, 'stale');
    fs.mkdirSync(path.join(parent, '20990101-000000-abcdef.tmp-999999'), { recursive: true });
    expect(latestRun(tmp, 'stale')).toBeNull();
    await expect(openRun(path.join(parent, '20990101-000000-abcdef.tmp-999999'))).rejects.toThrow(/an unfinished run/);
    const w = await runFromBacktest(direct({ fast: 10, slow: 30 }), { runsDir: tmp, configName: 'stale' });
    expect(fs.readdirSync(parent)).toEqual([w.runId]);
    expect(latestRun(tmp, 'stale')).toBe(w.dir);
  });

  it('finds the latest run of a config or of all', async () => {
    const a = await runFromBacktest(direct({ fast: 10, slow: 30 }), { runsDir: tmp, configName: 'latest', startedAt: new Date('2030-01-01T00:00:00Z') });
    const b = await runFromBacktest(direct({ fast: 10, slow: 30 }), { runsDir: tmp, configName: 'latest', startedAt: new Date('2031-01-01T00:00:00Z') });
    expect(a.runId.startsWith('20300101-000000-')).toBe(true);
    expect(latestRun(tmp, 'latest')).toBe(b.dir);
    expect(latestRun(tmp)).toBe(b.dir);
    expect(latestRun(path.join(tmp, 'none'))).toBeNull();
  });
});

describe('openRun errors', () => {
  const copy = (name: string) => {
    const d = path.join(tmp, 'damaged', name);
    fs.cpSync(runDir, d, { recursive: true });
    return d;
  };

  it('names the missing directory, the missing run.json and the bad JSON', async () => {
    await expect(openRun(path.join(tmp, 'nope'))).rejects.toThrow(/nope: no such run directory/);
    const d = copy('no-manifest');
    fs.rmSync(path.join(d, 'run.json'));
    await expect(openRun(d)).rejects.toThrow(/run\.json: missing; .* is not a finished run directory/);
    const j = copy('bad-json');
    fs.writeFileSync(path.join(j, 'run.json'), '{"runId": ');
    await expect(openRun(j)).rejects.toThrow(/run\.json: not valid JSON/);
  });

  it('names the field of run.json that is wrong, and a listed file that is missing', async () => {
    const d = copy('bad-field');
    const m = JSON.parse(fs.readFileSync(path.join(d, 'run.json'), 'utf8'));
    fs.writeFileSync(path.join(d, 'run.json'), JSON.stringify({ ...m, files: { ...m.files, traces: 'x' } }));
    await expect(openRun(d)).rejects.toThrow(/run\.json: files\.traces: expected a list of paths/);
    fs.writeFileSync(path.join(d, 'run.json'), JSON.stringify({ ...m, strategy: { name: 'X', type: 'astrology' } }));
    await expect(openRun(d)).rejects.toThrow(/run\.json: strategy\.type: expected one of bollinger_bands/);
    const e = copy('missing-file');
    fs.rmSync(path.join(e, 'trades.parquet'));
    await expect(openRun(e)).rejects.toThrow(/trades\.parquet: listed in run\.json \(files\.trades\) but missing/);
  });
});

describe('read-only SQL sandbox', () => {
  it('refuses to write, to read outside the run, to attach or to change settings', async () => {
    const before = fs.readFileSync(path.join(runDir, 'trades.parquet'));
    const target = path.join(runDir, 'trades.parquet');
    const outside = path.join(tmp, 'leak.csv');
    for (const sql of [
      `COPY (SELECT 1 AS x) TO '${outside}'`,
      `COPY (SELECT 1 AS x) TO '${target}' (FORMAT parquet, USE_TMP_FILE false)`,
      "SELECT * FROM read_csv('/etc/passwd')",
      "SELECT * FROM read_text('/etc/hostname')",
      `ATTACH '${path.join(tmp, 'x.db')}' AS x`,
      'CREATE TABLE t AS SELECT 1',
      'SET enable_external_access = true',
      "INSTALL httpfs",
    ]) {
      await expect(run.query(sql), sql).rejects.toThrow();
    }
    await expect(run.query(`SELECT * FROM read_parquet('${path.join(tmp, 'fp')}/*/*/strategy_index.parquet')`)).rejects.toThrow(/Permission|disabled/);
    expect(fs.existsSync(outside)).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'x.db'))).toBe(false);
    expect(fs.readFileSync(target).equals(before)).toBe(true);
    await expect(run.query(`COPY (SELECT 1 AS x) TO '${target}' (FORMAT parquet, USE_TMP_FILE false)`)).rejects.toThrow(/query refused: COPY is not allowed/);
  });

  it('still answers queries after a refused one', async () => {
    expect(await run.query('SELECT count(*) AS n FROM strategy_index')).toEqual([{ n: 9 }]);
  });
});

describe('TraceAnalysis', () => {
  it('groups trace rows with SQL, numbers as numbers and timestamps as ISO text', async () => {
    const ta = await TraceAnalysis.open(runDir);
    try {
      const rows = await ta.query(`
        SELECT s.parameters, count(*) AS signals, sum(CASE WHEN t.val = 1 THEN 1 ELSE 0 END) AS longs, min(t.ts) AS first
        FROM traces t JOIN strategy_index s USING (strategy_hash) GROUP BY 1 ORDER BY signals DESC`);
      expect(rows).toHaveLength(9);
      expect(typeof rows[0].signals).toBe('number');
      expect(typeof rows[0].longs).toBe('number');
      expect(rows[0].first).toMatch(/^\d{4}-\d\d-\d\dT/);
      const total = rows.reduce((s, r) => s + (r.signals as number), 0);
      expect(total).toBe(sw.results.reduce((s, r) => s + r.capture!.traces!.bar.length, 0));
    } finally {
      await ta.close();
    }
  });

  it('fails at construction on a directory that is not a run', () => {
    expect(() => new TraceAnalysis(path.join(tmp, 'nope'))).toThrow(/no such run directory/);
  });
});
