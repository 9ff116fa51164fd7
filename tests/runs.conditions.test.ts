/**
 * External market conditions in trace metadata: named series (a VIX, here a causal realised-volatility
 * index built from GOOG itself) joined to every trace row as of its time — the last value at or before
 * it, never a later one — so the seed's "entries during high VIX" can be a saved pattern.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../lib/cli/main';
import type { Bars } from '../lib/core/bars';
import { loadBars } from '../lib/data';
import { engine, type BacktestResult } from '../lib/engine';
import { PatternLibrary, savePattern } from '../lib/patterns';
import { openRun, runFromBacktest, runFromSweep, type RunManifest } from '../lib/runs';
import { SmaCross } from '../lib/strategies/sma-cross';
import { sweep } from '../lib/sweep';
import { CLI, GOOG } from './helpers/paths';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-conditions-'));
const DAY = 86_400_000;
const GRID = { fast: [5, 10, 20], slow: [30, 50] };
const HIGH_VIX = `SELECT strategy_hash, ts FROM traces
  WHERE val <> 0 AND CAST(json_extract(metadata, '$.conditions.VIX') AS DOUBLE) > 30`;

let goog: Bars;
let single: BacktestResult;
let vix: { time: number[]; value: number[] };
let vixCsv: string;

/** A trace row, its time as epoch ms. */
interface TraceRow { strategy_hash: string; ts: number; val: number; price: number; metadata: string }

/** The slow way: the last value whose time is at or before t (null when none is). */
function asOfByScan(series: { time: number[]; value: number[] }, t: number): number | null {
  let v: number | null = null;
  for (let i = 0; i < series.time.length && series.time[i] <= t; i++) v = series.value[i];
  return v;
}

/** 20-day realised volatility of GOOG's daily log returns, annualised, ×100: known at each close, so causal. */
function realisedVolIndex(b: Bars): { time: number[]; value: number[] } {
  const time: number[] = [], value: number[] = [];
  for (let i = 20; i < b.close.length; i++) {
    const r: number[] = [];
    for (let k = i - 19; k <= i; k++) r.push(Math.log(b.close[k] / b.close[k - 1]));
    const mean = r.reduce((a, x) => a + x, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / (r.length - 1));
    time.push(b.time[i]);
    value.push(sd * Math.sqrt(252) * 100);
  }
  return { time, value };
}

async function traces(dir: string): Promise<TraceRow[]> {
  const run = await openRun(dir);
  try {
    const rows = await run.query('SELECT strategy_hash, epoch_ms(ts) AS ts, val, price, metadata FROM traces ORDER BY strategy_hash, ts');
    return rows.map((r) => ({ ...r, ts: Number(r.ts), val: Number(r.val) })) as unknown as TraceRow[];
  } finally {
    run.close();
  }
}

const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunManifest;

beforeAll(async () => {
  goog = await loadBars(GOOG);
  single = engine(goog).strategy(SmaCross, { fast: 10, slow: 30 }).run();
  vix = realisedVolIndex(goog);
  vixCsv = path.join(TMP, 'VIX.csv');
  fs.writeFileSync(vixCsv, 'time,value\n' + vix.time.map((t, i) => `${new Date(t).toISOString().slice(0, 10)},${vix.value[i]}`).join('\n') + '\n');
}, 60_000);

afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

