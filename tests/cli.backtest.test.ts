import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtest } from '../lib/cli/commands/backtest';
import { loadBars, slice } from '../lib/data';
import { listStrategies } from '../lib/strategies/registry';
import { CLI, GOOG } from './helpers/paths';

interface Run { code: number | null; out: string; err: string }

// A backtest writes a run directory under ./runs: run them in a folder of their own.
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'stratlab-cli-backtest-'));
afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));

/** The real CLI in a child process (async, so independent runs can overlap). */
function stratlab(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: WORK });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const backtestGoog = (...args: string[]) => stratlab('backtest', '--data', GOOG, '--strategy', 'SmaCross', ...args);

/** backtesting.py's SmaCross(10, 30) on GOOG: next-open fills, no costs, 0.9999 of equity in whole units. */
const PEER_FLAGS = ['--params', '{"fast":10,"slow":30}', '--fill', 'next_open', '--spread', '0', '--commission', '0', '--size', '0.9999'];

/** A published figure, rounded to the digits it was published with. */
const rounds = (actual: number, published: string) => expect(actual.toFixed(published.split('.')[1]?.length ?? 0)).toBe(published);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CAMEL = /^[a-z][a-zA-Z0-9]*$/;

type Json = Record<string, any>;

describe('stratlab backtest --json: SmaCross(10, 30) on GOOG matches backtesting.py', () => {
  let run: Run;
  let res: Json;
  beforeAll(async () => {
    run = await backtestGoog(...PEER_FLAGS, '--json');
    res = JSON.parse(run.out); // exactly one JSON document, nothing else on stdout
  });

  it('exits 0 and writes nothing to stderr', () => {
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
  });

  it('reproduces the published figures', () => {
    expect(res.totalTrades).toBe(66);
    rounds(res.finalEquity, '51422.99');
    rounds(res.returnPct, '414.2299');
    rounds(res.maxDrawdown, '-47.9801');
    rounds(res.winRate * 100, '46.9697');
    rounds(res.profitFactor, '2.167946');
    rounds(res.exposurePct, '96.7412');
    expect(res.totalCommission).toBe(0);
    expect(res.totalSpreadCost).toBe(0);
  });

  it('reports the settings it ran with', () => {
    expect(res).toMatchObject({
      strategy: 'SmaCross', params: { fast: 10, slow: 30, longOnly: false }, symbol: 'GOOG', timeframe: '1d',
      bars: 2148, start: '2004-08-19T00:00:00.000Z', end: '2013-03-01T00:00:00.000Z',
      cash: 10_000, spread: 0, commission: 0, fill: 'next_open', sizing: { fraction: 0.9999 }, fractional: false,
    });
  });

  it('lists the 66 trades with camelCase fields and ISO times, the last closed at the end', () => {
    expect(res.trades).toHaveLength(66);
    for (const t of res.trades) {
      for (const key of Object.keys(t)) expect(key).toMatch(CAMEL);
      expect(t.entryTime).toMatch(ISO);
      expect(t.exitTime).toMatch(ISO);
      expect(t.exitTime >= t.entryTime).toBe(true);
      expect(['long', 'short']).toContain(t.side);
    }
    expect(res.trades.filter((t: Json) => t.exitReason === 'end')).toHaveLength(1);
    expect(res.trades[65].exitReason).toBe('end');
  });

  it('lists the orders (two fills a round trip, each at the next bar) and the equity at each of the 2148 bars', () => {
    expect(res.orders).toHaveLength(132);
    for (const o of res.orders) {
      for (const key of Object.keys(o)) expect(key).toMatch(CAMEL);
      expect(o.status).toBe('filled');
      expect(o.time).toMatch(ISO);
      expect(o.fillTime).toMatch(ISO);
    }
    expect(res.equity).toHaveLength(2148);
    expect(res.equity[0]).toEqual({ time: '2004-08-19T00:00:00.000Z', equity: 10_000 });
    expect(res.equity[2147].time).toBe('2013-03-01T00:00:00.000Z');
    rounds(res.equity[2147].equity, '51422.99');
  });
});

