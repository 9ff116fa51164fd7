/**
 * Issue 18.6: every run made from bars that loadBars read from a file can be analysed later (patterns,
 * trace analysis), because the bars remember their file and run.json records it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBars, resample } from '../lib/data';
import { engine } from '../lib/engine';
import { PatternDiscovery } from '../lib/patterns/discovery';
import { PatternLibrary } from '../lib/patterns/library';
import { readManifest } from '../lib/runs';
import { runFromBacktest, runFromSweep } from '../lib/runs/write';
import { SmaCross } from '../lib/strategies';
import { sweep } from '../lib/sweep';
import { CLI, GOOG, ROOT } from './helpers/paths';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-source-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));
const discovery = () => new PatternDiscovery(new PatternLibrary(path.join(TMP, 'patterns.yaml')));

function binary(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: TMP });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('bars remember the file they were loaded from', () => {
  it('loadBars records the absolute path (and the options that shape the rows); derived bars record none', async () => {
    const goog = await loadBars(path.relative(process.cwd(), GOOG));
    expect(goog.source).toEqual({ path: GOOG });
    expect(resample(goog, '1w').source).toBeUndefined();
    const ny = await loadBars(GOOG, { timezone: 'America/New_York' });
    expect(ny.source).toEqual({ path: GOOG, timezone: 'America/New_York' });
  });

  it('a sweep over loaded bars, written without naming any path, is analysable by pattern discovery', async () => {
    const goog = await loadBars(GOOG);
    const sw = await sweep(goog).strategy('SmaCross').grid({ fast: [5, 10], slow: [30, 50] }).workers(0).capture().progress('none').run();
    const { dir } = await runFromSweep(sw, { runsDir: TMP, configName: 'api_sweep' });
    expect(readManifest(dir).data[0]).toMatchObject({ symbol: 'GOOG', path: GOOG });
    const d = await discovery().discover(dir, { minSampleSize: 1 });
    expect(d.baseline.sampleSize).toBeGreaterThan(0);
    expect(d.patterns.length).toBeGreaterThan(0);
  });

  it('a backtest of bars loaded with a timezone is reloaded with that timezone (the same rows, so the fingerprint matches)', async () => {
    // Naive wall-clock datetimes: the timezone changes every timestamp, so a reload without it would be other data.
    const naive = path.join(TMP, 'NAIVE_1m.csv');
    const lines = fs.readFileSync(path.join(ROOT, 'data', 'SYNTH_1m.csv'), 'utf8').split('\n').slice(0, 800);
    fs.writeFileSync(naive, lines.map((l) => l.replace(/Z,/, ',')).join('\n') + '\n');
    const ny = await loadBars(naive, { timezone: 'America/New_York' });
    const res = engine(ny).strategy(SmaCross, { fast: 5, slow: 20 }).run();
    const { dir } = await runFromBacktest(res, { runsDir: TMP, configName: 'api_backtest' });
    expect(readManifest(dir).data[0]).toMatchObject({ path: naive, load: { timezone: 'America/New_York' } });
    const d = await discovery().discover(dir, { minSampleSize: 1 });
    expect(d.baseline.sampleSize).toBeGreaterThan(0);
  });

  it("the demo's own run (stratlab demo) is analysable: patterns discover reads it", async () => {
    const demo = await binary(['demo', '--no-notebook', '--out', path.join(TMP, 'demo'), '--json']);
    expect(demo.err).toBe('');
    expect(demo.code).toBe(0);
    const runDir = JSON.parse(demo.out).run as string;
    expect(readManifest(runDir).data[0].path).toBe(path.join(ROOT, 'data', 'SYNTH_1d.parquet'));
    const r = await binary(['patterns', 'discover', '--run', runDir, '--library', path.join(TMP, 'lib.yaml'), '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).baseline.sampleSize).toBeGreaterThan(0);
  }, 120_000);
});
