import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInspectReport, inspectBars, loadBars } from '../lib/data';
import { EURUSD } from './helpers/paths';
import { loadError } from './helpers/load-error';

/**
 * EURUSD hourly (2017-04 → 2018-02) rewritten as a New York desk exports it: local wall-clock time
 * with its offset, -04:00 in summer and -05:00 after 2017-11-05. Both files are the same instants.
 */
const NY = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
function newYorkText(utcMs: number): string {
  const p: Record<string, string> = {};
  for (const part of NY.formatToParts(utcMs)) p[part.type] = part.value;
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  const offsetMin = (wall - utcMs) / 60_000;
  const sign = offsetMin < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(offsetMin) / 60)).padStart(2, '0');
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}${sign}${hh}:00`;
}

let dir: string;
let nyCsv: string;
let lines: string[];
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-data-offsets-'));
  const eur = await loadBars(EURUSD);
  lines = fs.readFileSync(EURUSD, 'utf8').trim().split('\n');
  const body = lines.slice(1).map((line, i) => `${newYorkText(eur.time[i])},${line.split(',').slice(1).join(',')}`);
  lines = [lines[0], ...body];
  nyCsv = path.join(dir, 'EURUSD_ny.csv');
  fs.writeFileSync(nyCsv, lines.join('\n') + '\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a file whose UTC offset changes with daylight saving (-04:00, then -05:00)', () => {
  it('loads as the same UTC instants as the UTC file, hourly, and says the offsets were normalised', async () => {
    expect(lines[1]).toMatch(/^2017-04-19 05:00:00-04:00,/);
    expect(lines.some((l) => l.includes('-05:00,'))).toBe(true);
    const [eur, ny] = await Promise.all([loadBars(EURUSD), loadBars(nyCsv)]);
    expect(ny.time).toEqual(eur.time);
    expect(ny.close).toEqual(eur.close);
    expect(ny.timeframe).toBe('1h');
    expect(ny.loadNotes).toEqual(['column "Date": UTC offsets -04:00, -05:00 normalised to UTC']);
    expect(eur.loadNotes).toBeUndefined();
  });

  it('is reported by inspect: offsets listed, timeframe 1h, the same weekend gaps, no problems', async () => {
    const [eur, ny] = await Promise.all([inspectBars(EURUSD), inspectBars(nyCsv)]);
    expect(ny.offsets).toEqual(['-04:00', '-05:00']);
    expect(eur.offsets).toBeUndefined();
    expect(ny).toMatchObject({ timeframe: '1h', rows: 5000, validRows: 5000, first: eur.first, last: eur.last, gaps: eur.gaps, problems: { total: 0 } });
    expect(formatInspectReport(ny)).toMatch(/^ {2}offsets {3}-04:00, -05:00 normalised to UTC$/m);
  });

  it('loads the same from JSON rows with offsets', async () => {
    const [header, ...body] = lines;
    const keys = header.split(',');
    const rows = body.map((l) => Object.fromEntries(l.split(',').map((v, k) => [keys[k], k === 0 ? v : Number(v)])));
    const file = path.join(dir, 'EURUSD_ny.json');
    fs.writeFileSync(file, JSON.stringify(rows));
    const [eur, ny] = await Promise.all([loadBars(EURUSD), loadBars(file)]);
    expect(ny.time).toEqual(eur.time);
    expect(ny.loadNotes).toEqual(['column "Date": UTC offsets -04:00, -05:00 normalised to UTC']);
  });
});

describe('a file that mixes zoned and naive times', () => {
  const mixed = () => {
    const copy = [...lines];
    copy[40] = copy[40].replace(/-0[45]:00,/, ','); // data row 39 loses its offset
    const file = path.join(dir, 'EURUSD_mixed.csv');
    fs.writeFileSync(file, copy.join('\n') + '\n');
    return file;
  };

  it('is refused, naming the first row that differs and the row it differs from', async () => {
    const e = await loadError(mixed());
    expect(e.code).toBe('MIXED_TIME_ZONES');
    expect(e.location).toMatchObject({ row: 40, field: 'time' });
    expect(e.message).toBe('EURUSD_mixed.csv: row 40 (line 41), column "time": "2017-04-20 20:00:00" has no UTC offset, but row 1 ("2017-04-19 05:00:00-04:00") has one');
    expect(e.hint).toMatch(/timezone/);
  });

  it('is refused with { repair: true } too: which rows are right cannot be known', async () => {
    expect((await loadError(mixed(), { repair: true })).code).toBe('MIXED_TIME_ZONES');
  });

  it('loads when { timezone } says where the naive times are', async () => {
    const bars = await loadBars(mixed(), { timezone: 'America/New_York' });
    const eur = await loadBars(EURUSD);
    expect(bars.time).toEqual(eur.time);
  });

  it('is listed by inspect as a problem', async () => {
    const r = await inspectBars(mixed());
    expect(r.problems.shown[0]).toMatchObject({ code: 'MIXED_TIME_ZONES', row: 40, field: 'time' });
  });
});
