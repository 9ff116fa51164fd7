import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../lib/cli/main';
import type { Bars } from '../lib/core/bars';
import { StratlabError } from '../lib/core/errors';
import { loadBars, writeBarsCsv } from '../lib/data';
import { engine, type BacktestResult } from '../lib/engine';
import { indicators } from '../lib';
import { openRun, runFromBacktest, runFromSweep, TraceAnalysis, type Run } from '../lib/runs';
import { SmaCross } from '../lib/strategies/sma-cross';
import { sweep } from '../lib/sweep';
import { canonicalSql, definePattern, measurePattern, PatternDiscovery, PatternLibrary, patternHash, savePattern, type Pattern } from '../lib/patterns';
import { CLI, GOOG } from './helpers/paths';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-patterns-'));
const ALL_SIGNALS = 'SELECT strategy_hash, ts FROM traces WHERE val <> 0';
const LONGS = 'SELECT strategy_hash, ts FROM traces WHERE val = 1';
const GRID = { fast: [5, 10, 20], slow: [30, 50, 100] };

let goog: Bars;
let single: BacktestResult;
let singleDir: string; // one SmaCross(10, 30) backtest on GOOG
let sweepDir: string; // SmaCross grid on GOOG 2004–2008
let laterDir: string; // the same grid on GOOG from 2009 (data: the whole file, series: the slice)
let run: Run;

beforeAll(async () => {
  goog = await loadBars(GOOG);
  single = engine(goog).strategy(SmaCross, { fast: 10, slow: 30 }).run();
  singleDir = (await runFromBacktest(single, { runsDir: TMP, configName: 'single', paths: [GOOG] })).dir;
  const early = await sweep(goog).strategy(SmaCross).grid(GRID).between(null, '2008-12-31').workers(0).progress('none').capture({ traces: true }).run();
  sweepDir = (await runFromSweep(early, { runsDir: TMP, configName: 'early', data: [goog], paths: [GOOG] })).dir;
  const later = await sweep(goog).strategy(SmaCross).grid(GRID).between('2009-01-01', null).workers(0).progress('none').capture({ traces: true }).run();
  laterDir = (await runFromSweep(later, { runsDir: TMP, configName: 'later', data: [goog], paths: [GOOG] })).dir;
  run = await openRun(singleDir);
}, 120_000);

afterAll(() => {
  run?.close();
  fs.rmSync(TMP, { recursive: true, force: true });
});

/** Success worked out the slow way from the trade objects: each entry is a signal, in the trade's direction. */
function byHand(res: BacktestResult, horizon: number, side?: 'long' | 'short') {
  const c = goog.close, n = c.length;
  let measured = 0, favourable = 0, pastEnd = 0, sum = 0;
  for (const t of res.trades) {
    if (side && t.side !== side) continue;
    if (t.entryBar + horizon >= n) { pastEnd++; continue; }
    const r = (c[t.entryBar + horizon] / c[t.entryBar] - 1) * (t.side === 'long' ? 1 : -1);
    measured++;
    sum += r;
    if (r > 0) favourable++;
  }
  return { measured, favourable, pastEnd, avg: sum / measured };
}

const libFile = (name: string) => path.join(TMP, name, 'patterns.yaml');

