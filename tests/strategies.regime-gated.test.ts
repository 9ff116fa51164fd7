import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Bars } from '../lib/data';
import { engine, Strategy, type BacktestResult, type BarContext, type FillMode, type InitContext } from '../lib/engine';
import { adx, chop } from '../lib/indicators';
import { DonchianBreakout, RegimeGated, SmaCross, StochRSIMeanReversion } from '../lib/strategies';
import { StratlabError } from '../lib/core/errors';
import { backtest, describeTrade, exitSignalBar, FILLS, market, MARKETS, signalBar, stopLossProblems } from './strategies.helpers';

/** RegimeGated, keeping the last instance built so a test can read its blockedEntries. */
let lastGated: RegimeGated | null = null;
class InspectedGate extends RegimeGated {
  constructor(p: ConstructorParameters<typeof RegimeGated>[0]) {
    super(p);
    lastGated = this;
  }
}

const trades = (res: BacktestResult) => res.trades.map((t) => [t.side, t.entryBar, t.exitBar, t.units, t.exitReason]);

describe.each(MARKETS)('RegimeGated (defaults: StochRSIMeanReversion while ADX(14) < 25) on %s', (name) => {
  describe.each(FILLS)('fill %s', (fill) => {
    let bars: Bars, res: BacktestResult, gate: Float64Array;
    beforeAll(async () => {
      bars = await market(name);
      res = backtest(bars, RegimeGated, {}, fill);
      gate = adx(bars.high, bars.low, bars.close, 14);
    });

    it('trades', () => expect(res.totalTrades).toBeGreaterThan(0));

    it('enters only where the gate was open (ADX < 25) at the signal bar', () => {
      expect(res.trades.filter((t) => !(gate[signalBar(t, fill)] < 25)).map(describeTrade)).toEqual([]);
    });

    it("keeps the inner strategy's ATR stops", () => {
      expect(stopLossProblems(res, 2, 14)).toEqual([]);
    });
  });
});

describe.each(['GOOG', 'EURUSD'] as const)('RegimeGated around other strategies on %s', (name) => {
  let bars: Bars;
  beforeAll(async () => {
    bars = await market(name);
  });

  describe.each(FILLS)('fill %s', (fill: FillMode) => {
    it('gates SmaCross to a trending market (ADX(14) > 25): entries only there, and some exits where the gate is closed', () => {
      const res = backtest(bars, RegimeGated, { strategy: 'SmaCross', regime: 'trending' }, fill);
      const a = adx(bars.high, bars.low, bars.close, 14);
      expect(res.totalTrades).toBeGreaterThan(0);
      expect(res.trades.filter((t) => !(a[signalBar(t, fill)] > 25)).map(describeTrade)).toEqual([]);
      // SmaCross reverses at a cross; with the gate closed the reversal still closes the position.
      const closedByGateShut = res.trades.filter((t) => t.exitReason === 'signal' && !(a[exitSignalBar(t, fill)] > 25));
      expect(closedByGateShut.length).toBeGreaterThan(0);
      for (const t of closedByGateShut) expect(res.trades.some((u) => u.entryBar === t.exitBar)).toBe(false);
    });

    it('gates DonchianBreakout by CHOP: trending means CHOP(20) < 38.2 at each entry', () => {
      const res = backtest(bars, RegimeGated, { strategy: 'DonchianBreakout', filter: 'chop', period: 20, regime: 'trending' }, fill);
      const c = chop(bars.high, bars.low, bars.close, 20);
      expect(res.totalTrades).toBeGreaterThan(0);
      expect(res.params.threshold).toBe(38.2);
      expect(res.trades.filter((t) => !(c[signalBar(t, fill)] < 38.2)).map(describeTrade)).toEqual([]);
      expect(stopLossProblems(res, 2, 14)).toEqual([]);
    });

    it('gates by CHOP ranging: CHOP(14) > 61.8 at each entry', () => {
      const res = backtest(bars, RegimeGated, { strategy: 'StochRSIMeanReversion', params: { skipAdxFilter: true }, filter: 'chop' }, fill);
      const c = chop(bars.high, bars.low, bars.close, 14);
      expect(res.totalTrades).toBeGreaterThan(0);
      expect(res.params.threshold).toBe(61.8);
      expect(res.trades.filter((t) => !(c[signalBar(t, fill)] > 61.8)).map(describeTrade)).toEqual([]);
    });
  });

  it('with a gate that never opens, makes no trades and counts the entries it blocked', () => {
    for (const strategy of ['SmaCross', 'DonchianBreakout', 'StochRSIMeanReversion']) {
      const res = backtest(bars, InspectedGate, { strategy, threshold: 0 }, 'close'); // ADX < 0: never
      expect(res.totalTrades).toBe(0);
      expect(lastGated!.blockedEntries).toBeGreaterThan(0);
    }
  });

  it('with a gate that is always open once ADX is defined, trades exactly as the inner strategy', () => {
    const inner = backtest(bars, SmaCross, { fast: 10, slow: 30 }, 'next_open');
    const gated = backtest(bars, InspectedGate, { strategy: 'SmaCross', params: { fast: 10, slow: 30 }, regime: 'trending', threshold: 0 }, 'next_open');
    expect(trades(gated)).toEqual(trades(inner));
    expect(gated.finalEquity).toBe(inner.finalEquity);
    expect(lastGated!.blockedEntries).toBe(0);
  });

  it("gating StochRSIMeanReversion (its own filter off) by ADX(14) < 25 trades exactly as its built-in ADX filter", () => {
    for (const fill of FILLS) {
      const builtIn = backtest(bars, StochRSIMeanReversion, {}, fill);
      const gated = backtest(bars, RegimeGated, { strategy: 'StochRSIMeanReversion', params: { skipAdxFilter: true }, filter: 'adx', regime: 'ranging', threshold: 25 }, fill);
      expect(builtIn.totalTrades).toBeGreaterThan(0);
      expect(trades(gated)).toEqual(trades(builtIn));
    }
  });

  it('wraps a strategy given by name (any case) or by class alike', () => {
    const p = { fast: 5, slow: 20 };
    const byName = backtest(bars, RegimeGated, { strategy: 'SmaCross', params: p, regime: 'trending' }, 'close');
    const byLowerName = backtest(bars, RegimeGated, { strategy: 'smacross', params: p, regime: 'trending' }, 'close');
    const byClass = backtest(bars, RegimeGated, { strategy: SmaCross, params: p, regime: 'trending' }, 'close');
    expect(byName.totalTrades).toBeGreaterThan(0);
    expect(trades(byClass)).toEqual(trades(byName));
    expect(trades(byLowerName)).toEqual(trades(byName));
  });
});

