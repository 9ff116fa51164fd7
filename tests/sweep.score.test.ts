import { describe, expect, it } from 'vitest';
import { DISQUALIFICATION_RULES, DISQUALIFIED_SCORE, SCORES, disqualify, explainDisqualification, sharpeScore, type ExperimentMetrics } from '../lib/sweep';

// A result that sits exactly on every threshold of the seed's rules: on a threshold passes.
const edge: ExperimentMetrics = {
  returnPct: 12, annualisedReturn: 3, maxDrawdown: -25, totalTrades: 30, tradesPerYear: 6, winRate: 0.35, profitFactor: 1.1, sharpe: 0.8,
};

describe("the seed's disqualification rules", () => {
  it('are the seed\'s numbers', () => {
    expect(DISQUALIFICATION_RULES).toEqual({ minTrades: 30, minTradesPerYear: 6, maxDrawdown: 25, minProfitFactor: 1.1, minWinRate: 0.35, maxWinRate: 0.85 });
  });

  it('pass a result on every threshold, and fail each rule just past it', () => {
    expect(disqualify(edge)).toEqual([]);
    expect(disqualify({ ...edge, winRate: 0.85 })).toEqual([]);
    expect(disqualify({ ...edge, totalTrades: 29 })).toEqual(['minTrades']);
    expect(disqualify({ ...edge, tradesPerYear: 5.99 })).toEqual(['minTradesPerYear']);
    expect(disqualify({ ...edge, maxDrawdown: -25.01 })).toEqual(['maxDrawdown']);
    expect(disqualify({ ...edge, profitFactor: 1.099 })).toEqual(['minProfitFactor']);
    expect(disqualify({ ...edge, winRate: 0.349 })).toEqual(['minWinRate']);
    expect(disqualify({ ...edge, winRate: 0.851 })).toEqual(['maxWinRate']);
  });

  it('fail on NaN (a run with no trades has no win rate or profit factor) and pass an infinite profit factor', () => {
    expect(disqualify({ ...edge, winRate: NaN, profitFactor: NaN })).toEqual(['minProfitFactor', 'minWinRate', 'maxWinRate']);
    expect(disqualify({ ...edge, profitFactor: Infinity })).toEqual([]);
  });

  it('list every failed rule, in order, and explain them', () => {
    const bad = { ...edge, totalTrades: 12, tradesPerYear: 1.5, maxDrawdown: -40, winRate: 0.9 };
    const failed = disqualify(bad);
    expect(failed).toEqual(['minTrades', 'minTradesPerYear', 'maxDrawdown', 'maxWinRate']);
    expect(explainDisqualification(bad, failed)).toEqual(['trades 12 < 30', 'trades/year 1.500 < 6', 'max drawdown 40% > 25%', 'win rate 0.900 > 0.85']);
  });

  it('take overrides', () => {
    expect(disqualify({ ...edge, maxDrawdown: -40 }, { maxDrawdown: 50 })).toEqual([]);
    expect(disqualify(edge, { minTrades: 31 })).toEqual(['minTrades']);
  });
});

describe('scores', () => {
  it("are the seed's: Sharpe, −999 under 30 trades, never NaN", () => {
    expect(sharpeScore(edge)).toBe(0.8);
    expect(sharpeScore({ ...edge, totalTrades: 29 })).toBe(DISQUALIFIED_SCORE);
    expect(sharpeScore({ ...edge, sharpe: NaN })).toBe(0);
    expect(SCORES.sharpe(edge, {})).toBe(0.8);
  });

  it('offer composites that keep −999 for too few trades', () => {
    expect(SCORES.calmarSharpe(edge, {})).toBeCloseTo(0.8 * (10 / 25), 12);
    expect(SCORES.calmarSharpe({ ...edge, maxDrawdown: -5 }, {})).toBe(0.8);
    expect(SCORES.penalised(edge, { fast: 10, slow: 30, longOnly: false })).toBeCloseTo(0.8 - 0.1, 12);
    expect(SCORES.returnPct(edge, {})).toBe(12);
    for (const f of Object.values(SCORES)) expect(f({ ...edge, totalTrades: 3 }, {})).toBe(DISQUALIFIED_SCORE);
  });
});
