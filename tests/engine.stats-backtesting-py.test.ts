import { beforeAll, describe, expect, it } from 'vitest';
import { loadBars } from '../lib/data';
import { engine, type BacktestResult } from '../lib/engine';
import { Timedelta, formatBacktestingPyStats, type BacktestingPyStats } from '../lib/metrics';
import { SmaCross } from '../lib/strategies/sma-cross';
import { GOOG } from './helpers/paths';

// What backtesting.py's own suite asserts for this run (backtesting/test/_test.py, test_compute_stats:
// SmaCross(10, 30) on GOOG, finalize_trades=True), compared as it compares them: np.isclose, rtol 1e-8.
const DAYS = (n: number) => n * 86_400_000;
const EXPECTED: Record<string, number | string> = {
  'Start': '2004-08-19T00:00:00Z',
  'End': '2013-03-01T00:00:00Z',
  'Duration': DAYS(3116),
  '# Trades': 66,
  'Avg. Drawdown Duration': DAYS(41),
  'Avg. Drawdown [%]': -5.925851581948801,
  'Avg. Trade Duration': DAYS(46),
  'Avg. Trade [%]': 2.531715975158555,
  'Best Trade [%]': 53.59595229490424,
  'Buy & Hold Return [%]': 522.0601851851852,
  'Calmar Ratio': 0.44166409202994605,
  'Equity Final [$]': 51422.98999999996,
  'Equity Peak [$]': 75787.44,
  'Expectancy [%]': 3.2748078066748834,
  'Exposure Time [%]': 96.74115456238361,
  'Max. Drawdown Duration': DAYS(584),
  'Max. Drawdown [%]': -47.98012705007589,
  'Max. Trade Duration': DAYS(183),
  'Profit Factor': 2.167945974262033,
  'Return (Ann.) [%]': 21.191099249053224,
  'Return [%]': 414.2298999999996,
  'Volatility (Ann.) [%]': 36.49716090702389,
  'CAGR [%]': 21.160245705962623,
  'SQN': 1.0766187356697705,
  'Kelly Criterion': 0.1518705127029717,
  'Sharpe Ratio': 0.5806232244485349,
  'Sortino Ratio': 1.0853434352488662,
  'Win Rate [%]': 46.96969696969697,
  'Worst Trade [%]': -18.39887353835481,
  'Alpha [%]': 394.37391142027462,
  'Beta': 0.03803390709192,
};

const isClose = (a: number, b: number) => Math.abs(a - b) <= 1e-8 * Math.abs(b) + 1e-8; // numpy's isclose(rtol=1e-8)

describe("result.stats({ style: 'backtesting.py' }) on SmaCross(10, 30), GOOG", () => {
  let res: BacktestResult;
  let stats: BacktestingPyStats;
  beforeAll(async () => {
    const bars = await loadBars(GOOG);
    res = engine(bars).strategy(SmaCross, { fast: 10, slow: 30 }).cash(10_000).spread(0).commission(0)
      .fill('next_open').size(0.9999).run();
    stats = res.stats({ style: 'backtesting.py' });
  });

  it('has every row backtesting.py prints, in its order, and no commission row when none was paid', () => {
    expect(Object.keys(stats).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(Object.keys(stats).slice(0, 5)).toEqual(['Start', 'End', 'Duration', 'Exposure Time [%]', 'Equity Final [$]']);
    expect(Object.keys(stats).at(-1)).toBe('Kelly Criterion');
  });

  for (const [key, want] of Object.entries(EXPECTED)) {
    it(`matches backtesting.py's ${key} to 1e-8`, () => {
      const got = stats[key];
      if (typeof want === 'string') expect(got).toBe(want);
      else if (got instanceof Timedelta) expect(got.ms).toBe(want);
      else {
        expect(typeof got).toBe('number');
        expect(isClose(got as number, want), `${key}: ${String(got)} vs ${want}`).toBe(true);
      }
    });
  }

  it("differs from stratlab's own headline figures exactly where the README says it does", () => {
    const own = res.stats();
    expect(own.sharpe).not.toBeCloseTo(stats['Sharpe Ratio'] as number, 2);             // arithmetic vs geometric annualisation
    expect(own.buyAndHoldReturnPct).not.toBeCloseTo(stats['Buy & Hold Return [%]'] as number, 0); // from bar 0 vs after warm-up
    expect(own.returnPct).toBeCloseTo(stats['Return [%]'] as number, 9);                // same trades, same equity
    expect(own.maxDrawdown).toBeCloseTo(stats['Max. Drawdown [%]'] as number, 9);
  });

  it('prints durations as pandas does and the table as rows', () => {
    expect(String(stats['Max. Drawdown Duration'])).toBe('584 days 00:00:00');
    const text = formatBacktestingPyStats(stats);
    expect(text.split('\n')).toHaveLength(Object.keys(EXPECTED).length);
    expect(text).toMatch(/^Sharpe Ratio\s+0\.58062$/m);
  });

  it('adds a commission row and lowers the equity when a commission is charged', async () => {
    const bars = await loadBars(GOOG);
    const paid = engine(bars).strategy(SmaCross, { fast: 10, slow: 30 }).commission(0.002).fill('next_open').run()
      .stats({ style: 'backtesting.py' });
    expect(paid['Commissions [$]']).toBeGreaterThan(0);
    expect(paid['Equity Final [$]'] as number).toBeLessThan(stats['Equity Final [$]'] as number);
  });

  it('refuses an unknown style', () => {
    expect(() => res.stats({ style: 'vectorbt' as 'stratlab' })).toThrow(/unknown style 'vectorbt'/);
  });
});
