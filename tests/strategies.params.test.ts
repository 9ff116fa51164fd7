import { beforeAll, describe, expect, it } from 'vitest';
import { StratlabError } from '../lib/core/errors';
import { syntheticBars, type Bars } from '../lib/data';
import { engine, type StrategyClass } from '../lib/engine';
import {
  BollingerBreakout, DonchianBreakout, listStrategies, MACDBollinger, RegimeGated, SmaCross, StochRSIMeanReversion, strategyByName,
} from '../lib/strategies';
import { market } from './strategies.helpers';

const BUILT_INS: [string, StrategyClass][] = [
  ['SmaCross', SmaCross],
  ['DonchianBreakout', DonchianBreakout],
  ['BollingerBreakout', BollingerBreakout],
  ['MACDBollinger', MACDBollinger],
  ['StochRSIMeanReversion', StochRSIMeanReversion],
  ['RegimeGated', RegimeGated],
];

function errorOf(f: () => unknown): StratlabError {
  try {
    f();
  } catch (e) {
    if (e instanceof StratlabError) return e;
    throw e;
  }
  throw new Error('expected a StratlabError, nothing was thrown');
}

describe('built-in strategy parameters', () => {
  let goog: Bars;
  beforeAll(async () => {
    goog = await market('GOOG');
  });

  it("names a misspelled parameter and suggests the right one: DonchianBreakout has no parameter 'entryPeriodd'", () => {
    const err = errorOf(() => engine(goog).strategy(DonchianBreakout, { entryPeriodd: 5 } as any));
    expect(err.code).toBe('BAD_PARAMETER');
    expect(err.message).toBe("DonchianBreakout has no parameter 'entryPeriodd'. Did you mean 'entryPeriod'?");
  });

  it('accepts the seed configs’ snake_case keys (entry_period, stop_loss_atr, skip_adx_filter)', () => {
    const d = engine(goog).strategy(DonchianBreakout, { entry_period: 30, stop_loss_atr: 3 } as any).run();
    expect(d.params).toMatchObject({ entryPeriod: 30, stopLossAtr: 3, exitPeriod: 10 });
    const s = engine(goog).strategy(StochRSIMeanReversion, { rsi_period: 7, skip_adx_filter: true, adx_threshold: 30 } as any).run();
    expect(s.params).toMatchObject({ rsiPeriod: 7, skipAdxFilter: true, adxThreshold: 30 });
    const m = engine(goog).strategy(MACDBollinger, { macd_fast: 8, bb_std: 2.5 } as any).run();
    expect(m.params).toMatchObject({ macdFast: 8, bbStd: 2.5 });
  });

  it('reports a MACD fast period that is not shorter than the slow one', () => {
    const err = errorOf(() => engine(goog).strategy(MACDBollinger, { macdFast: 26, macdSlow: 26 }));
    expect(err.code).toBe('BAD_PARAMETER');
    expect(err.message).toBe('MACDBollinger: macdFast must be shorter than macdSlow');
  });

  it('reports zones out of order or out of 0..100', () => {
    for (const zones of [{ oversold: 80, overbought: 20 }, { oversold: 0 }, { overbought: 100 }, { oversold: 50, overbought: 50 }]) {
      const err = errorOf(() => engine(goog).strategy(StochRSIMeanReversion, zones));
      expect(err.code).toBe('BAD_PARAMETER');
      expect(err.message).toBe('StochRSIMeanReversion: oversold: expected 0 < oversold < overbought < 100');
    }
  });

  it('reports a wrong type or range with the parameter and the value given', () => {
    expect(errorOf(() => engine(goog).strategy(BollingerBreakout, { longOnly: 'yes' } as any)).message).toBe('BollingerBreakout: longOnly: expected boolean, got "yes"');
    expect(errorOf(() => engine(goog).strategy(DonchianBreakout, { stopLossAtr: 0 })).message).toBe('DonchianBreakout: stopLossAtr: number must be greater than 0, got 0');
    expect(errorOf(() => engine(goog).strategy(DonchianBreakout, { entryPeriod: 2.5 })).message).toBe('DonchianBreakout: entryPeriod: expected integer, got 2.5');
  });

  it.each(BUILT_INS)('%s is causal: checkLookahead recomputes its indicators on prefixes and finds no look-ahead', (_name, S) => {
    const report = engine(goog).strategy(S).checkLookahead();
    expect(report.ok).toBe(true);
    expect(report.indicators.length).toBeGreaterThan(0);
  });

  it('RegimeGated with a CHOP gate around DonchianBreakout is causal too', () => {
    const report = engine(goog).strategy(RegimeGated, { strategy: 'DonchianBreakout', filter: 'chop' }).checkLookahead();
    expect(report.indicators).toContain('CHOP(14) gate');
    expect(report.indicators).toContain('Donchian upper(20)');
  });

  it.each(BUILT_INS)('%s never enters during the warm-up: it runs on 60 bars and on 2 bars without an error', (_name, S) => {
    for (const n of [60, 2]) {
      const bars = syntheticBars({ n, timeframe: '1h', seed: 5 });
      for (const fill of ['close', 'next_open'] as const) expect(() => engine(bars).strategy(S).fill(fill).run()).not.toThrow();
    }
  });
});

