/**
 * Issue 18.8: tables a person can read. A sweep's table and `stratlab top` label each row by strategy and
 * the parameters that vary ("SmaCross fast=10 slow=30"); what every row shares is said once, above the table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../lib/cli/main';
import { executeNotebook } from '../lib/notebook/execute';
import { generateNotebook } from '../lib/notebook/generate';
import { runFromSweep } from '../lib/runs/write';
import { loadBars } from '../lib/data';
import { sweep, type SweepResult } from '../lib/sweep';
import { openTracker } from '../lib/tracker';
import { GOOG } from './helpers/paths';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-tables-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));
const DB = path.join(TMP, 'research.db');

let sma: SweepResult;
let donchian: SweepResult;
beforeAll(async () => {
  const goog = await loadBars(GOOG);
  const tracker = openTracker(DB);
  try {
    sma = await sweep(goog).strategy('SmaCross').grid({ fast: [5, 10], slow: [30, 50] }).workers(0).progress('none').track(tracker, 'tables_sma').run();
    donchian = await sweep(goog).strategy('DonchianBreakout').grid({ entryPeriod: [20, 55] }).workers(0).progress('none').track(tracker, 'tables_donchian').run();
  } finally {
    tracker.close();
  }
}, 60_000);

/** The header line of the first table in `text` (the line that starts with `rank` or `id`). */
const header = (text: string) => text.split('\n').find((l) => /^\s*(rank|id)\s/.test(l)) ?? '';

describe('a sweep table', () => {
  it('labels rows by strategy and the parameters that vary, and says the shared ones once above', () => {
    const text = sma.toString();
    for (const label of ['SmaCross fast=5 slow=30', 'SmaCross fast=5 slow=50', 'SmaCross fast=10 slow=30', 'SmaCross fast=10 slow=50']) expect(text).toContain(label);
    expect(text).toContain('GOOG 1d; same in every row: longOnly=false');
    expect(text.match(/longOnly/g)).toHaveLength(1);
    expect(header(text)).not.toMatch(/\b(symbol|timeframe|longOnly|fast|slow)\b/);
  });

  it('shows a strategy with many defaults by the one parameter swept', () => {
    const rows = donchian.rows();
    expect(rows.map((r) => r.strategy).sort()).toEqual(['DonchianBreakout entryPeriod=20', 'DonchianBreakout entryPeriod=55']);
    expect(donchian.tableNote()).toBe('GOOG 1d; same in every row: exitPeriod=10, stopLossAtr=2, atrPeriod=14, longOnly=false');
  });
});

describe('stratlab top', () => {
  it('labels rows "SmaCross fast=10 slow=30" with the shared parameters once, never a bare hash', async () => {
    let out = '';
    const code = await runCli(['top', '--db', DB, '--experiment', 'tables_sma', '--include-disqualified', '--min-trades', '0'], { out: (t) => (out += t + '\n'), err: () => {} });
    expect(code).toBe(0);
    expect(out).toContain('SmaCross fast=10 slow=30');
    expect(out).toContain('same in every row: longOnly=false');
    expect(out.match(/longOnly/g)).toHaveLength(1);
    expect(header(out)).not.toMatch(/\bparams\b|hash/);
  });

  it('labels rows of several strategies each by its own varying parameters', async () => {
    let out = '';
    await runCli(['top', '--db', DB, '--include-disqualified', '--min-trades', '0', '-n', '20'], { out: (t) => (out += t + '\n'), err: () => {} });
    // longOnly is false in every row of both strategies: said once; the rest differ between the strategies.
    const donchianRow = out.split('\n').find((l) => /DonchianBreakout .*entryPeriod=55/.test(l)) ?? '';
    for (const p of ['exitPeriod=10', 'stopLossAtr=2', 'atrPeriod=14']) expect(donchianRow).toContain(p);
    expect(out).toContain('SmaCross fast=5 slow=30 ');
    expect(out).toContain('same in every row: longOnly=false');
    expect(out.match(/longOnly/g)).toHaveLength(1);
  });
});

describe("a generated notebook's top strategies", () => {
  it.each(['ts', 'python'] as const)('are labelled "SmaCross fast=10 slow=30", the shared parameters in the caption (%s kernel)', async (kernel) => {
    const goog = await loadBars(GOOG);
    const sw = await sweep(goog).strategy('SmaCross').grid({ fast: [5, 10], slow: [30, 50] }).workers(0).progress('none').capture().run();
    const { dir } = await runFromSweep(sw, { runsDir: path.join(TMP, 'runs'), configName: `tables_${kernel}` });
    const file = generateNotebook(dir, { kernel });
    expect((await executeNotebook(file)).errors).toEqual([]);
    const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { outputs?: { data?: Record<string, string | string[]> }[] }[] };
    const html = nb.cells.flatMap((c) => c.outputs ?? []).map((o) => [o.data?.['text/html'] ?? ''].flat().join('')).find((h) => h.includes('Top 4 by score')) ?? '';
    expect(html).toContain('same in every strategy: longOnly=false');
    expect(html).toMatch(/<td>SmaCross fast=10 slow=30<\/td>/);
  }, 180_000);
});
