import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StratlabError } from '../lib/core/errors';
import type { Bars } from '../lib/core/bars';
import { detectTimeframe, loadBars, syntheticBars, writeBarsCsv, writeBarsJson, writeBarsParquet } from '../lib/data';
import { BTCUSD, EURUSD, GOOG } from './helpers/paths';
import { loadError } from './helpers/load-error';

const iso = (ms: number) => new Date(ms).toISOString();
const FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-data-load-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes a small file into the temp dir and returns its path. */
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}


describe('loadBars on the shared market data', () => {
  it('loads GOOG.csv as 2,148 daily bars named GOOG, from 2004-08-19 to 2013-03-01', async () => {
    const bars = await loadBars(GOOG);
    expect(bars.symbol).toBe('GOOG');
    expect(bars.timeframe).toBe('1d');
    expect(bars.time.length).toBe(2148);
    expect(iso(bars.time[0])).toBe('2004-08-19T00:00:00.000Z');
    expect(iso(bars.time[2147])).toBe('2013-03-01T00:00:00.000Z');
    expect([bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.volume[0]]).toEqual([100, 104.06, 95.96, 100.34, 22351900]);
    for (const f of FIELDS) expect(bars[f]).toBeInstanceOf(Float64Array);
    expect(bars.repairs).toBeUndefined();
  });

  it('loads EURUSD.csv as 5,000 hourly bars, reading naive datetimes as UTC', async () => {
    const bars = await loadBars(EURUSD);
    expect(bars.symbol).toBe('EURUSD');
    expect(bars.timeframe).toBe('1h');
    expect(bars.time.length).toBe(5000);
    expect(iso(bars.time[0])).toBe('2017-04-19T09:00:00.000Z');
    expect(iso(bars.time[4999])).toBe('2018-02-07T15:00:00.000Z');
    expect([bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.volume[0]]).toEqual([1.0716, 1.0722, 1.07083, 1.07219, 1413]);
  });

  it("loads BTCUSD.csv as 156 monthly bars and calls the timeframe '1M'", async () => {
    const bars = await loadBars(BTCUSD);
    expect(bars.timeframe).toBe('1M');
    expect(bars.time.length).toBe(156);
    expect(iso(bars.time[0])).toBe('2012-01-31T00:00:00.000Z');
    expect(iso(bars.time[155])).toBe('2024-12-31T00:00:00.000Z');
    expect([bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.volume[0]]).toEqual([4.58, 7.38, 3.8, 5.55, 2012.25343589]);
  });

  it('uses the symbol and timeframe it is given instead of guessing', async () => {
    const bars = await loadBars(GOOG, { symbol: 'GOOGL', timeframe: '1d' });
    expect(bars.symbol).toBe('GOOGL');
    expect(bars.timeframe).toBe('1d');
  });
});

