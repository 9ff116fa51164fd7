import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../lib/core/bars';
import { StratlabError } from '../lib/core/errors';
import { findProblems, loadBars, loadCellText, readRawColumns, validateBars, writeBarsParquet } from '../lib/data';
import { GOOG } from './helpers/paths';
import { writeGoogBad } from './helpers/goog-bad';
import { loadError } from './helpers/load-error';

const FIXTURES = path.resolve(__dirname, 'fixtures/data');
const GOOG_BAD = writeGoogBad();
const fixture = (name: string) => (name === 'GOOG_bad.csv' ? GOOG_BAD : path.join(FIXTURES, name));
const REPAIR_HINT = 'pass { repair: true } to drop bad rows';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-data-validate-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(path.dirname(GOOG_BAD), { recursive: true, force: true });
});


describe('loadBars stops at the first bad row with a message that points at it', () => {
  const cases: [file: string, code: string, message: string, hint: string][] = [
    [
      'GOOG_bad.csv',
      'HIGH_BELOW',
      'GOOG_bad.csv: row 17 (line 18), column "high": 101.2 is below close 102.5 at 2004-09-13',
      REPAIR_HINT,
    ],
    [
      'unsorted.csv',
      'UNSORTED',
      'unsorted.csv: row 4 (line 5), column "time": 2024-01-04 comes before 2024-01-05 in row 3',
      'sort the rows by time, or pass { repair: true } to sort them on load',
    ],
    [
      'duplicate.csv',
      'DUPLICATE_TIMESTAMP',
      'duplicate.csv: row 3 (line 4), column "time": 2024-01-03 repeats row 2',
      'pass { repair: true } to drop duplicate rows (the first is kept)',
    ],
    ['missing_value.csv', 'MISSING_VALUE', 'missing_value.csv: row 2 (line 3), column "close": value is missing', REPAIR_HINT],
    ['nan_text.csv', 'MISSING_VALUE', 'nan_text.csv: row 3 (line 4), column "high": value is missing ("NaN")', REPAIR_HINT],
    ['not_a_number.csv', 'NOT_A_NUMBER', 'not_a_number.csv: row 2 (line 3), column "close": "n/a" is not a number', REPAIR_HINT],
    ['non_positive.csv', 'NON_POSITIVE_PRICE', 'non_positive.csv: row 2 (line 3), column "low": 0 is not a positive price at 2024-01-03', REPAIR_HINT],
    ['low_above.csv', 'LOW_ABOVE', 'low_above.csv: row 2 (line 3), column "low": 10.6 is above open 10.5 at 2024-01-03', REPAIR_HINT],
    ['negative_volume.csv', 'NEGATIVE_VOLUME', 'negative_volume.csv: row 3 (line 4), column "volume": -90 is negative at 2024-01-04', REPAIR_HINT],
    [
      'bad_timestamp.csv',
      'BAD_TIMESTAMP',
      'bad_timestamp.csv: row 3 (line 4), column "time": "2024-02-30" is not a timestamp',
      `use ISO dates or datetimes (2004-08-19, 2017-04-19 09:00:00, …Z, …+02:00) or epoch seconds/milliseconds, or ${REPAIR_HINT}`,
    ],
    [
      'missing_column.csv',
      'MISSING_COLUMN',
      'missing_column.csv: no "close" column (found: Date, Open, High, Low, Volume)',
      "name a column Close, c or Adj Close, or map one: { columns: { close: 'YourColumn' } }",
    ],
    [
      'ragged.csv',
      'PARSE_ERROR',
      'ragged.csv: cannot read as CSV: line 3 has 7 fields, the header has 6',
      'every line needs the same columns as the header',
    ],
    ['empty.csv', 'EMPTY_DATA', 'empty.csv: the file is empty', 'a bars file needs a header and at least one row'],
    ['header_only.csv', 'EMPTY_DATA', 'header_only.csv: no data rows, only a header line', 'a bars file needs a header and at least one row'],
  ];
  for (const [name, code, message, hint] of cases) {
    it(`${code}: ${name}`, async () => {
      const e = await loadError(fixture(name));
      expect(e.code).toBe(code);
      expect(e.message).toBe(message);
      expect(e.hint).toBe(hint);
      expect(e.location.file).toBe(fixture(name));
    });
  }

  it('puts the row and column in the error location too', async () => {
    const e = await loadError(fixture('GOOG_bad.csv'));
    expect(e.location).toEqual({ file: fixture('GOOG_bad.csv'), row: 17, field: 'high' });
    expect(e.oneLine()).toBe(`${e.message} (${REPAIR_HINT})`);
  });

  it('says where it looked when the file does not exist', async () => {
    const missing = path.join(dir, 'nope.csv');
    const e = await loadError(missing);
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect(e.message).toBe(`${missing}: file not found`);
    expect(e.hint).toBe(`looked for ${missing}`);
  });

  it('reports high below low as such', async () => {
    const p = path.join(dir, 'swapped.csv');
    fs.writeFileSync(p, 'Date,Open,High,Low,Close\n2024-01-02,10,9,11,10\n');
    expect((await loadError(p)).message).toBe('swapped.csv: row 1 (line 2), column "high": 9 is below low 11 at 2024-01-02');
  });
});