describe.each(BUILT_INS.filter(([name]) => name !== 'SmaCross'))('%s with a slow ATR (period 150)', (name, S) => {
  it('does not enter before the ATR for its stop is defined', async () => {
    const goog = await market('GOOG');
    const params = name === 'RegimeGated' ? { params: { atrPeriod: 150, skipAdxFilter: true }, threshold: 100 } : { atrPeriod: 150 };
    for (const fill of ['close', 'next_open'] as const) {
      const res = engine(goog).strategy(S, params).fill(fill).run();
      expect(res.totalTrades).toBeGreaterThan(0);
      expect(Math.min(...res.trades.map((t) => (fill === 'close' ? t.entryBar : t.entryBar - 1)))).toBeGreaterThanOrEqual(150);
    }
  });
});

describe('the strategy registry', () => {
  it('lists all six built-ins with a one-line description and their defaults', () => {
    const list = listStrategies();
    expect(list.map((s) => s.name)).toEqual(BUILT_INS.map(([name]) => name));
    for (const s of list) {
      expect(s.description.length).toBeGreaterThan(10);
      expect(s.description).not.toContain('\n');
    }
    const defaults = Object.fromEntries(list.map((s) => [s.name, s.defaults]));
    expect(defaults.DonchianBreakout).toEqual({ entryPeriod: 20, exitPeriod: 10, stopLossAtr: 2, atrPeriod: 14, longOnly: false });
    expect(defaults.BollingerBreakout).toEqual({ period: 20, stdDev: 2, stopLossAtr: 2, atrPeriod: 14, longOnly: false });
    expect(defaults.MACDBollinger).toEqual({ macdFast: 12, macdSlow: 26, macdSignal: 9, bbPeriod: 20, bbStd: 2, stopLossAtr: 2, atrPeriod: 14, longOnly: false });
    expect(defaults.StochRSIMeanReversion).toEqual({
      rsiPeriod: 14, stochPeriod: 14, kSmoothing: 3, dSmoothing: 3, oversold: 20, overbought: 80, stopLossAtr: 2, atrPeriod: 14,
      adxPeriod: 14, adxThreshold: 25, skipAdxFilter: false, longOnly: false,
    });
    expect(defaults.RegimeGated).toEqual({ strategy: 'StochRSIMeanReversion', params: {}, filter: 'adx', period: 14, regime: 'ranging', threshold: undefined });
  });

  it('finds each built-in by name, in any case', () => {
    for (const [name, S] of BUILT_INS) {
      expect(strategyByName(name)).toBe(S);
      expect(strategyByName(name.toLowerCase())).toBe(S);
    }
  });

  it('suggests the nearest name for an unknown one', () => {
    const err = errorOf(() => strategyByName('DonchianBreakut'));
    expect(err.code).toBe('UNKNOWN_STRATEGY');
    expect(err.message).toBe("unknown strategy 'DonchianBreakut'. Did you mean 'DonchianBreakout'?");
  });
});
