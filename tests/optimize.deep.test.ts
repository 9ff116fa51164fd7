import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Bars } from '../lib/core/bars';
import { loadBars, slice } from '../lib/data';
import { Random } from '../lib/data/random';
import { engine, Strategy, type BacktestResult, type BarContext } from '../lib/engine';
import { adx, rsi } from '../lib/indicators';
import type { DeepAnalysis } from '../lib/optimize/analyze';
import { analyzeResults } from '../lib/optimize/analyze-results';
import { tradeFeatures } from '../lib/optimize/trade-features';
import { SmaCross } from '../lib/strategies/sma-cross';
import { BTCUSD, EURUSD, GOOG } from './helpers/paths';

const DAY = 86_400_000;

/**
 * Daily bars (every calendar day) of independent log-returns, 1 % a day: nothing at entry can tell a
 * winner from a loser. `mondayEdge` plants one effect: the day after a Monday drifts up by that many
 * standard deviations, so a one-bar long entered at a Monday's close wins ~73 % of the time (0.6).
 */
function noiseBars(n: number, seed: number, mondayEdge = 0): Bars {
  const rng = new Random(seed), time = new Float64Array(n), close = new Float64Array(n);
  let p = 100;
  for (let i = 0; i < n; i++) {
    time[i] = Date.UTC(2015, 0, 1) + i * DAY;
    if (i > 0) p *= Math.exp(0.01 * (rng.normal() + (new Date(time[i - 1]).getUTCDay() === 1 ? mondayEdge : 0)));
    close[i] = p;
  }
  const open = Float64Array.from(close, (c, i) => (i ? close[i - 1] : c));
  return {
    symbol: 'NOISE', timeframe: '1d', time, open, close,
    high: Float64Array.from(close, (c, i) => Math.max(c, open[i]) * 1.002),
    low: Float64Array.from(close, (c, i) => Math.min(c, open[i]) * 0.998),
    volume: new Float64Array(n).fill(1000),
  };
}

/** Long for exactly one bar, every bar: each trade's outcome is the next bar's return. */
class OneBarLong extends Strategy<Record<string, never>> {
  static params = z.object({});
  init(): void {}
  onBar(ctx: BarContext): void {
    ctx.close();
    ctx.buy();
  }
}

const runOneBar = (bars: Bars) => engine(bars).strategy(OneBarLong).spread(0).commission(0).run();

/** Trades in entry order, split as the analysis promises: the first 70 % train, the rest held out. */
function chronological(res: BacktestResult) {
  const trades = res.trades.slice().sort((a, b) => a.entryBar - b.entryBar);
  const cut = Math.floor(trades.length * 0.7);
  return { train: trades.slice(0, cut), held: trades.slice(cut) };
}

describe("analyzeResults(..., 'deep').patterns: a planted Monday effect", () => {
  let res: BacktestResult;
  let deep: DeepAnalysis;
  beforeAll(() => {
    res = runOneBar(noiseBars(2000, 1, 0.6));
    deep = analyzeResults(res, 'deep');
  });

  it('finds that trades entered on Mondays win, and reports nothing else', () => {
    const p = deep.patterns;
    expect(p.status).toBe('ok');
    expect(p.findings.map((f) => f.rule)).toEqual(['weekday = Mon']);
    const f = p.findings[0];
    expect(f.direction).toBe('winners');
    expect(f.condition).toEqual({ feature: 'weekday', op: '=', value: 1, label: 'Mon' });
    expect(f.pValue!).toBeLessThan(p.threshold!);
    expect(p.threshold).toBeCloseTo(0.05 / p.rulesChecked, 15);
  });

  it('gives the finding\'s train and held-out sizes and win rates, counted from the trades themselves', () => {
    const { train, held } = chronological(res);
    const rates = (ts: typeof train) => {
      const mon = ts.filter((t) => new Date(t.entryTime).getUTCDay() === 1), rest = ts.filter((t) => new Date(t.entryTime).getUTCDay() !== 1);
      const wr = (x: typeof ts) => x.filter((t) => t.pnl > 0).length / x.length;
      return { trades: ts.length, inside: { trades: mon.length, winRate: wr(mon) }, outside: { trades: rest.length, winRate: wr(rest) }, difference: wr(mon) - wr(rest) };
    };
    const f = deep.patterns.findings[0];
    expect(f.train).toEqual(rates(train));
    expect(f.heldOut).toEqual(rates(held));
    // The planted edge is there in both parts: ~73 % of Monday trades win against ~50 % of the others.
    expect(f.heldOut.inside.winRate!).toBeGreaterThan(0.65);
    expect(f.heldOut.outside.winRate!).toBeLessThan(0.56);
  });

  it('splits the trades chronologically: 70 % to learn on, the later 30 % to check', () => {
    const p = deep.patterns;
    expect(p.trades).toBe(res.totalTrades);
    expect([p.train.trades, p.heldOut.trades, p.purged]).toEqual([1400, 600, 0]);
    expect(Date.parse(p.train.to!)).toBeLessThan(Date.parse(p.heldOut.from!));
  });
});

describe("analyzeResults(..., 'deep').patterns on pure noise", () => {
  it('reports nothing when no feature at entry says anything about the outcome', () => {
    const p = analyzeResults(runOneBar(noiseBars(2000, 1)), 'deep').patterns;
    expect(p.status).toBe('ok');
    expect(p.findings).toEqual([]);
    // It did look: every rule learnt on the training trades was checked and failed to hold out.
    expect(p.rulesChecked).toBeGreaterThanOrEqual(p.features.length);
    expect(p.rejected).toHaveLength(p.rulesChecked);
  });

  it('keeps the chance of reporting noise near alpha: at most 2 of 20 noise series report anything', () => {
    let reporting = 0;
    for (let seed = 1; seed <= 20; seed++) if (analyzeResults(runOneBar(noiseBars(2000, seed)), 'deep').patterns.findings.length) reporting++;
    expect(reporting).toBeLessThanOrEqual(2);
  });
});

