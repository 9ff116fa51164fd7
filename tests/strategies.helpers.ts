/**
 * Shared by tests/strategies.*.test.ts: the markets the built-in strategies are specified on, and
 * checks every ATR-stop strategy must pass. Checks return the offending trades (described), so a
 * failure shows which trade broke which rule; a passing check returns [].
 */
import type { Bars } from '../lib/data';
import { loadBars, syntheticBars } from '../lib/data';
import { engine, type BacktestResult, type FillMode, type StrategyClass, type Trade } from '../lib/engine';
import { atr } from '../lib/indicators';
import { EURUSD, GOOG } from './helpers/paths';

/** GOOG daily (2004–2013), EURUSD hourly, and 20,000 synthetic hourly bars that switch regimes. */
export const MARKETS = ['GOOG', 'EURUSD', 'synthetic'] as const;
export type Market = (typeof MARKETS)[number];
export const FILLS: FillMode[] = ['close', 'next_open'];

const cache = new Map<Market, Promise<Bars>>();
export function market(name: Market): Promise<Bars> {
  let p = cache.get(name);
  if (!p) {
    p = name === 'GOOG' ? loadBars(GOOG) : name === 'EURUSD' ? loadBars(EURUSD) : Promise.resolve(syntheticBars({ n: 20_000, timeframe: '1h', seed: 11 }));
    cache.set(name, p);
  }
  return p;
}

export function backtest(bars: Bars, S: StrategyClass, params: Record<string, unknown>, fill: FillMode): BacktestResult {
  return engine(bars).strategy(S, params).fill(fill).run();
}

/** The bar whose onBar placed the entry: the fill bar itself for fill('close'), the bar before for next_open. */
export const signalBar = (t: Trade, fill: FillMode): number => (fill === 'close' ? t.entryBar : t.entryBar - 1);

/** The bar whose onBar placed a signal exit. */
export const exitSignalBar = (t: Trade, fill: FillMode): number => (fill === 'close' ? t.exitBar : t.exitBar - 1);

export const describeTrade = (t: Trade): string =>
  `${t.side} ${t.entryBar}→${t.exitBar} (${t.exitReason}) stop ${t.stopLoss}`;

/** Trades entered (at their signal bar) while a position was still open at the start of that bar. */
export function enteredWhileInPosition(trades: Trade[], fill: FillMode): string[] {
  const bad: string[] = [];
  const sorted = [...trades].sort((a, b) => a.entryBar - b.entryBar);
  for (let j = 1; j < sorted.length; j++) {
    const prev = sorted[j - 1], t = sorted[j];
    const s = signalBar(t, fill);
    // fill('close'): a stop fires before onBar, so its bar may enter again; a signal exit's bar may not.
    // next_open: an exit placed at s−1 (or a stop at s) is filled before onBar of s.
    const flat = fill === 'close' ? prev.exitBar < s || (prev.exitBar === s && prev.exitReason === 'stopLoss') : prev.exitBar <= s;
    if (!flat) bad.push(`${describeTrade(t)} while ${describeTrade(prev)} was open`);
  }
  return bad;
}

/**
 * Every trade carries a stop-loss `mult` × ATR(period) (at its signal bar) from its entry fill, and
 * exits with reason 'stopLoss' exactly when a bar's range first reached that level (at the level, or
 * at the open when the bar gapped through it, less the spread).
 */
export function stopLossProblems(res: BacktestResult, mult: number, period: number): string[] {
  const { bars } = res;
  const fill = res.settings.fill;
  const half = res.settings.spread / 2;
  const a = atr(bars.high, bars.low, bars.close, period);
  const bad: string[] = [];
  for (const t of res.trades) {
    const dir = t.side === 'long' ? 1 : -1;
    const expected = t.entryPrice - dir * mult * a[signalBar(t, fill)];
    if (t.stopLoss === null || !(Math.abs(t.stopLoss - expected) <= 1e-9 * t.entryPrice)) {
      bad.push(`${describeTrade(t)}: stop should be ${expected}`);
      continue;
    }
    const sl = t.stopLoss;
    const touched = (b: number) => (dir > 0 ? bars.low[b] <= sl : bars.high[b] >= sl);
    const first = fill === 'close' ? t.entryBar + 1 : t.entryBar; // a close fill's own bar is not checked
    // next_open: a signal exit fills at the exit bar's open, before that bar's stops are checked.
    const last = t.exitReason === 'signal' && fill === 'next_open' ? t.exitBar - 1 : t.exitBar;
    let hit = -1;
    for (let b = first; b <= last && hit < 0; b++) if (touched(b)) hit = b;
    if (t.exitReason === 'stopLoss') {
      const o = bars.open[t.exitBar];
      const base = dir > 0 ? Math.min(o, sl) : Math.max(o, sl);
      const price = base * (1 - dir * half);
      if (hit !== t.exitBar) bad.push(`${describeTrade(t)}: stopped out, but the stop was first reached at bar ${hit}`);
      else if (!(Math.abs(t.exitPrice - price) <= 1e-9 * price)) bad.push(`${describeTrade(t)}: stop filled at ${t.exitPrice}, expected ${price}`);
    } else if (hit >= 0) {
      bad.push(`${describeTrade(t)}: the stop was reached at bar ${hit} but the exit says '${t.exitReason}'`);
    }
  }
  return bad;
}