describe('problems far into a large CSV (past what DuckDB samples to guess types)', () => {
  const header = 'Date,Open,High,Low,Close,Volume\n';
  const rows = (n: number, bad: (i: number) => string | undefined) => {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const day = new Date(Date.UTC(1950, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      lines.push(bad(i) ?? `${day},10,11,9,10.5,100`);
    }
    return header + lines.join('\n') + '\n';
  };

  it('finds non-numeric text at row 30,000', async () => {
    const p = path.join(dir, 'late_text.csv');
    fs.writeFileSync(p, rows(40_000, (i) => (i === 29_999 ? '2032-02-19,10,11,9,ten,100' : undefined)));
    const e = await loadError(p);
    expect(e.message).toBe('late_text.csv: row 30000 (line 30001), column "close": "ten" is not a number');
  });

  it('finds a line with an extra field at line 30,001', async () => {
    const p = path.join(dir, 'late_ragged.csv');
    fs.writeFileSync(p, rows(40_000, (i) => (i === 29_999 ? '2032-02-19,10,11,9,10.5,100,7' : undefined)));
    const e = await loadError(p);
    expect(e.code).toBe('PARSE_ERROR');
    expect(e.message).toBe('late_ragged.csv: cannot read as CSV: line 30001 has 7 fields, the header has 6');
  });

  it('finds a bad date at row 30,000', async () => {
    const p = path.join(dir, 'late_date.csv');
    fs.writeFileSync(p, rows(40_000, (i) => (i === 29_999 ? '2032-13-45,10,11,9,10.5,100' : undefined)));
    const e = await loadError(p);
    expect(e.code).toBe('BAD_TIMESTAMP');
    expect(e.message).toBe('late_date.csv: row 30000 (line 30001), column "time": "2032-13-45" is not a timestamp');
  });
});

describe('problems in Parquet and JSON files', () => {
  const bars = (): Bars => ({
    symbol: 'X',
    timeframe: '1d',
    time: Float64Array.from([0, 1, 2].map((d) => Date.UTC(2024, 0, 2 + d))),
    open: Float64Array.from([10, 10, 10]),
    high: Float64Array.from([11, 11, 11]),
    low: Float64Array.from([9, 9, 9]),
    close: Float64Array.from([10, 10, 10]),
    volume: Float64Array.from([1, 1, 1]),
  });

  it('names the row of a Parquet file (Parquet has no lines)', async () => {
    const b = bars();
    b.high[2] = 9.5;
    const p = path.join(dir, 'bad.parquet');
    await writeBarsParquet(b, p);
    expect((await loadError(p)).message).toBe('bad.parquet: row 3, column "high": 9.5 is below close 10 at 2024-01-04');
  });

  it('quotes non-numeric text and names missing values in JSON', async () => {
    const p = path.join(dir, 'bad.json');
    fs.writeFileSync(
      p,
      JSON.stringify([
        { date: '2024-01-02', open: 10, high: 11, low: 9, close: 10 },
        { date: '2024-01-03', open: 10, high: 11, low: 9, close: 'ten' },
        { date: '2024-01-04', open: 10, high: 11, low: null, close: 10 },
      ]),
    );
    expect((await loadError(p)).message).toBe('bad.json: row 2, column "close": "ten" is not a number');
    const { problems } = findProblems(await readRawColumns(p));
    expect(problems.map((x) => x.message)).toEqual([
      'bad.json: row 2, column "close": "ten" is not a number',
      'bad.json: row 3, column "low": value is missing',
    ]);
  });
});

describe('repair: true', () => {
  it('drops bad and duplicate rows, sorts the rest, and reports what it did', async () => {
    const bars = await loadBars(fixture('messy.csv'), { repair: true });
    expect(Array.from(bars.time, (t) => new Date(t).toISOString().slice(0, 10))).toEqual(['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-08']);
    expect(Array.from(bars.close)).toEqual([10.5, 10.8, 11.2, 11.4]);
    expect(bars.repairs).toEqual({
      sorted: true,
      duplicatesDropped: 1,
      dropped: [
        { row: 3, reason: 'duplicate timestamp (row 2 kept)' },
        { row: 6, reason: 'column "close": "abc" is not a number' },
        { row: 7, reason: 'column "high": 11.3 is below close 11.5 at 2024-01-09' },
        { row: 8, reason: 'column "volume": -5 is negative at 2024-01-10' },
      ],
      rowsIn: 8,
      rowsOut: 4,
    });
  });

  it('keeps the first of two rows with the same timestamp', async () => {
    const bars = await loadBars(fixture('duplicate.csv'), { repair: true });
    expect(Array.from(bars.close)).toEqual([10.5, 10.8, 11]);
    expect(bars.repairs?.duplicatesDropped).toBe(1);
  });

  it('never touches the source file', async () => {
    const before = crypto.createHash('sha256').update(fs.readFileSync(fixture('messy.csv'))).digest('hex');
    await loadBars(fixture('messy.csv'), { repair: true });
    const after = crypto.createHash('sha256').update(fs.readFileSync(fixture('messy.csv'))).digest('hex');
    expect(after).toBe(before);
  });

  it('reports nothing done on a clean file', async () => {
    const bars = await loadBars(GOOG, { repair: true });
    expect(bars.repairs).toEqual({ sorted: false, duplicatesDropped: 0, dropped: [], rowsIn: 2148, rowsOut: 2148 });
  });

  it('fails with EMPTY_DATA when no row survives', async () => {
    const p = path.join(dir, 'allbad.csv');
    fs.writeFileSync(p, 'Date,Open,High,Low,Close\n2024-01-02,10,9,8,10.5\n2024-01-03,-1,11,9,10\n');
    const e = await loadError(p, { repair: true });
    expect(e.code).toBe('EMPTY_DATA');
    expect(e.message).toBe('allbad.csv: no valid rows left after repair (2 dropped)');
  });
});

describe('findProblems', () => {
  it('says "missing or not a number" until the cell text is looked up', async () => {
    const raw = await readRawColumns(fixture('not_a_number.csv'));
    expect(findProblems(raw).problems[0].message).toBe('not_a_number.csv: row 2 (line 3), column "close": value is missing or not a number');
    await loadCellText(raw);
    expect(findProblems(raw).problems[0].message).toBe('not_a_number.csv: row 2 (line 3), column "close": "n/a" is not a number');
  });

  it('lists every problem in row order, with a total beyond the limit', async () => {
    const raw = await loadCellText(await readRawColumns(fixture('messy.csv')));
    const all = findProblems(raw);
    expect(all.total).toBe(5);
    expect(all.problems.map((p) => [p.code, p.row, p.line, p.field])).toEqual([
      ['DUPLICATE_TIMESTAMP', 3, 4, 'time'],
      ['UNSORTED', 5, 6, 'time'],
      ['NOT_A_NUMBER', 6, 7, 'close'],
      ['HIGH_BELOW', 7, 8, 'high'],
      ['NEGATIVE_VOLUME', 8, 9, 'volume'],
    ]);
    const two = findProblems(raw, { limit: 2 });
    expect(two.problems).toHaveLength(2);
    expect(two.total).toBe(5);
  });
});

describe('validateBars', () => {
  it('passes good Bars through and throws the first problem of bad ones', () => {
    const bars: Bars = {
      symbol: 'X',
      timeframe: '1d',
      time: Float64Array.from([Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3)]),
      open: Float64Array.from([10, 10]),
      high: Float64Array.from([11, 11]),
      low: Float64Array.from([9, 9]),
      close: Float64Array.from([10, NaN]),
      volume: Float64Array.from([1, 1]),
    };
    expect(() => validateBars({ ...bars, close: Float64Array.from([10, 10]) })).not.toThrow();
    expect(() => validateBars(bars)).toThrow('X: row 2, column "close": value is missing or not a number');
  });
});
