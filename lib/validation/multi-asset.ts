/**
 * Multi-asset consistency (docs/validation.md §6): a real edge works on related instruments too. The same
 * strategy and parameters run on each symbol; the check passes when at least `threshold` of them end
 * with a positive return (60 %; docs/validation.md §6.2).
 */
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import type { StrategyClass } from '../engine';
import { resolvePeriod, type PeriodSpec } from './period';
import { runner, type ValidationSettings } from './settings';

export interface MultiAssetOptions {
  strategy: StrategyClass;
  params?: Record<string, unknown>;
  /** The bars of each symbol to test on, loaded over comparable spans. */
  data: Record<string, Bars>;
  /** Share of symbols that must be positive (default 0.6). */
  threshold?: number;
  /** Run every symbol over this period only (default: each symbol's whole data). */
  period?: PeriodSpec;
  settings?: ValidationSettings;
}

export interface MultiAssetResult {
  /** Return in percent, by symbol. */
  results: Record<string, number>;
  positiveCount: number;
  positiveRate: number;
  passes: boolean;
  threshold: number;
}

export const DEFAULT_MULTI_ASSET_THRESHOLD = 0.6;

export function multiAsset(opts: MultiAssetOptions): MultiAssetResult {
  const threshold = opts.threshold ?? DEFAULT_MULTI_ASSET_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new StratlabError('BAD_ARGUMENT', `multiAsset.threshold: expected a share in (0, 1], got ${threshold}`, { location: { field: 'threshold' } });
  }
  const symbols = Object.keys(opts.data ?? {});
  if (symbols.length === 0) {
    throw new StratlabError('BAD_ARGUMENT', 'multiAsset.data: no symbols to test on', { hint: 'pass { SYMBOL: bars, … } for the related symbols', location: { field: 'data' } });
  }
  const period = opts.period === undefined ? undefined : resolvePeriod(opts.period, 'multiAsset.period');
  const results: Record<string, number> = {};
  for (const symbol of symbols) {
    const res = runner(opts.data[symbol], opts.strategy, opts.params ?? {}, opts.settings).run(period?.from, period?.to);
    results[symbol] = res.returnPct;
  }
  const positiveCount = Object.values(results).filter((r) => r > 0).length;
  return {
    results,
    positiveCount,
    positiveRate: positiveCount / symbols.length,
    // Counted, not compared as rates: positives ≥ 0.6 × symbols, so 3 of 5 passes exactly (docs/validation.md §6.2).
    passes: positiveCount >= threshold * symbols.length - 1e-9,
    threshold,
  };
}

/**
 * Related instruments by symbol, for the multi-asset check: the same market segment or the same
 * driver (broad US equity indices, energy, USD majors, large crypto). A starting point, not a truth:
 * pass your own map to relatedSymbols(symbol, universe), or `related` to the pipeline.
 */
export const RELATED_SYMBOLS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  SPY: ['QQQ', 'IWM', 'DIA'],
  QQQ: ['SPY', 'IWM'],
  IWM: ['SPY', 'QQQ'],
  DIA: ['SPY', 'QQQ'],
  XLE: ['XOP', 'OIH'],
  XOP: ['XLE', 'OIH'],
  OIH: ['XLE', 'XOP'],
  EURUSD: ['GBPUSD', 'AUDUSD', 'USDCHF'],
  GBPUSD: ['EURUSD', 'AUDUSD'],
  AUDUSD: ['NZDUSD', 'EURUSD'],
  BTCUSD: ['ETHUSD'],
  ETHUSD: ['BTCUSD'],
});

/**
 * The symbols related to `symbol` (case-insensitive): from `universe` when it names the symbol, else
 * from RELATED_SYMBOLS; [] when neither does. Never includes the symbol itself.
 */
export function relatedSymbols(symbol: string, universe?: Readonly<Record<string, readonly string[]>>): string[] {
  const key = symbol.toUpperCase();
  const find = (map?: Readonly<Record<string, readonly string[]>>) => {
    if (!map) return undefined;
    const hit = Object.keys(map).find((k) => k.toUpperCase() === key);
    return hit === undefined ? undefined : map[hit];
  };
  const list = find(universe) ?? find(RELATED_SYMBOLS) ?? [];
  return list.filter((s) => s.toUpperCase() !== key);
}