describe('the as-of join', () => {
  it('gives each trace row the value at its own time, the one before when between, never a later one, and null before the series', async () => {
    const plain = await traces((await runFromBacktest(single, { runsDir: TMP, configName: 'plain' })).dir);
    const ts = plain.map((r) => r.ts);
    expect(ts.length).toBeGreaterThan(20);
    const [a, b, c] = [5, 10, 15];
    const series = {
      time: [ts[a], ts[b] - 1, ts[b] + 1, (ts[c - 1] + ts[c]) / 2],
      value: [10, 20, 30, 40],
    };
    const dir = (await runFromBacktest(single, { runsDir: TMP, configName: 'asof', conditions: { X: series } })).dir;
    const rows = await traces(dir);
    expect(rows.map((r) => r.ts)).toEqual(ts);
    const x = rows.map((r) => JSON.parse(r.metadata).conditions.X as number | null);
    expect(x.slice(0, a)).toEqual(Array(a).fill(null)); // before the series starts
    expect(x[a]).toBe(10); // a value stamped exactly at the bar belongs to it
    expect(x[b - 1]).toBe(10);
    expect(x[b]).toBe(20); // the value 1 ms after the bar is not seen by it
    expect(x[b + 1]).toBe(30);
    expect(x[c - 1]).toBe(30);
    expect(x[c]).toBe(40); // stamped between two trace bars: the later one gets it
    expect(x.slice(c)).toEqual(Array(ts.length - c).fill(40));
    // The parameters stay where they were.
    expect(JSON.parse(rows[0].metadata).parameters).toEqual(JSON.parse(plain[0].metadata).parameters);
  });

  it('takes a bars series\' close, exactly: GOOG as its own condition equals every trace row\'s price', async () => {
    const dir = (await runFromBacktest(single, { runsDir: TMP, configName: 'self', conditions: { GOOG: goog } })).dir;
    const rows = await traces(dir);
    for (const r of rows) expect(JSON.parse(r.metadata).conditions.GOOG).toBe(r.price);
    expect(manifestOf(dir).conditions).toEqual({ GOOG: { path: GOOG, rows: goog.time.length, first: '2004-08-19T00:00:00.000Z', last: new Date(goog.time[goog.time.length - 1]).toISOString() } });
  });

  it('refuses a series out of time order or with a missing value, naming the row, and writes nothing', async () => {
    const runsDir = path.join(TMP, 'refused');
    await expect(runFromBacktest(single, { runsDir, configName: 'bad', conditions: { VIX: { time: [ts0(2), ts0(1)], value: [1, 2] } } }))
      .rejects.toThrow(/writeRun: conditions\.VIX: row 2: time .* is not after the row before/);
    await expect(runFromBacktest(single, { runsDir, configName: 'bad', conditions: { VIX: { time: [ts0(1), ts0(2)], value: [1, NaN] } } }))
      .rejects.toThrow(/conditions\.VIX: row 2: value NaN is not a finite number/);
    await expect(runFromBacktest(single, { runsDir, configName: 'bad', conditions: { 'V IX': goog } })).rejects.toThrow(/name "V IX"/);
    expect(fs.existsSync(path.join(runsDir, 'bad')) ? fs.readdirSync(path.join(runsDir, 'bad')) : []).toEqual([]);
  });
});

const ts0 = (days: number) => Date.UTC(2010, 0, 1) + days * DAY;

describe('entries during high VIX, end to end', () => {
  let dir: string;
  beforeAll(async () => {
    const sw = await sweep(goog).strategy(SmaCross).grid(GRID).workers(0).progress('none').capture({ traces: true, conditions: { VIX: vix } }).run();
    dir = (await runFromSweep(sw, { runsDir: TMP, configName: 'vix', paths: [GOOG] })).dir;
  }, 120_000);

  it('stores every trace row\'s VIX as of its time, and run.json\'s integrity records still verify', async () => {
    const rows = await traces(dir);
    expect(rows.length).toBeGreaterThan(100);
    for (const r of rows) {
      const m = JSON.parse(r.metadata);
      expect(Object.keys(m)).toEqual(['parameters', 'conditions']);
      expect(m.conditions.VIX).toBe(asOfByScan(vix, r.ts));
    }
    const m = manifestOf(dir);
    expect(m.integrity![m.files.traces[0]].rows).toBe(rows.length);
    expect(m.conditions!.VIX.rows).toBe(vix.time.length);
    await expect(openRun(dir).then((r) => r.close())).resolves.toBeUndefined(); // opening checks rows and SHA-256
  });

  it('saves the seed\'s pattern as SQL over the metadata and measures it on the run, as worked out by hand', async () => {
    const library = path.join(TMP, 'patterns', 'patterns.yaml');
    const res = await savePattern(dir, {
      name: 'entries during high VIX', query: HIGH_VIX, description: 'Entries while the volatility index is above 30',
      metadata: { patternType: 'market_condition' },
    }, { library, horizon: 5 });

    // By hand: entries whose VIX as of their bar is above 30, then the close 5 bars on, in their direction.
    const rows = (await traces(dir)).filter((r) => r.val !== 0 && (asOfByScan(vix, r.ts) ?? -Infinity) > 30);
    const barOf = new Map(Array.from(goog.time, (t, i) => [t, i]));
    let measured = 0, favourable = 0, pastEnd = 0;
    for (const r of rows) {
      const i = barOf.get(r.ts)!;
      if (i + 5 >= goog.close.length) { pastEnd++; continue; }
      measured++;
      if ((goog.close[i + 5] / goog.close[i] - 1) * r.val > 0) favourable++;
    }
    expect(measured).toBeGreaterThan(30);
    const entries = (await traces(dir)).filter((r) => r.val !== 0).length;
    expect(measured).toBeLessThan(entries); // the condition selects, it does not pass everything
    expect(res.measured.measurement!.matched).toBe(rows.length);
    expect(res.measured.sampleSize).toBe(measured);
    expect(res.measured.successRate).toBe(favourable / measured);

    const lib = new PatternLibrary(library);
    const saved = lib.get('entries during high VIX')!;
    expect(saved.query).toContain("json_extract(metadata, '$.conditions.VIX')");
    expect(saved.sampleSize).toBe(measured);
    expect(saved.successRate).toBe(favourable / measured);
  });
});