describe('RegimeGated semantics', () => {
  let goog: Bars;
  beforeAll(async () => {
    goog = await market('GOOG');
  });

  /** Buys 1 unit every `every` bars (adding to a long), and reads its parameters from ctx.params. */
  const probe = z.object({ every: z.number().int().default(5) });
  let seenParams: unknown = null;
  class Accumulate extends Strategy<z.infer<typeof probe>> {
    static params = probe;
    init(_ctx: InitContext): void {}
    onBar(ctx: BarContext): void {
      seenParams = ctx.params;
      if (ctx.i % this.params.every === 0) ctx.buy({ units: 1 });
      if (ctx.i % 97 === 96) ctx.close();
    }
  }

  const GATES = [
    { filter: 'adx', regime: 'ranging', threshold: 25, open: (v: number) => v < 25 },
    { filter: 'adx', regime: 'trending', threshold: 25, open: (v: number) => v > 25 },
    { filter: 'chop', regime: 'ranging', threshold: 61.8, open: (v: number) => v > 61.8 },
    { filter: 'chop', regime: 'trending', threshold: 38.2, open: (v: number) => v < 38.2 },
  ] as const;

  it.each(GATES)('$filter $regime (threshold $threshold): places every entry order (opening or adding) where the gate is open, none elsewhere', (g) => {
    const res = engine(goog).strategy(InspectedGate, { strategy: Accumulate, params: { every: 3 }, filter: g.filter, regime: g.regime }).run();
    const gate = (g.filter === 'adx' ? adx : chop)(goog.high, goog.low, goog.close, 14);
    const entries = res.orders.filter((o) => o.reason === 'entry');
    const openEvery3 = Array.from(goog.close, (_, b) => b).filter((b) => b % 3 === 0 && g.open(gate[b]));
    expect(res.params.threshold).toBe(g.threshold);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.map((o) => o.bar)).toEqual(openEvery3);
    const asked = Math.floor((goog.close.length - 1) / 3) + 1;
    expect(lastGated!.blockedEntries).toBe(asked - entries.length);
    expect(lastGated!.blockedEntries).toBeGreaterThan(0);
    // close() passes through whatever the gate.
    const exits = res.orders.filter((o) => o.reason === 'exit');
    expect(exits.every((o) => o.bar % 97 === 96)).toBe(true);
    expect(exits.filter((o) => !g.open(gate[o.bar])).length).toBeGreaterThan(0);
  });

  /** Reverses with bare orders, never calling close(): buys at bars ≡ 0 (mod 10), sells at bars ≡ 5. */
  class Flip extends Strategy<Record<string, never>> {
    static params = z.object({});
    onBar(ctx: BarContext): void {
      if (ctx.i % 10 === 0) ctx.buy();
      else if (ctx.i % 10 === 5) ctx.sell();
    }
  }

  it('turns a reversal into a close while the gate is closed: the position is closed, the new one not opened', () => {
    const a = adx(goog.high, goog.low, goog.close, 14);
    for (const fill of FILLS) {
      const res = engine(goog).strategy(RegimeGated, { strategy: Flip }).fill(fill).run();
      const atClosedGate = res.orders.filter((o) => o.reason !== 'end' && !(a[o.bar] < 25));
      expect(atClosedGate.length).toBeGreaterThan(0);
      expect(atClosedGate.filter((o) => o.reason !== 'exit')).toEqual([]);
      // …while an open gate lets it reverse: some bars both close one trade and open the next.
      expect(res.trades.some((t) => res.trades.some((u) => u.entryBar === t.exitBar && u.side !== t.side))).toBe(true);
    }
  });

  it("gives the inner strategy its own parameters in ctx.params", () => {
    engine(goog).strategy(RegimeGated, { strategy: Accumulate, params: { every: 7 } }).run();
    expect(seenParams).toEqual({ every: 7 });
  });

  it("records the inner strategy's parameters with their defaults, and the threshold in force", () => {
    const res = engine(goog).strategy(RegimeGated, { strategy: 'donchianbreakout', params: { entry_period: 30 } }).run();
    expect(res.params).toEqual({
      strategy: 'DonchianBreakout',
      params: { entryPeriod: 30, exitPeriod: 10, stopLossAtr: 2, atrPeriod: 14, longOnly: false },
      filter: 'adx', period: 14, regime: 'ranging', threshold: 25,
    });
  });

  it("registers the inner strategy's indicators, then the gate in a panel", () => {
    const res = engine(goog).strategy(RegimeGated, { strategy: DonchianBreakout, filter: 'chop', period: 21 }).run();
    const names = res.indicators.map((i) => i.name);
    const inner = engine(goog).strategy(DonchianBreakout).run().indicators.map((i) => i.name);
    expect(names).toEqual([...inner, 'CHOP(21) gate']);
    expect(res.indicators.at(-1)!.plot).toBe('panel');
  });

  it('rejects an unknown inner strategy with UNKNOWN_STRATEGY and a suggestion, when the parameters are given', () => {
    const base = engine(goog);
    let err: unknown;
    try {
      base.strategy(RegimeGated, { strategy: 'StochRSIMeanRevrsion' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StratlabError);
    expect((err as StratlabError).code).toBe('UNKNOWN_STRATEGY');
    expect((err as StratlabError).message).toBe("unknown strategy 'StochRSIMeanRevrsion'. Did you mean 'StochRSIMeanReversion'?");
  });

  it('reports what its gate did: the share of bars it was closed (counted against ADX) and the entries it dropped', () => {
    const res = engine(goog).strategy(InspectedGate, { strategy: 'SmaCross', regime: 'trending' }).run();
    const gate = adx(goog.high, goog.low, goog.close, 14);
    const closed = Array.from(gate).filter((v) => !(v > 25)).length; // NaN warm-up counts as closed
    expect(res.strategyReport).toEqual({ blockedEntries: lastGated!.blockedEntries, gateClosedPct: (closed / goog.close.length) * 100 });
    expect(res.strategyReport!.blockedEntries).toBeGreaterThan(0);
    expect(res.toString()).toMatch(/^Strategy report\s+blockedEntries \d+, gateClosedPct \d+(\.\d+)?$/m);
    expect((res.toJSON() as { strategyReport: unknown }).strategyReport).toEqual(res.strategyReport);
    expect(engine(goog).strategy(SmaCross).run().strategyReport).toBeUndefined();
  });

  it("reports the inner strategy's parameter errors in its own name", () => {
    expect(() => engine(goog).strategy(RegimeGated, { strategy: 'StochRSIMeanReversion', params: { oversld: 10 } })).toThrow(
      expect.objectContaining({ code: 'BAD_PARAMETER', message: "StochRSIMeanReversion has no parameter 'oversld'. Did you mean 'oversold'?" }),
    );
    expect(() => engine(goog).strategy(RegimeGated, { strategy: StochRSIMeanReversion, params: { oversold: 90 } })).toThrow(
      expect.objectContaining({ code: 'BAD_PARAMETER', message: 'StochRSIMeanReversion: oversold: expected 0 < oversold < overbought < 100' }),
    );
  });

  it('rejects a strategy that is neither a name nor a Strategy class, and an unknown filter', () => {
    expect(() => engine(goog).strategy(RegimeGated, { strategy: 42 } as any)).toThrow(
      expect.objectContaining({ code: 'BAD_PARAMETER', message: 'RegimeGated: strategy: expected a built-in strategy name or a Strategy class' }),
    );
    expect(() => engine(goog).strategy(RegimeGated, { filter: 'rsi' } as any)).toThrow(
      expect.objectContaining({ code: 'BAD_PARAMETER', message: `RegimeGated: filter: expected 'adx' | 'chop', got "rsi"` }),
    );
  });
});