describe('timestamps: every flavour becomes epoch ms UTC', () => {
  const at9 = Date.UTC(2017, 3, 19, 9);
  const cases: [string, string, string][] = [
    ['ISO dates', 'Date', '2017-04-19\n2017-04-20'],
    ['naive datetimes (UTC)', 'Datetime', '2017-04-19 09:00:00\n2017-04-19 10:00:00'],
    ['datetimes without seconds', 'Datetime', '2017-04-19 09:00\n2017-04-19 10:00'],
    ['datetimes with Z', 'timestamp', '2017-04-19T09:00:00Z\n2017-04-19T10:00:00Z'],
    ['datetimes with an offset', 'time', '2017-04-19T11:00:00+02:00\n2017-04-19T12:00:00+02:00'],
    ['epoch seconds', 'ts', '1492592400\n1492596000'],
    ['epoch milliseconds', 'Open time', '1492592400000\n1492596000000'],
    ['epoch microseconds', 't', '1492592400000000\n1492596000000000'],
    ['epoch nanoseconds', 't', '1492592400000000000\n1492596000000000000'],
  ];
  for (const [what, header, times] of cases) {
    it(`reads ${what} from CSV`, async () => {
      const rows = times.split('\n').map((t) => `${t},1,2,0.5,1.5,10`);
      const bars = await loadBars(file(`ts-${header}-${what.replace(/\W/g, '')}.csv`, `${header},open,high,low,close,volume\n${rows.join('\n')}\n`));
      const expected = what === 'ISO dates' ? [Date.UTC(2017, 3, 19), Date.UTC(2017, 3, 20)] : [at9, at9 + 3_600_000];
      expect(Array.from(bars.time)).toEqual(expected);
    });
  }

  it('reads the same flavours from JSON', async () => {
    const rows = [
      { time: '2017-04-19T09:00:00Z', open: 1, high: 2, low: 0.5, close: 1.5 },
      // No naive time here: beside +02:00 it would be refused as ambiguous (naive JSON times are read further down).
      { time: '2017-04-19T10:00:00.000Z', open: 1, high: 2, low: 0.5, close: 1.5 },
      { time: '2017-04-19T13:00:00+02:00', open: 1, high: 2, low: 0.5, close: 1.5 },
      { time: 1492603200, open: 1, high: 2, low: 0.5, close: 1.5 },
      { time: 1492606800000, open: 1, high: 2, low: 0.5, close: 1.5 },
      { time: '1492610400000', open: 1, high: 2, low: 0.5, close: 1.5 },
    ];
    const bars = await loadBars(file('flavours.json', JSON.stringify(rows)));
    expect(Array.from(bars.time)).toEqual([0, 1, 2, 3, 4, 5].map((h) => at9 + h * 3_600_000));
  });
});

describe('column names', () => {
  it('matches names case-insensitively and knows the short aliases o/h/l/c/v', async () => {
    const bars = await loadBars(file('short.csv', 'DATE,O,H,L,C,V\n2024-01-02,10,11,9,10.5,100\n'));
    expect([bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.volume[0]]).toEqual([10, 11, 9, 10.5, 100]);
  });

  it('prefers Close over Adj Close, and uses Adj Close only when there is no Close', async () => {
    const both = await loadBars(file('both.csv', 'Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,10,11,9,10.5,10.2,100\n'));
    expect(both.close[0]).toBe(10.5);
    const adjOnly = await loadBars(file('adj.csv', 'Date,Open,High,Low,Adj Close,Volume\n2024-01-02,10,11,9,10.2,100\n'));
    expect(adjOnly.close[0]).toBe(10.2);
  });

  it('follows an explicit mapping', async () => {
    const p = file('mapped.csv', 'When,First,Max,Min,Last,Shares\n2024-01-02,10,11,9,10.5,100\n');
    const bars = await loadBars(p, { columns: { time: 'When', open: 'First', high: 'Max', low: 'Min', close: 'Last', volume: 'shares' } });
    expect([bars.time[0], bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.volume[0]]).toEqual([Date.UTC(2024, 0, 2), 10, 11, 9, 10.5, 100]);
  });

  it('fills volume with zeros when the file has none', async () => {
    const bars = await loadBars(file('novol.csv', 'Date,Open,High,Low,Close\n2024-01-02,10,11,9,10.5\n2024-01-03,10,11,9,10.5\n'));
    expect(Array.from(bars.volume)).toEqual([0, 0]);
  });

  it('names the file and the columns it found when a required column is missing', async () => {
    const e = await loadError(file('noclose.csv', 'Date,Open,High,Low,Volume\n2024-01-02,10,11,9,100\n'));
    expect(e.code).toBe('MISSING_COLUMN');
    expect(e.message).toBe('noclose.csv: no "close" column (found: Date, Open, High, Low, Volume)');
    expect(e.hint).toBe("name a column Close, c or Adj Close, or map one: { columns: { close: 'YourColumn' } }");
  });

  it('says so when an explicitly mapped column does not exist', async () => {
    const e = await loadError(GOOG, { columns: { close: 'Last' } });
    expect(e.code).toBe('MISSING_COLUMN');
    expect(e.message).toBe('GOOG.csv: no column "Last" for close (found: Date, Open, High, Low, Close, Volume)');
  });
});