describe("analyzeResults(..., 'deep').patterns on SmaCross(10, 30), GOOG daily", () => {
  let bars: Bars;
  let res: BacktestResult;
  let deep: DeepAnalysis;
  beforeAll(async () => {
    bars = await loadBars(GOOG);
    res = engine(bars).strategy(SmaCross, { fast: 10, slow: 30 }).run();
    deep = analyzeResults(res, 'deep');
  });

  it('learns on the first 46 of 66 trades and checks on the last 20', () => {
    const p = deep.patterns;
    expect(p.status).toBe('ok');
    expect(p.trades).toBe(66);
    expect([p.train.trades, p.heldOut.trades, p.purged]).toEqual([46, 20, 0]);
    const { train, held } = chronological(res);
    expect(p.train.winRate).toBe(train.filter((t) => t.pnl > 0).length / 46);
    expect(p.heldOut.winRate).toBe(held.filter((t) => t.pnl > 0).length / 20);
    expect(p.train.to).toBe(new Date(train[45].entryTime).toISOString());
    expect(p.heldOut.from).toBe(new Date(held[0].entryTime).toISOString());
  });

  it("tests regime, volatility, price, the strategy's own SMAs, side and calendar — no hour on daily bars", () => {
    expect(deep.patterns.features.map((f) => f.name)).toEqual([
      'ADX(14)', 'CHOP(14)', 'ATR%(14)', 'RSI(14)', 'close vs SMA(50) %', 'close vs SMA(10) %', 'close vs SMA(30) %', 'side', 'weekday', 'month',
    ]);
  });

  it('gives every rule its train and held-out sizes and win rates, and keeps only those beating alpha / rules checked', () => {
    const p = deep.patterns;
    const rules = [...p.findings, ...p.rejected];
    expect(rules).toHaveLength(p.rulesChecked);
    for (const r of rules) {
      for (const w of [r.train, r.heldOut]) expect(w.inside.trades + w.outside.trades).toBe(w.trades);
      expect(r.train.trades).toBeLessThanOrEqual(46);
      expect(r.heldOut.trades).toBeLessThanOrEqual(20);
      expect(Math.sign(r.train.difference!)).toBe(r.direction === 'winners' ? 1 : -1);
    }
    for (const f of p.findings) {
      expect(f.pValue!).toBeLessThan(p.threshold!);
      expect(Math.sign(f.heldOut.difference!)).toBe(Math.sign(f.train.difference!));
    }
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('says there are too few trades, and reports nothing, below 40 closed trades', () => {
    const short = engine(slice(bars, '2004-08-19', '2006-12-31')).strategy(SmaCross, { fast: 10, slow: 30 }).run();
    expect(short.totalTrades).toBeLessThan(40);
    const p = analyzeResults(short, 'deep').patterns;
    expect(p.status).toBe('tooFewTrades');
    expect(p.note).toContain(`${short.totalTrades} closed trades, fewer than 40`);
    expect([p.findings, p.rejected, p.rulesChecked]).toEqual([[], [], 0]);
  });

  it('reads price features at the last bar that had closed when the entry filled', () => {
    const check = (r: BacktestResult, lag: number) => {
      const tf = tradeFeatures(r);
      const adxF = tf.features.find((f) => f.name === 'ADX(14)')!, rsiF = tf.features.find((f) => f.name === 'RSI(14)')!;
      const sorted = r.trades.slice().sort((a, b) => a.entryBar - b.entryBar);
      for (const j of [10, 30, 60]) {
        const bar = sorted[j].entryBar - lag;
        expect(tf.featureBar[j]).toBe(bar);
        // Recomputed from the bars up to that one only: nothing later went in.
        const upTo = (x: Float64Array) => x.subarray(0, bar + 1);
        expect(adxF.values[j]).toBeCloseTo(adx(upTo(bars.high), upTo(bars.low), upTo(bars.close), 14)[bar], 10);
        expect(rsiF.values[j]).toBeCloseTo(rsi(upTo(bars.close), 14)[bar], 10);
      }
    };
    check(res, 0); // fill('close'): the strategy decided and filled at the entry bar's close
    check(engine(bars).strategy(SmaCross, { fast: 10, slow: 30 }).fill('next_open').run(), 1); // filled at the open: the bar before
  });

  it('refuses a bad option with a clear error', () => {
    expect(() => analyzeResults(res, 'deep', { patterns: { trainShare: 1.5 } })).toThrow(/patterns.trainShare must be between 0 and 1, got 1.5/);
    expect(() => analyzeResults(res, 'deep', { patterns: { minTrades: 3 } })).toThrow(/patterns.minTrades must be an integer ≥ 10, got 3/);
  });
});

describe('calendar features follow the timeframe', () => {
  const names = async (file: string) => {
    const res = engine(await loadBars(file)).strategy(SmaCross, { fast: 5, slow: 20 }).run();
    return analyzeResults(res, 'deep').patterns.features.map((f) => f.name).filter((n) => ['hour (UTC)', 'weekday', 'month'].includes(n));
  };
  it('tests the hour of the day on hourly bars (EURUSD 1h)', async () => {
    expect(await names(EURUSD)).toEqual(['hour (UTC)', 'weekday', 'month']);
  });
  it('tests only the month on monthly bars (BTCUSD 1M), where a weekday says nothing', async () => {
    expect(await names(BTCUSD)).toEqual(['month']);
  });
});