describe('measuring success for real', () => {
  it('matches the share of SmaCross(10, 30) entries on GOOG followed by a favourable close 5 and 20 bars later, worked out by hand', async () => {
    for (const horizon of [5, 20]) {
      const want = byHand(single, horizon);
      const p = await measurePattern(run, { name: 'all', query: ALL_SIGNALS }, { horizon });
      expect(want.measured).toBeGreaterThan(50);
      expect(p.sampleSize).toBe(want.measured);
      expect(p.successRate).toBe(want.favourable / want.measured);
      expect(p.horizon).toBe(horizon);
      expect(p.measurement!.favourable).toBe(want.favourable);
      expect(p.measurement!.avgForwardReturn).toBeCloseTo(want.avg, 12);
      expect(p.measurement!.skipped.pastEnd).toBe(want.pastEnd);
    }
  });

  it('measures only the longs a query selects, with up as favourable', async () => {
    const want = byHand(single, 10, 'long');
    const p = await measurePattern(singleDir, { name: 'longs', query: LONGS }, { horizon: 10 });
    expect(p.sampleSize).toBe(want.measured);
    expect(p.successRate).toBe(want.favourable / want.measured);
    const shorts = byHand(single, 10, 'short');
    const s = await measurePattern(singleDir, { name: 'shorts', query: 'SELECT strategy_hash, ts FROM traces WHERE val = -1' }, { horizon: 10 });
    expect(s.successRate).toBe(shorts.favourable / shorts.measured);
  });

  it('gives a pattern that matches nothing sampleSize 0 and successRate null, never a made-up number', async () => {
    const lib = new PatternLibrary(libFile('empty'));
    const r = await savePattern(run, { name: 'never', query: "SELECT strategy_hash, ts FROM traces WHERE val = 1 AND ts < TIMESTAMP '1990-01-01'" }, { library: lib });
    expect(r.measured.sampleSize).toBe(0);
    expect(r.measured.successRate).toBeNull();
    expect(fs.readFileSync(lib.file, 'utf8')).toMatch(/successRate: null\n\s*sampleSize: 0/);
  });

  it('counts signals too close to the end of the data as unmeasured, not as failures', async () => {
    const p = await measurePattern(run, { name: 'all', query: ALL_SIGNALS }, { horizon: 1500 });
    const want = byHand(single, 1500);
    expect(p.measurement!.skipped.pastEnd).toBe(want.pastEnd);
    expect(p.measurement!.skipped.pastEnd).toBeGreaterThan(0);
    expect(p.sampleSize).toBe(want.measured);
  });

  it('refuses to measure against a data file that changed since the run, and measures with the bars given instead', async () => {
    const copy = path.join(TMP, 'GOOG.csv');
    await writeBarsCsv(goog, copy);
    const copied = await loadBars(copy);
    const res = engine(copied).strategy(SmaCross, { fast: 10, slow: 30 }).run();
    const dir = (await runFromBacktest(res, { runsDir: TMP, configName: 'changed', paths: [copy] })).dir;
    fs.writeFileSync(copy, fs.readFileSync(copy, 'utf8').trimEnd().split('\n').slice(0, -1).join('\n') + '\n');
    const err = await measurePattern(dir, { name: 'all', query: ALL_SIGNALS }).catch((e) => e);
    expect(err).toBeInstanceOf(StratlabError);
    expect(err.message).toContain(copy);
    expect(err.message).toMatch(/not the data the run used \(fingerprint [0-9a-f]{16}, run\.json says [0-9a-f]{16}/);
    const p = await measurePattern(dir, { name: 'all', query: ALL_SIGNALS }, { bars: copied });
    expect(p.sampleSize).toBe(byHand(res, 5).measured);
  });

  it('says what a pattern query must return when it lacks ts, and refuses a bad horizon', async () => {
    await expect(measurePattern(run, { name: 'x', query: 'SELECT strategy_hash FROM traces' })).rejects.toThrow(/must return the columns strategy_hash and ts/);
    await expect(measurePattern(run, { name: 'x', query: LONGS }, { horizon: 0 })).rejects.toThrow(/horizon 0: expected a whole number of bars ≥ 1/);
  });
});

describe('the sandbox', () => {
  it('runs pattern SQL on the read-only run connection: it cannot write files', async () => {
    const out = path.join(TMP, 'leak.csv');
    await expect(measurePattern(run, { name: 'w', query: `COPY (SELECT 1) TO '${out}'` })).rejects.toThrow(StratlabError);
    const ta = await TraceAnalysis.open(singleDir);
    try {
      await expect(ta.query(`COPY (SELECT strategy_hash, ts FROM traces) TO '${out}'`)).rejects.toThrow(/file system operations are disabled/);
      // The run's own files are readable, so overwriting them is stopped by statement type.
      const own = path.join(singleDir, 'strategy_index.parquet');
      const before = fs.readFileSync(own);
      await expect(measurePattern(run, { name: 'w', query: `COPY (SELECT 1 AS x) TO '${own}' (FORMAT parquet)` })).rejects.toThrow(StratlabError);
      await expect(ta.query(`COPY (SELECT 1 AS x) TO '${own}' (FORMAT parquet)`)).rejects.toThrow(/query refused: COPY is not allowed/);
      expect(fs.readFileSync(own).equals(before)).toBe(true);
      await expect(ta.query(`SELECT strategy_hash, ts FROM traces; COPY traces TO '${out}'`)).rejects.toThrow(StratlabError);
    } finally {
      await ta.close();
    }
    expect(fs.existsSync(out)).toBe(false);
  });

  it('cannot read outside the run: not the data file, not another run, not /etc', async () => {
    const other = path.join(laterDir, 'traces');
    const otherFile = path.join(other, fs.readdirSync(other)[0]);
    for (const source of [`read_csv('${GOOG}')`, `read_parquet('${otherFile}')`, "read_text('/etc/passwd')"]) {
      const err = await measurePattern(run, { name: 'r', query: `SELECT strategy_hash, ts FROM ${source}` }).catch((e) => e);
      expect(err).toBeInstanceOf(StratlabError);
      expect(err.message).toMatch(/query refused: Permission Error: .* file system operations are disabled/);
    }
  });

  it('never saves a pattern whose query fails', async () => {
    const lib = new PatternLibrary(libFile('failing'));
    await expect(savePattern(run, { name: 'bad', query: 'SELECT nope FROM traces' }, { library: lib })).rejects.toThrow(StratlabError);
    expect(fs.existsSync(lib.file)).toBe(false);
  });
});

describe('the pattern library', () => {
  const spec = (name: string, query = LONGS, strategyType = 'momentum') => definePattern({ name, query, description: `${name} signals`, metadata: { strategyType } });

  it('hashes the query and the metadata canonically: spacing and comments aside, quoted text as written', () => {
    expect(patternHash('SELECT strategy_hash, ts\n  FROM traces -- longs\n WHERE val = 1;', { strategyType: 'momentum' }))
      .toBe(patternHash('SELECT strategy_hash, ts FROM traces WHERE val = 1', { strategyType: 'momentum' }));
    expect(canonicalSql("SELECT 'a  b' /* x */ FROM t")).toBe("SELECT 'a  b' FROM t");
    expect(patternHash("SELECT 'a  b'", {})).not.toBe(patternHash("SELECT 'a b'", {}));
    expect(patternHash(LONGS, { strategyType: 'momentum' })).not.toBe(patternHash(LONGS, { strategyType: 'breakout' }));
    expect(patternHash(LONGS, { a: 1, b: 2 })).toBe(patternHash(LONGS, { b: 2, a: 1 }));
  });

  it('round-trips through YAML (temp file then rename) and dedupes by hash', async () => {
    const file = libFile('roundtrip');
    const lib = new PatternLibrary(file);
    const measured = await measurePattern(run, spec('longs'), { horizon: 5 });
    expect(lib.add(measured).status).toBe('added');
    expect(lib.add(spec('unmeasured', ALL_SIGNALS)).status).toBe('added');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['patterns.yaml']);

    const again = new PatternLibrary(file);
    expect(again.problems).toEqual([]);
    expect(again.list().map((p) => p.name)).toEqual(['longs', 'unmeasured']);
    const back = again.get('longs')!;
    expect(back).toEqual(measured);
    expect(again.get('unmeasured')!.successRate).toBeNull();

    // The same query written differently, under another name, is the same pattern.
    const respaced = definePattern({ name: 'longs-again', query: 'select strategy_hash, ts\nFROM traces\nWHERE val = 1'.replace('select', 'SELECT'), metadata: { strategyType: 'momentum' } });
    expect(again.add(respaced)).toMatchObject({ status: 'duplicate', pattern: { name: 'longs' } });
    expect(() => again.add(spec('longs', ALL_SIGNALS, 'breakout'))).toThrow(/a different pattern is already named 'longs'/);
    const remeasured = await measurePattern(run, back, { horizon: 20 });
    expect(again.add(remeasured, { update: true })).toMatchObject({ status: 'updated', pattern: { name: 'longs', horizon: 20 } });
    expect(new PatternLibrary(file).get('longs')!.horizon).toBe(20);
    expect(new PatternLibrary(file).list()).toHaveLength(2);
  });

  it('names the line of a malformed entry, loads the rest, and keeps the bad text when it saves', () => {
    const file = libFile('malformed');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const text = [
      '# my patterns',
      '- name: good_one',                                      // 2
      '  query: SELECT strategy_hash, ts FROM traces WHERE val = 1',
      '  metadata: { strategy_type: momentum }',
      '  success_rate: 0.6',
      '  sample_size: 40',
      '  horizon: 5',
      '- name: broken_yaml',                                   // 8
      '  query: "SELECT strategy_hash, ts FROM traces',
      '  description: [unclosed',                              // 10
      '- name: bad_rate',                                      // 11
      '  query: SELECT strategy_hash, ts FROM traces',
      '  successRate: high',                                   // 13
      '  sampleSize: 10',
      '- name: good_two',                                      // 15
      '  query: |',
      '    SELECT strategy_hash, ts',
      '    FROM traces WHERE val = -1',
      '  metadata:',
      '    strategyType: all',
      '',
    ].join('\n');
    fs.writeFileSync(file, text);
    const lib = new PatternLibrary(file);
    expect(lib.list().map((p) => p.name)).toEqual(['good_one', 'good_two']);
    expect(lib.get('good_one')).toMatchObject({ successRate: 0.6, sampleSize: 40, metadata: { strategyType: 'momentum' } });
    expect(lib.problems).toHaveLength(2);
    expect(lib.problems[0]).toMatchObject({ file, line: expect.any(Number), message: expect.stringMatching(/not valid YAML/) });
    expect(lib.problems[0].line).toBeGreaterThanOrEqual(9);
    expect(lib.problems[0].line).toBeLessThanOrEqual(10);
    expect(lib.problems[1]).toEqual({ file, line: 13, message: 'pattern "bad_rate": successRate: expected a number between 0 and 1, or null' });

    lib.add(spec('new_one', ALL_SIGNALS));
    const saved = fs.readFileSync(file, 'utf8');
    expect(saved).toContain('  description: [unclosed');
    expect(saved).toContain('  successRate: high');
    const reread = new PatternLibrary(file);
    expect(reread.list().map((p) => p.name)).toEqual(['good_one', 'good_two', 'new_one']);
    expect(reread.problems.map((p) => p.message)).toEqual(lib.problems.map((p) => p.message));
  });

  it('refuses to overwrite a file that is not a list of patterns', () => {
    const file = libFile('notalist');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'patterns:\n  name: x\n');
    const lib = new PatternLibrary(file);
    expect(lib.problems[0]).toMatchObject({ line: 1, message: expect.stringMatching(/expected a list of patterns/) });
    expect(() => lib.add(spec('x'))).toThrow(/line 1: expected a list of patterns/);
    expect(fs.readFileSync(file, 'utf8')).toBe('patterns:\n  name: x\n');
  });

  it('searches by strategy type (patterns for all types included) and minimum measured success rate', () => {
    const lib = new PatternLibrary(libFile('search'));
    const withRate = (p: Pattern, successRate: number | null, sampleSize: number): Pattern => ({ ...p, successRate, sampleSize, horizon: 5 });
    lib.add(withRate(spec('m1', LONGS), 0.7, 50));
    lib.add(withRate(spec('m2', ALL_SIGNALS), 0.52, 200));
    lib.add(withRate(spec('b1', LONGS, 'breakout'), 0.9, 30));
    lib.add(withRate(spec('any', 'SELECT strategy_hash, ts FROM traces WHERE val = -1', 'all'), 0.6, 80));
    lib.add(spec('m-unmeasured', 'SELECT strategy_hash, ts FROM traces', 'momentum'));
    expect(lib.search({ strategyType: 'momentum' }).map((p) => p.name)).toEqual(['m1', 'any', 'm2', 'm-unmeasured']);
    expect(lib.search({ strategyType: 'momentum', minSuccessRate: 0.6 }).map((p) => p.name)).toEqual(['m1', 'any']);
    expect(lib.search({ minSuccessRate: 0.8 }).map((p) => p.name)).toEqual(['b1']);
    expect(lib.search({ minSampleSize: 100 }).map((p) => p.name)).toEqual(['m2']);
    expect(() => lib.search({ minSuccessRate: 60 })).toThrow(/between 0 and 1/);
  });
});

