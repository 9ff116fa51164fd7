import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findGaps, formatInspectReport, inspectBars, loadBars, syntheticBars } from '../lib/data';
import { BTCUSD, EURUSD, GOOG } from './helpers/paths';
import { writeGoogBad } from './helpers/goog-bad';

const GOOG_BAD = writeGoogBad();
const fixture = (name: string) => (name === 'GOOG_bad.csv' ? GOOG_BAD : path.resolve(__dirname, 'fixtures/data', name));

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-data-inspect-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(path.dirname(GOOG_BAD), { recursive: true, force: true });
});

describe('inspectBars on a file', () => {
  it('describes EURUSD.csv: 5,000 hourly bars whose 42 gaps are all weekends', async () => {
    const r = await inspectBars(EURUSD);
    expect(r).toMatchObject({
      file: EURUSD,
      format: 'csv',
      symbol: 'EURUSD',
      rows: 5000,
      validRows: 5000,
      first: '2017-04-19T09:00:00.000Z',
      last: '2018-02-07T15:00:00.000Z',
      timeframe: '1h',
      volume: true,
      close: { min: 1.06876, max: 1.2515, first: 1.07219, last: 1.22904 },
      problems: { total: 0, shown: [] },
    });
    expect(r.columns).toEqual({ time: 'Date', open: 'Open', high: 'High', low: 'Low', close: 'Close', volume: 'Volume' });
    expect(r.gaps.count).toBe(42);
    expect(r.gaps.closedMarket).toBe(42);
    expect(r.gaps.other).toBe(0);
    expect(r.gaps.largest[0]).toEqual({ from: '2017-12-22T21:00:00.000Z', to: '2017-12-25T22:00:00.000Z', missingBars: 72, kind: 'weekend' });
    expect(r.gaps.largest).toHaveLength(5);
  });

  it('tells weekends from holidays in daily stock data', async () => {
    const r = await inspectBars(GOOG);
    expect(r.timeframe).toBe('1d');
    expect(r.gaps.count).toBe(r.gaps.closedMarket + r.gaps.other);
    expect(r.gaps.closedMarket).toBeGreaterThan(400);
    // New Year 2007 plus the national day of mourning for President Ford: Friday to Wednesday.
    expect(r.gaps.largest[0]).toEqual({ from: '2006-12-29T00:00:00.000Z', to: '2007-01-03T00:00:00.000Z', missingBars: 4, kind: 'other' });
  });

  it('sees no gaps in continuous monthly bars', async () => {
    const r = await inspectBars(BTCUSD);
    expect(r.timeframe).toBe('1M');
    expect(r.gaps.count).toBe(0);
  });

  it('lists the problems of a broken file instead of throwing', async () => {
    const r = await inspectBars(fixture('messy.csv'));
    expect(r.rows).toBe(8);
    expect(r.validRows).toBe(4);
    expect(r.problems.total).toBe(5);
    expect(r.problems.shown.map((p) => p.message)).toEqual([
      'messy.csv: row 3 (line 4), column "time": 2024-01-03 repeats row 2',
      'messy.csv: row 5 (line 6), column "time": 2024-01-04 comes before 2024-01-08 in row 4',
      'messy.csv: row 6 (line 7), column "close": "abc" is not a number',
      'messy.csv: row 7 (line 8), column "high": 11.3 is below close 11.5 at 2024-01-09',
      'messy.csv: row 8 (line 9), column "volume": -5 is negative at 2024-01-10',
    ]);
    expect(r.first).toBe('2024-01-02T00:00:00.000Z');
    expect(r.last).toBe('2024-01-08T00:00:00.000Z');
  });

  it('caps the list of problems but counts them all', async () => {
    const lines = ['Date,Open,High,Low,Close'];
    for (let d = 1; d <= 28; d++) lines.push(`2024-02-${String(d).padStart(2, '0')},10,9,8,10`); // high below open every day
    const p = path.join(dir, 'highs.csv');
    fs.writeFileSync(p, lines.join('\n') + '\n');
    const r = await inspectBars(p);
    expect(r.problems.total).toBe(28);
    expect(r.problems.shown).toHaveLength(20);
    expect(r.validRows).toBe(0);
    expect((await inspectBars(p, { limit: 3 })).problems.shown).toHaveLength(3);
  });

  it('says when a file has no volume column', async () => {
    const p = path.join(dir, 'novolume.csv');
    fs.writeFileSync(p, 'Date,Open,High,Low,Close\n2024-01-02,10,11,9,10.5\n2024-01-03,10,11,9,10.5\n');
    const r = await inspectBars(p);
    expect(r.volume).toBe(false);
    expect(r.columns?.volume).toBeNull();
    expect(formatInspectReport(r)).toContain('volume    absent (loaded as zeros)');
  });

  it('reports an empty file as a problem rather than failing', async () => {
    const r = await inspectBars(fixture('empty.csv'));
    expect(r.rows).toBe(0);
    expect(r.problems.shown.map((p) => [p.code, p.message])).toEqual([['EMPTY_DATA', 'empty.csv: the file is empty']]);
  });
});