/**
 * The position each bar's onBar starts with (+1 long, −1 short, 0 flat), read back from the trades:
 * fill('close') fills inside onBar, and a stop fires before it; next_open fills at the bar's open,
 * before onBar; the position still open after the last bar is closed after its onBar ('end').
 */
export function positionAtStart(res: BacktestResult): Int8Array {
  const n = res.bars.close.length;
  const fill = res.settings.fill;
  const pos = new Int8Array(n);
  for (const t of res.trades) {
    const dir = t.side === 'long' ? 1 : -1;
    const from = fill === 'close' ? t.entryBar + 1 : t.entryBar;
    const heldAtExitBar = fill === 'close' ? t.exitReason !== 'stopLoss' : t.exitReason === 'end';
    const to = heldAtExitBar ? t.exitBar : t.exitBar - 1;
    for (let b = from; b <= to; b++) pos[b] = dir;
  }
  return pos;
}

/**
 * Bars where the strategy should have entered — `wants(bar, positionAtStart)` says 'long', 'short'
 * or null — but did not, and entries it made where it should not have. The last bar is skipped
 * for next_open (an order placed there has no bar to fill at).
 */
export function entryMismatches(res: BacktestResult, wants: (bar: number, pos: number) => 'long' | 'short' | null): string[] {
  const fill = res.settings.fill;
  const n = res.bars.close.length;
  const pos = positionAtStart(res);
  const made = new Map<number, string>();
  for (const t of res.trades) made.set(signalBar(t, fill), t.side);
  const bad: string[] = [];
  const last = fill === 'next_open' ? n - 2 : n - 1;
  for (let b = 0; b <= last; b++) {
    const want = wants(b, pos[b]);
    const got = made.get(b) ?? null;
    if (want !== got) bad.push(`bar ${b}: expected ${want ?? 'no entry'}, got ${got ?? 'no entry'}`);
  }
  return bad;
}

/**
 * Trades that ignored an exit: the exit rule (`exits(side, bar)`) held at a bar where the trade was
 * open and decided, before the bar its exit was decided at (or, for a signal exit, it did not hold there).
 */
export function missedExits(res: BacktestResult, exits: (side: Trade['side'], bar: number) => boolean): string[] {
  const fill = res.settings.fill;
  const n = res.bars.close.length;
  const bad: string[] = [];
  for (const t of res.trades) {
    const first = fill === 'close' ? t.entryBar + 1 : t.entryBar;
    let last: number; // the last bar whose onBar held the trade and did not close it
    if (t.exitReason === 'signal') {
      last = exitSignalBar(t, fill) - 1;
      if (!exits(t.side, exitSignalBar(t, fill))) bad.push(`${describeTrade(t)}: closed without its exit rule`);
    } else if (t.exitReason === 'end') last = fill === 'close' ? n - 1 : n - 2;
    else last = t.exitBar - 1;
    for (let b = first; b <= last; b++) {
      if (exits(t.side, b)) {
        bad.push(`${describeTrade(t)}: the exit rule held at bar ${b}`);
        break;
      }
    }
  }
  return bad;
}

/** Entry orders that did not fill: a strategy that only enters when it may never has one rejected. */
export function unfilledEntries(res: BacktestResult): string[] {
  const n = res.bars.close.length;
  return res.orders
    .filter((o) => o.reason === 'entry' && o.status !== 'filled' && !(o.status === 'cancelled' && o.bar === n - 1))
    .map((o) => `${o.side} at bar ${o.bar}: ${o.status} (${o.note})`);
}
