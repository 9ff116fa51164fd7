import { spawnSync } from 'node:child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInspectReport, inspectBars, loadBars, validateBars } from '../lib/data';
import { CLI, GOOG } from './helpers/paths';
import { loadError } from './helpers/load-error';

/** GOOG daily with the prices of some rows (1-based data rows) replaced by `price`. */
function googWith(name: string, price: string, rows: number[] | 'all'): string {
  const [header, ...body] = fs.readFileSync(GOOG, 'utf8').trim().split('\n');
  const out = body.map((line, i) => {
    if (rows !== 'all' && !rows.includes(i + 1)) return line;
    const cells = line.split(',');
    return [cells[0], price, price, price, price, cells[5]].join(',');
  });
  const file = path.join(dir, name);
  fs.writeFileSync(file, [header, ...out].join('\n') + '\n');
  return file;
}

function stratlab(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-price-range-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('prices outside 1e-8 … 1e12 are refused, naming the row', () => {
  it('refuses a subnormal price (1e-320), which is above zero but makes every division overflow', async () => {
    const e = await loadError(googWith('GOOG_subnormal.csv', '1e-320', [17]));
    expect(e.code).toBe('PRICE_OUT_OF_RANGE');
    expect(e.location).toMatchObject({ row: 17, field: 'open' });
    expect(e.message).toBe('GOOG_subnormal.csv: row 17 (line 18), column "open": 1e-320 is outside the price range 1e-8 … 1e12 at 2004-09-13');
    expect(e.hint).toMatch(/repair: true/);
  });

  it('refuses a price of 1e308, whose square overflows', async () => {
    const e = await loadError(googWith('GOOG_huge.csv', '1e308', [101]));
    expect(e.code).toBe('PRICE_OUT_OF_RANGE');
    expect(e.location.row).toBe(101);
    expect(e.message).toMatch(/row 101 \(line 102\), column "open": 1e\+308 is outside the price range 1e-8 … 1e12/);
  });

  it('accepts the ends of the range', async () => {
    const low = await loadBars(googWith('GOOG_low.csv', '1e-8', [5]));
    const high = await loadBars(googWith('GOOG_high.csv', '1e12', [5]));
    expect(low.close[4]).toBe(1e-8);
    expect(high.close[4]).toBe(1e12);
  });

  it('drops such rows with { repair: true }, saying why', async () => {
    const bars = await loadBars(googWith('GOOG_two_bad.csv', '1e-320', [17, 30]), { repair: true });
    expect(bars.repairs).toMatchObject({ rowsIn: 2148, rowsOut: 2146 });
    expect(bars.repairs!.dropped.map((d) => d.row)).toEqual([17, 30]);
    expect(bars.repairs!.dropped[0].reason).toMatch(/column "open": 1e-320 is outside the price range/);
  });

  it('checks Bars built in code the same way', async () => {
    const bars = await loadBars(GOOG);
    bars.low = bars.low.slice();
    bars.low[9] = 1e-12;
    expect(() => validateBars(bars)).toThrow(/row 10, column "low": 1e-12 is outside the price range 1e-8 … 1e12/);
  });
});

describe('data inspect lists out-of-range prices as problems', () => {
  it('counts every out-of-range cell and leaves those rows out of the close statistics', async () => {
    const r = await inspectBars(googWith('GOOG_inspect.csv', '1e-320', [3]));
    expect(r.validRows).toBe(2147);
    expect(r.problems.total).toBe(4);
    expect(r.problems.shown.map((p) => [p.code, p.row, p.field])).toEqual([
      ['PRICE_OUT_OF_RANGE', 3, 'open'], ['PRICE_OUT_OF_RANGE', 3, 'high'], ['PRICE_OUT_OF_RANGE', 3, 'low'], ['PRICE_OUT_OF_RANGE', 3, 'close'],
    ]);
    expect(r.close!.min).toBeGreaterThan(90);
  });

  it('prints tiny prices in exponent form, never as 0', async () => {
    const r = await inspectBars(googWith('GOOG_tiny.csv', '2.5e-8', [1]));
    expect(r.problems.total).toBe(0);
    expect(formatInspectReport(r)).toMatch(/close {5}min 2\.5e-8, max 806\.85/);
  });

  it('the CLI exits 1 with the problems in the report, and backtest refuses with one line', () => {
    const file = googWith('GOOG_all_subnormal.csv', '1e-320', 'all');
    const inspect = stratlab('data', 'inspect', file, '--json');
    expect(inspect.code).toBe(1);
    const report = JSON.parse(inspect.out);
    expect(report.validRows).toBe(0);
    expect(report.problems.total).toBe(4 * 2148);
    expect(report.problems.shown[0]).toMatchObject({ code: 'PRICE_OUT_OF_RANGE', row: 1, field: 'open' });

    const backtest = stratlab('backtest', '--data', file, '--strategy', 'SmaCross', '--no-run');
    expect(backtest.code).toBe(1);
    expect(backtest.out).toBe('');
    const lines = backtest.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^stratlab backtest: GOOG_all_subnormal\.csv: row 1 \(line 2\), column "open": 1e-320 is outside the price range 1e-8 … 1e12 at 2004-08-19 \(/);
  });
});
