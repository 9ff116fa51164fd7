/**
 * The run directory: what every CLI backtest, sweep, optimization or `stratlab run` writes, and what
 * generated notebooks, the Python bridge and the pattern library read. One contract, here.
 *
 *   runs/<config-name>/<run-id>/
 *     run.json                 RunManifest (below), with each file's rows, size and SHA-256 (integrity)
 *     strategy_index.parquet   one row per strategy (parameter set × symbol × timeframe)
 *     traces/<SYMBOL>_<TF>.parquet   signal changes: one row each time a strategy's position sign changes
 *     trades.parquet           every closed trade of every strategy
 *     equity.parquet           equity curves of the `equityTop` best strategies (all of them when fewer)
 *     analysis_<type>_<timestamp>.ipynb   generated notebooks (lib/notebook)
 *
 * Written to `<run-id>.tmp-<pid>` first and renamed into place when complete, so a crash never
 * leaves a half run. Columns are snake_case (SQL); times are TIMESTAMP (UTC, microseconds in parquet).
 */

import type { BarsSource } from '../core/bars';
import { paramsHash } from '../core/hash';

/** A strategy's id in a run: the canonical hash of its class name, parameters, symbol and timeframe. */
export function strategyHash(strategy: string, params: Record<string, unknown>, symbol: string, timeframe: string): string {
  return paramsHash({ strategy, params, symbol, timeframe });
}

/** run.json */
export interface RunManifest {
  /** '20261121-194501-a1b2c3': UTC time of the start and 6 random hex digits. */
  runId: string;
  configName: string;
  kind: 'backtest' | 'sweep' | 'optimize' | 'run';
  /** The strategy's class name and its type (STRATEGY_TYPES), which picks the notebook template. */
  strategy: { name: string; type: StrategyType };
  /** The config the run came from, as given (YAML parsed to JSON), or the options of an API call. */
  config: Record<string, unknown>;
  data: DataFingerprint[];
  /** The engine settings every strategy ran with (cash, spread, commission, fill, …). */
  settings: Record<string, unknown>;
  stratlabVersion: string;
  startedAt: string;
  finishedAt: string;
  strategyCount: number;
  /** Relative paths of the files present, by role. */
  files: { strategyIndex: string; traces: string[]; trades: string | null; equity: string | null };
  /**
   * Per file of `files` (by its relative path): rows, size and SHA-256 as written, checked whenever
   * the run is opened (integrity.ts). Absent in runs written before stratlab recorded it: those open
   * unverified.
   */
  integrity?: Record<string, FileIntegrity>;
  /**
   * External series joined into the traces' metadata (`"conditions": {NAME: value}`), by name: the
   * file each came from (null when given in memory), its rows and its first and last time.
   */
  conditions?: Record<string, { path: string | null; rows: number; first: string | null; last: string | null }>;
}

export interface FileIntegrity {
  rows: number;
  bytes: number;
  /** SHA-256 of the file's bytes, 64 hex digits. */
  sha256: string;
}

export interface DataFingerprint {
  symbol: string;
  timeframe: string;
  /** Where the bars came from (absolute path), when they came from a file. */
  path: string | null;
  /** The load options that shaped the rows (timezone, columns, repair, format), to reload them alike. */
  load?: Omit<BarsSource, 'path'>;
  rows: number;
  first: string;
  last: string;
  /** 16 hex digits of SHA-256 over the time and OHLCV columns' bytes. */
  sha256: string;
}

/**
 * Strategy families: each has its own notebook section (bollinger_bands: heatmaps over period ×
 * std_dev …); 'generic' adapts to whatever files are present.
 */
export const STRATEGY_TYPES = ['bollinger_bands', 'breakout', 'momentum', 'mean_reversion', 'ensemble', 'generic'] as const;
export type StrategyType = (typeof STRATEGY_TYPES)[number];

/** The type of each built-in strategy; anything else is 'generic' unless the caller says otherwise. */
export const BUILT_IN_TYPES: Readonly<Record<string, StrategyType>> = Object.freeze({
  SmaCross: 'momentum',
  DonchianBreakout: 'breakout',
  BollingerBreakout: 'bollinger_bands',
  MACDBollinger: 'bollinger_bands',
  StochRSIMeanReversion: 'mean_reversion',
  RegimeGated: 'ensemble',
});

/**
 * strategy_index.parquet columns: strategy_hash (VARCHAR: paramsHash of the parameters, plus
 * symbol and timeframe — see strategyHash), strategy_type, strategy, symbol, timeframe, parameters
 * (VARCHAR, canonical JSON), then one DOUBLE per metric in METRIC_COLUMNS, then score and
 * disqualified (VARCHAR, comma-separated rule names, '' when none), status ('ok' | 'failed'), error.
 */
export const METRIC_COLUMNS = [
  'return_pct', 'annualised_return', 'volatility', 'sharpe', 'sortino', 'calmar', 'max_drawdown', 'total_trades', 'win_rate',
  'profit_factor', 'avg_trade_pct', 'exposure_pct', 'buy_and_hold_return_pct', 'trades_per_year', 'final_equity',
] as const;

/** traces/*.parquet columns: strategy_hash VARCHAR, ts TIMESTAMP, val TINYINT (−1 short, 0 flat, 1 long: the position after that bar), price DOUBLE (the bar's close), metadata VARCHAR (JSON: { "parameters": {…} }, plus "conditions": { "VIX": 18.3, … } when the run has conditions: each series' last value at or before ts, null before it starts). */
export const TRACE_COLUMNS = ['strategy_hash', 'ts', 'val', 'price', 'metadata'] as const;

/** trades.parquet columns. */
export const TRADE_COLUMNS = [
  'strategy_hash', 'side', 'units', 'entry_ts', 'exit_ts', 'entry_price', 'exit_price', 'pnl', 'return_pct', 'commission', 'bars_held', 'exit_reason',
] as const;

/** equity.parquet columns. */
export const EQUITY_COLUMNS = ['strategy_hash', 'ts', 'equity'] as const;
