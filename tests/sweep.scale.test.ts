import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { StratlabError } from '../lib/core/errors';
import { loadBars } from '../lib/data';
import { gridCombos, range, sweep } from '../lib/sweep';
import { openTracker } from '../lib/tracker';
import { CLI, GOOG } from './helpers/paths';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-scale-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let goog: Bars;
beforeAll(async () => {
  goog = await loadBars(GOOG);
});

async function refusal(p: Promise<unknown>): Promise<StratlabError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StratlabError);
    return e as StratlabError;
  }
  throw new Error('expected the sweep to be refused');
}

describe('counting a grid before it runs', () => {
  const saved = process.env.STRATLAB_MAX_COMBINATIONS;
  afterEach(() => {
    if (saved === undefined) delete process.env.STRATLAB_MAX_COMBINATIONS;
    else process.env.STRATLAB_MAX_COMBINATIONS = saved;
  });

  it('refuses a grid of 10⁹ combinations at once, with the count before `where` and how to raise the limit, writing nothing', async () => {
    const tracker = openTracker(path.join(tmp, 'huge.db'));
    try {
      let calls = 0;
      const huge = sweep(goog).strategy('StochRSIMeanReversion')
        .grid({ rsiPeriod: range(2, 1001), stochPeriod: range(2, 1001), overbought: range(1, 1000) })
        .where(() => (calls++, true)).track(tracker, 'huge').progress('none');
      const e = await refusal(huge.run());
      expect(e.code).toBe('BAD_ARGUMENT');
      expect(e.message).toBe('sweep grid: 1,000,000,000 combinations before `where` is over the limit of 1,000,000');
      expect(e.hint).toContain('.maxCombinations(n)');
      expect(e.hint).toContain('--max-combinations');
      expect(calls).toBe(0); // refused on the product alone
      expect(tracker.experiments().count()).toBe(0);
    } finally {
      tracker.close();
    }
  });

  it('counts after `where` up to the limit set with .maxCombinations(n) or $STRATLAB_MAX_COMBINATIONS, over every dataset', async () => {
    const grid = { fast: range(2, 41), slow: range(10, 59) }; // 2,000 before `where`
    const where = (p: Record<string, unknown>) => (p.fast as number) * 2 < (p.slow as number);
    let expected = 0;
    for (const f of grid.fast) for (const s of grid.slow) if (f * 2 < s) expected++;
    const base = sweep(goog).strategy('SmaCross').grid(grid).where(where).workers(0).progress('none');

    expect((await refusal(base.maxCombinations(1999).run())).message).toBe('sweep grid: 2,000 combinations before `where` is over the limit of 1,999');
    expect(base.maxCombinations(2000).count()).toBe(expected);
    process.env.STRATLAB_MAX_COMBINATIONS = '1999';
    expect((await refusal(base.run())).message).toContain('2,000 combinations before `where`');
    // Two symbols: each combination runs twice.
    process.env.STRATLAB_MAX_COMBINATIONS = '3000';
    const two = sweep({ GOOG: goog, GOOG2: goog }).strategy('SmaCross').grid(grid).where(where).progress('none');
    expect((await refusal(two.run())).message).toBe('sweep grid: 2,000 combinations before `where` × 2 datasets is over the limit of 3,000');

    const sw = await base.maxCombinations(2000).grid({ fast: grid.fast.slice(0, 10), slow: grid.slow }).run();
    expect(sw.combinations).toBe([...gridCombos({ fast: grid.fast.slice(0, 10), slow: grid.slow }, where)].length);
    expect(sw.ran).toBe(sw.combinations);
  });

  it('keeps the best rows of a sweep bigger than .keep(n), ranked as the whole sweep ranks them, and every row in the tracker', async () => {
    const grid = { fast: range(2, 31), slow: range(20, 80, 5) };
    const where = (p: Record<string, unknown>) => (p.fast as number) < (p.slow as number);
    const all = await sweep(goog).strategy('SmaCross').grid(grid).where(where).workers(0).progress('none').run();
    const tracker = openTracker(path.join(tmp, 'keep.db'));
    try {
      const kept = await sweep(goog).strategy('SmaCross').grid(grid).where(where).workers(0).keep(25).track(tracker, 'keep').progress('none').run();
      expect(all.results).toHaveLength(all.combinations);
      expect(kept.results).toHaveLength(25);
      expect(kept.results.map((r) => [r.paramsHash, r.score])).toEqual(all.results.slice(0, 25).map((r) => [r.paramsHash, r.score]));
      expect(kept.ran).toBe(all.combinations);
      expect(kept.notes.join('\n')).toContain(`results keeps the 25 best of ${all.combinations} rows`);
      expect(tracker.experiments().where({ experimentId: 'keep' }).count()).toBe(all.combinations);
    } finally {
      tracker.close();
    }
  });
});

describe('stratlab sweep --max-combinations', () => {
  function cli(cwd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve, reject) => {
      const env = { ...process.env };
      delete env.STRATLAB_DB;
      delete env.STRATLAB_MAX_COMBINATIONS;
      const child = spawn(process.execPath, [CLI, ...args], { cwd, env });
      let out = '', err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out, err }));
    });
  }

  it('refuses a config whose grid is over the limit in one line, exit 2, before any data loads or database is made', async () => {
    const dir = path.join(tmp, 'cli');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'config.yaml'), `experiment: big
data:
  GOOG: ${path.relative(dir, GOOG)}
strategy: SmaCross
grid:
  fast: { from: 2, to: 101 }
  slow: { from: 10, to: 209 }
where: fast < slow
maxCombinations: 5000
`);
    const refused = await cli(dir, ['sweep', '--config', 'config.yaml']);
    expect(refused.code).toBe(2);
    expect(refused.err.trim().split('\n')).toHaveLength(1);
    expect(refused.err).toContain('config.yaml: sweep grid: 20,000 combinations before `where` is over the limit of 5,000');
    expect(refused.err).toContain('--max-combinations N');
    expect(fs.existsSync(path.join(dir, 'research.db'))).toBe(false);

    const flag = await cli(dir, ['sweep', '--config', 'config.yaml', '--max-combinations', '100']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('over the limit of 100');
    const bad = await cli(dir, ['sweep', '--config', 'config.yaml', '--max-combinations', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--max-combinations 0 is out of range');
  });
});