describe('stratlab backtest (readable output)', () => {
  it('prints the summary and a trades line for the peer run', async () => {
    const r = await backtestGoog(...PEER_FLAGS);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^Strategy\s+SmaCross \{"fast":10,"slow":30,"longOnly":false\}$/m);
    expect(r.out).toMatch(/^Data\s+GOOG 1d, 2148 bars, 2004-08-19 → 2013-03-01$/m);
    expect(r.out).toMatch(/^Costs\s+spread 0, commission 0, fill at next open$/m);
    expect(r.out).toMatch(/^Final equity\s+51,422\.99$/m);
    expect(r.out).toMatch(/^Return\s+414\.23 %$/m);
    expect(r.out).toMatch(/^Max drawdown\s+-47\.98 %$/m);
    expect(r.out).toMatch(/^Win rate\s+46\.97 %$/m);
    expect(r.out).toMatch(/^Profit factor\s+2\.168$/m);
    expect(r.out).toMatch(/^Trades\s+66$/m);
    expect(r.out).toMatch(/^Trades: 66 \(33 long, 33 short; 31 won, 35 lost; 1 closed at the end of the data\)/m);
  });
});

describe('stratlab backtest --stats backtesting.py', () => {
  it("prints backtesting.py's table for the peer run, with its names and figures", async () => {
    const r = await backtestGoog(...PEER_FLAGS, '--stats', 'backtesting.py', '--no-run');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Sharpe Ratio\s+0\.58062$/m);
    expect(r.out).toMatch(/^Buy & Hold Return \[%\]\s+522\.06019$/m);
    expect(r.out).toMatch(/^Max\. Drawdown Duration\s+584 days 00:00:00$/m);
    expect(r.out).not.toMatch(/^Sharpe\s+\d/m); // stratlab's own row is not printed
  });

  it('adds the table to --json, and refuses a style it does not know', async () => {
    const [json, bad] = await Promise.all([
      backtestGoog(...PEER_FLAGS, '--stats', 'backtesting.py', '--no-run', '--json'),
      backtestGoog('--stats', 'vectorbt', '--no-run'),
    ]);
    const stats = JSON.parse(json.out).backtestingPyStats;
    expect(stats['Volatility (Ann.) [%]']).toBeCloseTo(36.49716090702389, 9);
    expect(stats['Avg. Trade Duration']).toBe('46 days 00:00:00');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--stats/);
  });
});

describe('stratlab backtest --from/--to', () => {
  let goog: Awaited<ReturnType<typeof loadBars>>;
  beforeAll(async () => {
    goog = await loadBars(GOOG);
  });

  it('runs on the bars in the range only; a date-only --to includes that day; the defaults are the engine\'s', async () => {
    const [dates, datetimes] = await Promise.all([
      backtestGoog('--from', '2006-01-01', '--to', '2007-12-31', '--json'),
      backtestGoog('--from', '2006-01-03T00:00:01Z', '--to', '2007-12-28T00:00:00Z', '--json'),
    ]);
    expect(dates.code).toBe(0);
    const a = JSON.parse(dates.out);
    const expected = slice(goog, '2006-01-01', '2007-12-31').time.length;
    expect(expected).toBeGreaterThan(400);
    expect(a.bars).toBe(expected);
    expect(a.start).toBe('2006-01-03T00:00:00.000Z'); // the first trading day of 2006
    expect(a.end).toBe('2007-12-31T00:00:00.000Z'); // --to 2007-12-31 keeps the bar of that day
    expect(a.equity).toHaveLength(expected);
    expect(a.equity[0]).toEqual({ time: a.start, equity: 10_000 });
    for (const t of a.trades) expect(t.entryTime >= a.start && t.exitTime <= a.end).toBe(true);
    expect(a).toMatchObject({ cash: 10_000, spread: 0.0003, commission: 0, fill: 'close', sizing: { fraction: 1 }, fractional: false });

    expect(datetimes.code).toBe(0);
    const b = JSON.parse(datetimes.out);
    expect(b.start).toBe('2006-01-04T00:00:00.000Z'); // one second past the 3rd's bar
    expect(b.end).toBe('2007-12-28T00:00:00.000Z');
    expect(b.bars).toBe(expected - 2);
  });
});