describe('pattern discovery', () => {
  it('finds parameter patterns from traces × strategy_index, each measured, and re-measuring one gives the same numbers', async () => {
    const d = await new PatternDiscovery(libFile('disc')).discoverParameterPatterns(sweepDir, { horizon: 5, minSampleSize: 20 });
    expect(d.baseline.sampleSize).toBeGreaterThan(100);
    expect(d.patterns.map((p) => p.name).sort()).toEqual(['SmaCross_fast_10', 'SmaCross_fast_20', 'SmaCross_fast_5', 'SmaCross_slow_100', 'SmaCross_slow_30', 'SmaCross_slow_50']);
    // Each value's signals partition the run's signals.
    const fast = d.patterns.filter((p) => p.metadata.parameters && 'fast' in p.metadata.parameters);
    expect(fast.reduce((s, p) => s + p.sampleSize, 0)).toBe(d.baseline.sampleSize);
    for (const p of d.patterns) {
      expect(p.successRate).toBe(p.measurement!.favourable / p.sampleSize);
      expect(p.sampleSize).toBeGreaterThanOrEqual(20);
      const again = await measurePattern(sweepDir, p, { horizon: 5 });
      expect([again.successRate, again.sampleSize]).toEqual([p.successRate, p.sampleSize]);
    }
    // By hand for fast = 5: the entries of the three fast-5 strategies, from their trades. The forward
    // close comes from the data file, so a signal late in 2008 is measured on 2009's bars.
    const fast5 = d.patterns.find((p) => p.name === 'SmaCross_fast_5')!;
    let measured = 0, favourable = 0;
    for (const slow of GRID.slow) {
      const res = engine(goog).between(null, '2008-12-31').strategy(SmaCross, { fast: 5, slow }).run();
      for (const t of res.trades) {
        measured++;
        if ((goog.close[t.entryBar + 5] / goog.close[t.entryBar] - 1) * (t.side === 'long' ? 1 : -1) > 0) favourable++;
      }
    }
    expect([fast5.sampleSize, fast5.measurement!.favourable]).toEqual([measured, favourable]);
  });

  it('finds regime patterns by ADX, CHOP and volatility at the signal bar, measured the same way', async () => {
    const d = await new PatternDiscovery(libFile('disc')).discoverRegimePatterns(sweepDir, { horizon: 5, minSampleSize: 10 });
    const names = d.patterns.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['SmaCross_adx14_trending', 'SmaCross_adx14_ranging', 'SmaCross_high_volatility', 'SmaCross_low_volatility']));
    const trending = d.patterns.find((p) => p.name === 'SmaCross_adx14_trending')!;
    const ranging = d.patterns.find((p) => p.name === 'SmaCross_adx14_ranging')!;
    expect(trending.metadata.regime).toEqual({ indicator: 'adx', period: 14, min: 25 });
    // ADX is defined at every signal after its warm-up: the two regimes split the measured signals.
    expect(trending.sampleSize + ranging.sampleSize).toBe(d.baseline.sampleSize);
    expect(trending.sampleSize + trending.measurement!.skipped.outsideRegime).toBe(d.baseline.sampleSize);
    // By hand: the ADX at each trending signal bar is ≥ 25.
    const adx = indicators.adx(goog.high, goog.low, goog.close, 14);
    const ta = await TraceAnalysis.open(sweepDir);
    const rows = await ta.query(`SELECT epoch_ms(ts) AS ms FROM (${trending.query})`);
    await ta.close();
    expect(rows.filter((r) => adx[goog.time.indexOf(r.ms as number)] >= 25).length).toBe(trending.sampleSize);
    for (const p of d.patterns) {
      const again = await measurePattern(sweepDir, p, { horizon: 5 });
      expect([again.successRate, again.sampleSize]).toEqual([p.successRate, p.sampleSize]);
    }
  });

  it('tests a saved pattern out of sample on another run (GOOG from 2009)', async () => {
    const disc = new PatternDiscovery(libFile('oos'));
    const found = await disc.discover(sweepDir, { minSampleSize: 20 });
    disc.save(found.patterns);
    const t = await disc.testPattern('SmaCross_fast_5', laterDir);
    expect(t.saved.measurement!.runId).not.toBe(t.retest.measurement!.runId);
    expect(t.retest.sampleSize).toBeGreaterThan(20);
    expect(t.retest.horizon).toBe(t.saved.horizon);
    expect(t.change).toBeCloseTo(t.retest.successRate! - t.saved.successRate!, 12);
    const direct = await measurePattern(laterDir, t.saved, { horizon: 5 });
    expect(t.retest.successRate).toBe(direct.successRate);
    await expect(disc.testPattern('SmaCross_fast5', laterDir)).rejects.toThrow(/no pattern named 'SmaCross_fast5'.*\n?/);
    await expect(disc.testPattern('SmaCross_fast5', laterDir).catch((e) => e.hint)).resolves.toBe('did you mean SmaCross_fast_5?');
  });
});

