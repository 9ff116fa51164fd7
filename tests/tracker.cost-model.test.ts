import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBars } from '../lib/data';
import { SmaCross } from '../lib/strategies/sma-cross';
import { sweep } from '../lib/sweep';
import { openTracker, type ExperimentTracker } from '../lib/tracker';
import { CLI, GOOG } from './helpers/paths';

// Rules loose enough that every SmaCross run on GOOG qualifies: the ranking, not the rules, is under test.
const LOOSE = { minTrades: 0, minTradesPerYear: 0, maxDrawdown: 100, minProfitFactor: 0, minWinRate: 0, maxWinRate: 1 };
const GRID = { fast: [5, 10, 20], slow: [30, 50] };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-costs-'));
const db = path.join(dir, 'research.db');
let tracker: ExperimentTracker;

beforeAll(async () => {
  const goog = await loadBars(GOOG);
  tracker = openTracker(db);
  const base = sweep(goog).strategy(SmaCross).grid(GRID).rules(LOOSE).workers(0).progress('none');
  // The same six runs three times: the live-matched costs, no costs at all, and next-open fills.
  await base.track(tracker, 'honest').run();
  await base.settings({ spread: 0 }).track(tracker, 'free').run();
  await base.settings({ fill: 'next_open' }).track(tracker, 'delayed').run();
});
afterAll(() => {
  tracker.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const costs = (r: { spread: number; executionDelay: number }) => `${r.spread}/${r.executionDelay}`;

function stratlab(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.STRATLAB_DB;
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('rankings stay within one cost model', () => {
  it('getTopCandidates ranks only live-matched rows (spread 0.0003, fill close) by default, though zero-cost runs score higher', () => {
    const mixed = tracker.getTopCandidates(18, { validationStatus: 'any', minTrades: 0, costModel: 'all' });
    expect(mixed).toHaveLength(18);
    // The zero-cost run of a combination always beats its honest twin: mixed, it ranks first.
    expect(costs(mixed[0])).toBe('0/0');
    const top = tracker.getTopCandidates(18, { validationStatus: 'any', minTrades: 0 });
    expect(top).toHaveLength(6);
    for (const r of top) expect(costs(r)).toBe('0.0003/0');
    expect(top.map((r) => r.experimentId)).toEqual(Array(6).fill('honest'));
  });

  it('ranks in an explicitly named cost model, and labels every row of every ranking table with its own', () => {
    const free = tracker.getTopCandidates(18, { validationStatus: 'any', minTrades: 0, costModel: { spread: 0 } });
    expect(free.map(costs)).toEqual(Array(6).fill('0/0'));
    const delayed = tracker.getTopCandidates(18, { validationStatus: 'any', minTrades: 0, costModel: { spread: 0.0003, executionDelay: 1 } });
    expect(delayed.map((r) => r.experimentId)).toEqual(Array(6).fill('delayed'));
    const lines = tracker.getTopCandidates(18, { validationStatus: 'any', minTrades: 0, costModel: 'all' }).toText().split('\n');
    expect(lines.find((l) => /^id\s/.test(l))).toMatch(/\bcosts\b/); // the header, under the caption lines
    const rows = lines.filter((l) => /^\s*\d+\s/.test(l));
    expect(rows).toHaveLength(18);
    const cells = new Set(rows.map((l) => l.match(/ (0\.0003 close|0 close|0\.0003 next_open) /)?.[1]));
    expect(cells).toEqual(new Set(['0.0003 close', '0 close', '0.0003 next_open']));
    expect(() => tracker.getTopCandidates(5, { costModel: 'cheap' as 'all' })).toThrow(/getTopCandidates options: costModel/);
  });

  it('getSummaryForLLM names its cost model, ranks inside it, and counts what it left out', () => {
    const text = tracker.getSummaryForLLM(10, { minTrades: 0 });
    expect(text).toMatch(/^TOP STRATEGIES \(cost model spread 0\.0003, fill close \(live-matched\); best run per/m);
    const honestBest = tracker.getTopCandidates(1, { validationStatus: 'any', minTrades: 0 })[0];
    expect(text).toContain(`Sharpe ${honestBest.metrics!.sharpe.toFixed(2)}`);
    expect(text).toMatch(/^Not ranked: 12 qualifying runs under other cost models \(spread 0, fill close: 6; spread 0\.0003, fill next_open: 6\)\.$/m);
    const mixed = tracker.getSummaryForLLM(10, { minTrades: 0, costModel: 'all' });
    expect(mixed).toMatch(/^TOP STRATEGIES \(every cost model, mixed: each line says its own; /m);
    const top = mixed.split('\n').filter((l) => /^\d+\. /.test(l)).slice(0, 3);
    expect(top).toHaveLength(3);
    expect(top[0]).toMatch(/ \[spread 0, fill close\]$/);
    for (const l of top) expect(l).toMatch(/ \[spread [\d.]+, fill (close|next_open)( \(live-matched\))?\]$/);
  });

  it('stratlab top: the live-matched model by default, --spread/--delay to pick one, --mix-costs to mix with labels', async () => {
    const [live, mixed, free, wrong] = await Promise.all([
      stratlab(['top', '-n', '18', '--min-trades', '0', '--include-disqualified', '--json']),
      stratlab(['top', '-n', '18', '--min-trades', '0', '--include-disqualified', '--mix-costs']),
      stratlab(['top', '-n', '18', '--min-trades', '0', '--include-disqualified', '--spread', '0', '--json']),
      stratlab(['top', '--mix-costs', '--spread', '0']),
    ]);
    expect(live.code).toBe(0);
    const j = JSON.parse(live.out);
    expect(j.filters.costModel).toEqual({ spread: 0.0003, executionDelay: 0 });
    expect(j.count).toBe(6);
    for (const r of j.rows) expect(r.costModel).toBe('spread 0.0003, fill close (live-matched)');
    expect(mixed.code).toBe(0);
    expect(mixed.out.split('\n')[0]).toBe("cost model: all, mixed (the costs column says each row's)");
    expect(mixed.out).toMatch(/ 0 close /);
    expect(mixed.out).toMatch(/ 0\.0003 next_open /);
    expect(JSON.parse(free.out).rows.map((r: { costModel: string }) => r.costModel)).toEqual(Array(6).fill('spread 0, fill close'));
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/--mix-costs ranks every cost model together/);
  });
});