describe('stratlab backtest costs', () => {
  it('a spread and a commission each lower the final equity, and are reported as paid', async () => {
    const base = ['--params', '{"fast":10,"slow":30}', '--fill', 'next_open', '--size', '0.9999', '--json'];
    const [free, spread, commission] = (await Promise.all([
      backtestGoog(...base, '--spread', '0', '--commission', '0'),
      backtestGoog(...base, '--spread', '0.001', '--commission', '0'),
      backtestGoog(...base, '--spread', '0', '--commission', '0.001'),
    ])).map((r) => {
      expect(r.code).toBe(0);
      return JSON.parse(r.out) as Json;
    });
    expect(spread.finalEquity).toBeLessThan(free.finalEquity);
    expect(spread.totalSpreadCost).toBeGreaterThan(0);
    expect(spread.totalCommission).toBe(0);
    expect(spread.spread).toBe(0.001);

    expect(commission.finalEquity).toBeLessThan(free.finalEquity);
    expect(commission.totalCommission).toBeGreaterThan(0);
    expect(commission.totalSpreadCost).toBe(0);
    expect(commission.trades.every((t: Json) => t.commission > 0)).toBe(true);
    expect(commission.commission).toBe(0.001);
  });

  it('--fractional buys fractional units and --calendar sets the annualisation', async () => {
    const r = await backtestGoog('--fractional', '--calendar', '24/7', '--to', '2005-12-31', '--json');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out);
    expect(res).toMatchObject({ fractional: true, calendar: '24/7', periodsPerYear: 365 });
    expect(res.trades.some((t: Json) => !Number.isInteger(t.units))).toBe(true);
  });
});