describe('inspectBars on Bars in memory', () => {
  it('finds the overnight and weekend gaps of an intraday session', async () => {
    const bars = syntheticBars({ n: 2000, timeframe: '5m', session: { open: '14:30', close: '21:00' } });
    const r = await inspectBars(bars);
    expect(r.file).toBeUndefined();
    expect(r.symbol).toBe('SYNTH');
    expect(r.timeframe).toBe('5m');
    expect(r.rows).toBe(2000);
    // 2,000 bars of 78 a day: 26 sessions, so 25 gaps, every one of them a closed market.
    expect(r.gaps.count).toBe(Math.ceil(2000 / 78) - 1);
    expect(r.gaps.other).toBe(0);
    expect(r.gaps.largest[0]).toMatchObject({ kind: 'weekend', missingBars: 786 });
  });

  it('calls the 20 weekday overnight breaks closed-market gaps and the 5 weekends weekends', () => {
    const bars = syntheticBars({ n: 2000, timeframe: '5m', session: { open: '14:30', close: '21:00' } });
    const all = findGaps(bars.time, '5m', Infinity).largest;
    expect(all.filter((g) => g.kind === 'weekend')).toHaveLength(5);
    expect(all.filter((g) => g.kind === 'closed')).toHaveLength(20);
    expect(all.find((g) => g.kind === 'closed')).toMatchObject({ to: '2020-01-02T14:30:00.000Z', missingBars: 210 });
  });
});

describe('formatInspectReport', () => {
  it('prints one fact per line', async () => {
    const text = formatInspectReport(await inspectBars(EURUSD));
    expect(text).toBe(
      [
        'EURUSD.csv (csv)  symbol EURUSD, timeframe 1h',
        '  rows      5,000  2017-04-19T09:00:00Z → 2018-02-07T15:00:00Z',
        '  columns   time=Date open=Open high=High low=Low close=Close volume=Volume',
        '  volume    present',
        '  close     min 1.06876, max 1.2515, first 1.07219, last 1.22904',
        '  gaps      42 (42 weekend/closed market, 0 other)',
        '            2017-12-22T21:00:00Z → 2017-12-25T22:00:00Z  72 missing bars, weekend',
        '            2017-12-29T21:00:00Z → 2018-01-01T22:00:00Z  72 missing bars, weekend',
        '            2017-11-03T20:00:00Z → 2017-11-05T22:00:00Z  49 missing bars, weekend',
        '            2017-04-21T20:00:00Z → 2017-04-23T21:00:00Z  48 missing bars, weekend',
        '            2017-04-28T20:00:00Z → 2017-04-30T21:00:00Z  48 missing bars, weekend',
        '  problems  none',
      ].join('\n'),
    );
  });

  it('lists problems with their codes and a hint', async () => {
    const text = formatInspectReport(await inspectBars(fixture('GOOG_bad.csv')));
    expect(text).toContain('  rows      20 (19 valid)  2004-08-19 → 2004-09-16');
    expect(text).toContain('  problems  1\n            HIGH_BELOW  GOOG_bad.csv: row 17 (line 18), column "high": 101.2 is below close 102.5 at 2004-09-13');
    expect(text).toContain('  hint      pass { repair: true } to loadBars to drop bad rows and sort');
  });

  it('agrees with loadBars on what a clean file holds', async () => {
    const bars = await loadBars(GOOG);
    const r = await inspectBars(GOOG);
    expect(r.rows).toBe(bars.time.length);
    expect(r.timeframe).toBe(bars.timeframe);
  });
});