describe('stratlab run with a config\'s conditions', () => {
  async function cli(args: string[]) {
    let out = '', err = '';
    const code = await runCli(args, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') });
    return { code, out, err };
  }
  const config = (name: string, conditions: string) => {
    const file = path.join(TMP, 'configs', `${name}.yaml`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `data:\n  GOOG: ${GOOG}\nconditions:\n${conditions}\nstrategy: SmaCross\ngrid: { fast: [10], slow: [30, 50] }\nworkers: 0\n`);
    return file;
  };

  it('loads a two-column CSV and a bars file (its close) as conditions, named by the config', async () => {
    const file = config('with-vix', `  VIX: ${vixCsv}\n  SELF: ${GOOG}`);
    const r = await cli(['run', '--config', file, '--runs', path.join(TMP, 'cli-runs'), '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const { runDir } = JSON.parse(r.out);
    const rows = await traces(runDir);
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) {
      const m = JSON.parse(row.metadata).conditions;
      // The CSV holds days (midnight UTC), as GOOG's bars: the same as-of values as the arrays gave.
      expect(m.VIX).toBe(asOfByScan(vix, row.ts));
      expect(m.SELF).toBe(row.price);
    }
    expect(Object.keys(manifestOf(runDir).conditions!)).toEqual(['VIX', 'SELF']);
  });

  it('takes --condition NAME=FILE over the config\'s condition of that name, and refuses a malformed flag with exit 2', async () => {
    const file = config('flag', `  VIX: ${vixCsv}`);
    const r = await cli(['run', '--config', file, '--runs', path.join(TMP, 'cli-flag'), '--condition', `VIX=${GOOG}`, '--condition', `RV=${vixCsv}`, '--json']);
    expect(r.code).toBe(0);
    const rows = await traces(JSON.parse(r.out).runDir);
    for (const row of rows) expect(JSON.parse(row.metadata).conditions).toEqual({ VIX: row.price, RV: asOfByScan(vix, row.ts) });

    const bad = await cli(['run', '--config', file, '--runs', path.join(TMP, 'cli-flag'), '--condition', 'VIX']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--condition "VIX": expected NAME=FILE/);
  });

  it('exits 2 naming conditions.VIX when the file is missing, and 1 naming the row of a malformed file; no run is written', () => {
    const runs = path.join(TMP, 'cli-bad');
    const missing = spawnSync(process.execPath, [CLI, 'run', '--config', config('missing', '  VIX: ./nope.csv'), '--runs', runs], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/missing\.yaml: conditions\.VIX: file not found: \.\/nope\.csv/);

    const bad = path.join(TMP, 'bad-vix.csv');
    fs.writeFileSync(bad, 'time,value\n2010-01-04,20.1\n2010-01-05,high\n');
    const malformed = spawnSync(process.execPath, [CLI, 'run', '--config', config('malformed', `  VIX: ${bad}`), '--runs', runs], { encoding: 'utf8' });
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toMatch(/bad-vix\.csv: row 2: value "high" is not a number/);
    expect(fs.existsSync(path.join(runs, 'malformed')) ? fs.readdirSync(path.join(runs, 'malformed')) : []).toEqual([]);
  });
});