describe('stratlab patterns', () => {
  const cli = async (...args: string[]) => {
    let out = '', err = '';
    const code = await runCli(args, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') });
    return { code, out, err };
  };
  const lib = libFile('cli');

  it('discover --save --json, then list, then test on another run', async () => {
    const d = await cli('patterns', 'discover', '--run', sweepDir, '--save', '--library', lib, '--min-sample', '20', '--json');
    expect(d.err).toBe('');
    expect(d.code).toBe(0);
    const found = JSON.parse(d.out);
    expect(found.baseline.sampleSize).toBeGreaterThan(100);
    expect(found.patterns.length).toBeGreaterThan(5);
    expect(found.saved.every((s: { status: string }) => s.status === 'added')).toBe(true);
    for (const p of found.patterns) expect(p.successRate).toBe(p.measurement.favourable / p.sampleSize);

    const list = await cli('patterns', 'list', '--library', lib, '--strategy-type', 'momentum', '--min-success', '50%', '--json');
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.out);
    expect(listed.count).toBe(found.patterns.filter((p: Pattern) => p.successRate! >= 0.5).length);
    const table = await cli('patterns', 'list', '--library', lib);
    expect(table.out).toMatch(/SmaCross_fast_5 +momentum +\d+\.\d % +\d+ +5 /);

    const one = await cli('patterns', 'test', '--run', laterDir, '--name', 'SmaCross_fast_5', '--library', lib, '--json');
    expect(one.code).toBe(0);
    const t = JSON.parse(one.out).tests[0];
    expect(t.retest.measurement.runId).toBe(path.basename(laterDir));
    const all = await cli('patterns', 'test', '--run', laterDir, '--all', '--library', lib);
    expect(all.code).toBe(0);
    expect(all.out.split('\n').filter((l) => l.startsWith('SmaCross_')).length).toBe(found.patterns.length);
  });

  it('checks flags first (exit 2) and fails in one line (exit 1)', async () => {
    expect(await cli('patterns', 'test', '--run', laterDir, '--library', lib)).toMatchObject({ code: 2, err: expect.stringMatching(/give --name NAME or --all/) });
    expect(await cli('patterns', 'test', '--run', laterDir, '--name', 'x', '--all')).toMatchObject({ code: 2 });
    expect(await cli('patterns', 'list', '--min-success', '1.5')).toMatchObject({ code: 2, err: expect.stringMatching(/--min-success 1.5 is out of range/) });
    expect(await cli('patterns', 'discover', '--horizon', 'five', '--run', sweepDir)).toMatchObject({ code: 2, err: expect.stringMatching(/--horizon "five" is not a number/) });
    expect(await cli('patterns', 'discover')).toMatchObject({ code: 2, err: expect.stringMatching(/--run DIR is required/) });
    const missing = await cli('patterns', 'test', '--run', laterDir, '--name', 'SmaCross_fast5', '--library', lib);
    expect(missing.code).toBe(1);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toMatch(/no pattern named 'SmaCross_fast5'.*did you mean SmaCross_fast_5\?/);
    expect(await cli('patterns', 'discover', '--run', path.join(TMP, 'nope'))).toMatchObject({ code: 1, err: expect.stringMatching(/no such run directory/) });
    expect((await cli('patterns', 'list', '--help')).out).toMatch(/^usage: stratlab patterns list/);
  });

  it('warns about unreadable entries of the library and still lists the rest', async () => {
    const file = libFile('cli-bad');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '- name: ok\n  query: SELECT strategy_hash, ts FROM traces\n- name: bad\n  sampleSize: -3\n  query: x\n');
    const r = await cli('patterns', 'list', '--library', file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok /m);
    expect(r.err).toBe(`warning: ${file}: line 4: pattern "bad": sampleSize: expected a whole number ≥ 0\n`);
    expect(JSON.parse((await cli('patterns', 'list', '--library', file, '--json')).out).problems).toEqual([{ file, line: 4, message: 'pattern "bad": sampleSize: expected a whole number ≥ 0' }]);
  });

  it('runs as the real CLI in a child process', () => {
    const r = spawnSync(process.execPath, [CLI, 'patterns', 'list', '--library', lib, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).count).toBeGreaterThan(5);
  });
});