describe('stratlab backtest refuses bad flags with one line naming the flag and value, and nothing on stdout', () => {
  /** The arguments after `backtest`: GOOG and SmaCross, then `flags`. */
  const sma = (...flags: string[]) => ['--data', GOOG, '--strategy', 'SmaCross', ...flags];
  // [case, arguments after `backtest`, exit code, what stderr says]
  const CASES: [string, string[], number, RegExp][] = [
    ['unknown strategy', ['--data', GOOG, '--strategy', 'SmaCros'], 2, /--strategy: unknown strategy 'SmaCros'\. Did you mean 'SmaCross'\?/],
    ['missing --strategy', ['--data', GOOG], 2, /--strategy NAME is required \(built-in strategies: SmaCross/],
    ['missing --data', ['--strategy', 'SmaCross'], 2, /--data FILE is required/],
    ['a positional argument', [GOOG, '--strategy', 'SmaCross'], 2, /unexpected argument ".*GOOG\.csv" \(give the data file with --data FILE\)/],
    ['unknown parameter', sma('--params', '{"fsat":10}'), 2, /--params: SmaCross has no parameter 'fsat'\. Did you mean 'fast'\?/],
    ['parameter of the wrong type', sma('--params', '{"fast":"ten"}'), 2, /--params: SmaCross: fast: expected number, got "ten"/],
    ['parameters that break a rule', sma('--params', '{"fast":30,"slow":10}'), 2, /--params: SmaCross: fast must be shorter than slow/],
    ['--params with a bad token', sma('--params', '{"fast":x}'), 2, /--params: not valid JSON \(Unexpected token 'x' at position 8\)/],
    ['--params without quoted keys', sma('--params', '{fast:10}'), 2, /--params: not valid JSON \(Expected property name or '\}' at position 1\)/],
    ['--params cut short', sma('--params', '{"fast":10'), 2, /--params: not valid JSON \(.* at position 10\)/],
    ['--params that is an array', sma('--params', '[10,30]'), 2, /--params: expected a JSON object such as '\{"fast":10,"slow":30\}', got an array/],
    ['--params that is a number', sma('--params', '10'), 2, /--params: expected a JSON object .* got number 10/],
    ['negative --cash', sma('--cash', '-5'), 2, /--cash -5 is out of range: expected an amount > 0/],
    ['negative --cash=', sma('--cash=-5'), 2, /--cash -5 is out of range: expected an amount > 0/],
    ['empty --cash', sma('--cash', ''), 2, /--cash "" is not a number/],
    ['--cash with a unit', sma('--cash', '10k'), 2, /--cash "10k" is not a number/],
    ['--spread that is not a number', sma('--spread', 'abc'), 2, /--spread "abc" is not a number \(expected a fraction of price/],
    ['--spread of 100 %', sma('--spread', '1'), 2, /--spread 1 is out of range: expected a fraction of price, 0 ≤ spread < 1/],
    ['negative --commission', sma('--commission', '-0.001'), 2, /--commission -0\.001 is out of range: expected a fraction of notional/],
    ['--size above 1', sma('--size', '2'), 2, /--size 2 is out of range: expected a fraction of equity, 0 < size ≤ 1/],
    ['--size of 0', sma('--size', '0'), 2, /--size 0 is out of range/],
    ['unknown --fill', sma('--fill', 'open'), 2, /--fill "open" must be close or next_open$/],
    ['misspelt --fill', sma('--fill', 'next-open'), 2, /--fill "next-open" must be close or next_open \(did you mean next_open\?\)/],
    ['unknown --calendar', sma('--calendar', '24x7'), 2, /--calendar "24x7" must be auto, equities, 24\/7 or 24\/5 \(did you mean 24\/7\?\)/],
    ['--from that is not a date', sma('--from', '2020-13-45'), 2, /--from "2020-13-45" is not a date/],
    ['--to that is not a date', sma('--to', 'yesterday'), 2, /--to "yesterday" is not a date/],
    ['a bare year (would read as epoch seconds)', sma('--from', '2010'), 2, /--from "2010" is not a date/],
    ['--from after --to', sma('--from', '2011-01-01', '--to', '2010-01-01'), 2, /--from 2011-01-01 is after --to 2010-01-01/],
    ['unknown --timeframe', sma('--timeframe', '5x'), 2, /--timeframe "5x" is not a timeframe/],
    ['unknown --timezone', sma('--timezone', 'Mars/Olympus'), 2, /--timezone "Mars\/Olympus" is not a time zone/],
    ['unknown flag', sma('--jsn'), 2, /Unknown option '--jsn'/],
    ['a range with no bars', sma('--from', '2020-01-01'), 1, /--from 2020-01-01: no bars in that range \(GOOG 1d runs from 2004-08-19 to 2013-03-01\)/],
    ['a range between two bars', sma('--from', '2010-01-02', '--to', '2010-01-03'), 1, /--from 2010-01-02 --to 2010-01-03: no bars in that range/],
    ['a missing data file', ['--data', 'no/such/file.csv', '--strategy', 'SmaCross'], 1, /no\/such\/file\.csv: file not found/],
  ];
  const runs = new Map<string, Run>();
  beforeAll(async () => {
    // Four at a time: overlapping child processes, without starting thirty at once.
    const queue = [...CASES];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) runs.set(c[0], await stratlab('backtest', ...c[1], '--json'));
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  });

  it.each(CASES)('%s', (name, _flags, code, message) => {
    const r = runs.get(name)!;
    expect(r.out).toBe('');
    expect(r.code).toBe(code);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^stratlab backtest: /);
    expect(lines[0]).toMatch(message);
  });
});

describe('stratlab backtest --help', () => {
  it('lists every flag and every built-in strategy with its description and default params', async () => {
    const [help, overview] = await Promise.all([stratlab('backtest', '--help'), stratlab('--help')]);
    expect(help.code).toBe(0);
    expect(help.err).toBe('');
    for (const flag of Object.keys(backtest.options)) expect(help.out).toContain(`--${flag}`);
    const strategies = listStrategies();
    expect(strategies.length).toBeGreaterThan(0);
    for (const s of strategies) {
      expect(help.out).toContain(s.name);
      expect(help.out).toContain(s.description);
      expect(help.out).toContain(JSON.stringify(s.defaults));
    }
    expect(overview.out).toMatch(/^\s+backtest \(bt\)\s+Backtest a built-in strategy/m);
  });
});
