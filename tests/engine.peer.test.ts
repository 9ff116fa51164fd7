import { beforeAll, describe, expect, it } from 'vitest';
import { loadBars } from '../lib/data';
import { engine, type BacktestResult } from '../lib/engine';
import { SmaCross } from '../lib/strategies/sma-cross';
import { GOOG } from './helpers/paths';

// backtesting.py's published figures for SmaCross(10, 30) on GOOG: next-open fills, no costs,
// size 0.9999 of equity in whole units, close-then-reverse, open trades closed at the end.
// The figures are published rounded (to the digits written here, as strings): ours must round to
// exactly the same digits, which is tighter than 1e-6 relative wherever 1e-6 could be checked at all.
const PEER = {
  finalEquity: '51422.99',
  returnPct: '414.2299',
  maxDrawdown: '-47.9801',
  winRatePct: '46.9697',
  profitFactor: '2.167946',
  bestTradePct: '53.5960',
  worstTradePct: '-18.3989',
  exposurePct: '96.7412',
};

const close = (actual: number, published: string) => {
  const decimals = published.split('.')[1]?.length ?? 0;
  expect(actual.toFixed(decimals)).toBe(published);
};

describe('SmaCross(10, 30) on GOOG against backtesting.py', () => {
  let res: BacktestResult;
  beforeAll(async () => {
    const bars = await loadBars(GOOG);
    res = engine(bars).strategy(SmaCross, { fast: 10, slow: 30 }).cash(10_000).spread(0).commission(0).fill('next_open').size(0.9999).run();
  });

  it('makes the same 66 round trips', () => expect(res.totalTrades).toBe(66));
  it('ends with the same equity and return', () => {
    close(res.finalEquity, PEER.finalEquity);
    close(res.returnPct, PEER.returnPct);
  });
  it('has the same max drawdown', () => close(res.maxDrawdown, PEER.maxDrawdown));
  it('has the same win rate and profit factor', () => {
    close(res.winRate * 100, PEER.winRatePct);
    close(res.profitFactor, PEER.profitFactor);
  });
  it('has the same best and worst trade', () => {
    close(res.bestTradePct, PEER.bestTradePct);
    close(res.worstTradePct, PEER.worstTradePct);
  });
  it('has the same exposure', () => close(res.exposurePct, PEER.exposurePct));
  it('closes the last trade at the end and says so', () => {
    const last = res.trades[res.trades.length - 1];
    expect(last.exitReason).toBe('end');
    expect(last.exitBar).toBe(res.barCount - 1);
    expect(res.trades.filter((t) => t.exitReason === 'end')).toHaveLength(1);
  });
});