describe('JSON shapes', () => {
  const rows = [
    { Date: '2024-01-02', Open: 10, High: 11, Low: 9, Close: 10.5, Volume: 100 },
    { Date: '2024-01-03', Open: 10.5, High: 11.5, Low: 10, Close: 11, Volume: 200 },
  ];
  const expectTwoDays = (bars: Bars) => {
    expect(Array.from(bars.time)).toEqual([Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3)]);
    expect(Array.from(bars.close)).toEqual([10.5, 11]);
    expect(Array.from(bars.volume)).toEqual([100, 200]);
    expect(bars.timeframe).toBe('1d');
  };

  it('reads an array of row objects', async () => {
    expectTwoDays(await loadBars(file('rows.json', JSON.stringify(rows))));
  });

  it('reads JSON lines', async () => {
    expectTwoDays(await loadBars(file('rows.jsonl', rows.map((r) => JSON.stringify(r)).join('\n') + '\n')));
  });

  it('reads a columnar object, taking symbol and timeframe from it when present', async () => {
    const columnar = { symbol: 'ABC', timeframe: '1d', time: ['2024-01-02', '2024-01-03'], open: [10, 10.5], high: [11, 11.5], low: [9, 10], close: [10.5, 11], volume: [100, 200] };
    const bars = await loadBars(file('columns.json', JSON.stringify(columnar)));
    expectTwoDays(bars);
    expect(bars.symbol).toBe('ABC');
  });

  it('reports invalid JSON with the line it broke on (JSON lines)', async () => {
    const e = await loadError(file('broken.jsonl', `${JSON.stringify(rows[0])}\n{"Date": "2024-01-03", oops}\n`));
    expect(e.code).toBe('PARSE_ERROR');
    expect(e.message).toMatch(/^broken\.jsonl: line 2: not valid JSON \(/);
  });
});

describe('round trips: CSV, Parquet and JSON hold the same bars', () => {
  const bars = syntheticBars({ n: 3000, timeframe: '5m', seed: 11, session: { open: '14:30', close: '21:00' }, symbol: 'RT' });

  const expectSameBars = (loaded: Bars) => {
    for (const f of FIELDS) expect(Array.from(loaded[f]), f).toEqual(Array.from(bars[f]));
    expect(loaded.timeframe).toBe('5m');
  };

  it('CSV → loadBars gives identical arrays', async () => {
    const p = path.join(dir, 'RT.csv');
    await writeBarsCsv(bars, p);
    expect(fs.readFileSync(p, 'utf8').split('\n')[1]).toMatch(/^2020-01-01T14:30:00Z,100,/);
    expectSameBars(await loadBars(p));
  });

  it('Parquet → loadBars gives identical arrays', async () => {
    const p = path.join(dir, 'RT.parquet');
    await writeBarsParquet(bars, p);
    expectSameBars(await loadBars(p));
  });

  it('JSON (columns, rows and lines) → loadBars gives identical arrays', async () => {
    for (const shape of ['columns', 'rows', 'lines'] as const) {
      const p = path.join(dir, `RT-${shape}.json`);
      await writeBarsJson(bars, p, { shape });
      expectSameBars(await loadBars(p));
    }
  });

  it('CSV → Parquet → JSON → CSV keeps every value', async () => {
    const a = path.join(dir, 'chain.csv'), b = path.join(dir, 'chain.parquet'), c = path.join(dir, 'chain.json'), d = path.join(dir, 'chain2.csv');
    await writeBarsCsv(bars, a);
    await writeBarsParquet(await loadBars(a), b);
    await writeBarsJson(await loadBars(b), c);
    await writeBarsCsv(await loadBars(c), d);
    expectSameBars(await loadBars(d));
    expect(fs.readFileSync(d, 'utf8')).toBe(fs.readFileSync(a, 'utf8'));
  });

  it('writes daily bars with date-only timestamps and leaves no temp files behind', async () => {
    const goog = await loadBars(GOOG);
    const p = path.join(dir, 'out', 'GOOG.csv');
    await writeBarsCsv(goog, p);
    const text = fs.readFileSync(p, 'utf8');
    expect(text.split('\n').slice(0, 2)).toEqual(['time,open,high,low,close,volume', '2004-08-19,100,104.06,95.96,100.34,22351900']);
    expect(fs.readdirSync(path.dirname(p))).toEqual(['GOOG.csv']);
  });
});

describe('formats and options', () => {
  it('takes the format from the option when the extension does not tell', async () => {
    const p = file('bars.txt.data', 'Date,Open,High,Low,Close\n2024-01-02,10,11,9,10.5\n');
    const e = await loadError(p);
    expect(e.code).toBe('UNSUPPORTED_FORMAT');
    expect(e.message).toBe('bars.txt.data: cannot tell the format from ".data"');
    expect((await loadBars(p, { format: 'csv' })).close[0]).toBe(10.5);
  });

  it('refuses a misspelt option and suggests the right one', async () => {
    const e = await loadError(GOOG, { repiar: true } as never);
    expect(e.code).toBe('BAD_ARGUMENT');
    expect(e.message).toBe('loadBars options: unknown option "repiar"');
    expect(e.hint).toBe('did you mean "repair"?');
  });

  it('refuses a format it does not know', async () => {
    const e = await loadError(GOOG, { format: 'xls' } as never);
    expect(e.message).toBe(`loadBars options: format: expected 'csv' | 'parquet' | 'json', got "xls"`);
  });

  it('refuses a timeframe label it cannot use', async () => {
    const e = await loadError(GOOG, { timeframe: 'daily' });
    expect(e.message).toBe("loadBars options: timeframe: expected a timeframe such as '1m', '5m', '1h', '1d', '1w' or '1M'");
  });
});

describe('detectTimeframe', () => {
  const MIN = 60_000, H = 60 * MIN, D = 24 * H;
  it('takes the most common spacing, so weekend gaps do not matter', () => {
    const days = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14].map((d) => d * D);
    expect(detectTimeframe(Float64Array.from(days))).toBe('1d');
  });
  it("labels minutes, hours and weeks, and calendar months as '1M'", () => {
    expect(detectTimeframe(Float64Array.from([0, 5, 10, 15].map((m) => m * MIN)))).toBe('5m');
    expect(detectTimeframe(Float64Array.from([0, 4, 8].map((h) => h * H)))).toBe('4h');
    expect(detectTimeframe(Float64Array.from([0, 7, 14].map((d) => d * D)))).toBe('1w');
    expect(detectTimeframe(Float64Array.from([Date.UTC(2024, 0, 31), Date.UTC(2024, 1, 29), Date.UTC(2024, 2, 31)]))).toBe('1M');
  });
  it("says 'irregular' for a single bar", () => {
    expect(detectTimeframe(Float64Array.from([0]))).toBe('irregular');
  });
});

describe('loadBars with a timezone for naive datetimes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-tz-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const header = 'Date,Open,High,Low,Close,Volume';
  // 09:30 New York is 14:30 UTC in winter (EST) and 13:30 UTC in summer (EDT).
  const csv = path.join(dir, 'spy.csv');
  fs.writeFileSync(csv, [header, '2024-01-02 09:30:00,1,2,0.5,1.5,1', '2024-07-01 09:30:00,1,2,0.5,1.5,1', '2024-07-01T18:00:00Z,1,2,0.5,1.5,1'].join('\n'));

  it('reads naive CSV datetimes as New York wall-clock time, across daylight saving', async () => {
    const bars = await loadBars(csv, { timezone: 'America/New_York' });
    expect(Array.from(bars.time, (t) => new Date(t).toISOString())).toEqual([
      '2024-01-02T14:30:00.000Z', '2024-07-01T13:30:00.000Z', '2024-07-01T18:00:00.000Z',
    ]);
  });

  it('treats naive datetimes as UTC without the option', async () => {
    const bars = await loadBars(csv);
    expect(new Date(bars.time[0]).toISOString()).toBe('2024-01-02T09:30:00.000Z');
  });

  it('gives the same instants for a column DuckDB types as TIMESTAMP and for JSON', async () => {
    const plain = path.join(dir, 'plain.csv');
    fs.writeFileSync(plain, [header, '2024-01-02 09:30:00,1,2,0.5,1.5,1', '2024-07-01 09:30:00,1,2,0.5,1.5,1'].join('\n'));
    const json = path.join(dir, 'plain.json');
    fs.writeFileSync(json, JSON.stringify([
      { Date: '2024-01-02 09:30:00', Open: 1, High: 2, Low: 0.5, Close: 1.5, Volume: 1 },
      { Date: '2024-07-01 09:30:00', Open: 1, High: 2, Low: 0.5, Close: 1.5, Volume: 1 },
    ]));
    const want = [Date.UTC(2024, 0, 2, 14, 30), Date.UTC(2024, 6, 1, 13, 30)];
    expect(Array.from((await loadBars(plain, { timezone: 'America/New_York' })).time)).toEqual(want);
    expect(Array.from((await loadBars(json, { timezone: 'America/New_York' })).time)).toEqual(want);
  });

  it('places wall times around daylight-saving changes the same way in CSV (DuckDB) and JSON', async () => {
    const walls: string[] = [];
    for (const day of ['2024-03-10', '2024-11-03']) {
      for (let h = 0; h < 24; h++) {
        for (const m of ['00', '30']) {
          if (day === '2024-03-10' && h === 2) continue; // 02:00–02:59 does not exist that night
          walls.push(`${day} ${String(h).padStart(2, '0')}:${m}:00`);
        }
      }
    }
    const rows = walls.map((w) => ({ Date: w, Open: 1, High: 2, Low: 0.5, Close: 1.5, Volume: 1 }));
    const viaCsv = path.join(dir, 'dst.csv');
    fs.writeFileSync(viaCsv, [header, ...walls.map((w) => `${w},1,2,0.5,1.5,1`)].join('\n'));
    const viaJson = path.join(dir, 'dst.json');
    fs.writeFileSync(viaJson, JSON.stringify(rows));
    const a = await loadBars(viaCsv, { timezone: 'America/New_York' });
    const b = await loadBars(viaJson, { timezone: 'America/New_York' });
    expect(Array.from(b.time)).toEqual(Array.from(a.time));
    // 01:30 on the fall-back night happens twice; like DuckDB we take the second (EST) one.
    expect(new Date(a.time[walls.indexOf('2024-11-03 01:30:00')]).toISOString()).toBe('2024-11-03T06:30:00.000Z');
  });

  it('never shifts calendar dates', async () => {
    const daily = path.join(dir, 'daily.csv');
    fs.writeFileSync(daily, [header, '2024-01-02,1,2,0.5,1.5,1', '2024-01-03,1,2,0.5,1.5,1'].join('\n'));
    const bars = await loadBars(daily, { timezone: 'Asia/Tokyo' });
    expect(new Date(bars.time[0]).toISOString()).toBe('2024-01-02T00:00:00.000Z');
  });

  it('refuses an unknown zone naming the option', async () => {
    await expect(loadBars(csv, { timezone: 'Mars/Olympus' })).rejects.toThrow(
      "loadBars options: timezone: expected an IANA time zone such as 'America/New_York'",
    );
  });
});
