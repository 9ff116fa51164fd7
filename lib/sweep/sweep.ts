/**
 * The fluent sweep: strategy × symbols × timeframes × parameter grid.
 *
 *   const sw = await sweep({ SPY: spy, QQQ: qqq })
 *     .strategy(strategies.SmaCross).grid({ fast: range(5, 50, 5), slow: range(20, 200, 10) })
 *     .where((p) => p.fast < p.slow).workers(2).track(tracker, 'sweep_001').run();
 *
 * Data is prepared once per symbol/timeframe and shared with the workers through one
 * SharedArrayBuffer; indicators are memoised per dataset inside each worker, so combinations that
 * need the same SMA compute it once. Results are committed to the tracker in batches, each in one
 * transaction: a kill loses at most the batch in flight, and a rerun skips what is stored. The
 * running itself (counting, streaming, claiming chunks) is in runner.ts.
 */
import { isBars, type Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { resample } from '../data/resample';
import { slice, type TimeLike } from '../data/slice';
import { checkParameterNames, engine, type EngineOptions, type EngineSettings, type StrategyClass } from '../engine';
import { strategyByName } from '../strategies/registry';
import { checkGrid, type Constraint, type ParamGrid } from './grid';
import { availableCores } from './pool';
import { type ProgressMode } from './progress';
import type { SweepResult } from './result';
import { candidates, countOf, runSweep } from './runner';
import { SCORES, type DisqualificationRules, type ScoreFunction } from './score';
import { normaliseCapture, type CaptureOptions } from './capture';
import type { ExperimentStore } from './types';

export type SweepData = Bars | Record<string, Bars>;


export interface Tracking {
  store: ExperimentStore;
  experimentId: string;
  source: string;
  parentExperimentId?: string;
}

export interface SweepConfig {
  data: Bars[];
  strategy?: StrategyClass;
  grid: ParamGrid;
  /** Explicit parameter sets, instead of (or besides) the grid's product. */
  paramSets?: Record<string, unknown>[];
  where?: Constraint;
  timeframes?: string[];
  workers: number;
  tracking?: Tracking;
  score: ScoreFunction;
  rules: Partial<DisqualificationRules>;
  /** What settings() was given (layered); `settings` is the full result. */
  options: EngineOptions;
  settings: EngineSettings;
  from?: TimeLike;
  to?: TimeLike;
  progress: ProgressMode;
  batchSize: number;
  signal?: AbortSignal;
  memoBytes: number;
  /** What each run keeps besides its metrics (null: nothing, the default). */
  capture: CaptureOptions | null;
  /** Refuse sweeps of more combinations (× datasets) than this (undefined: $STRATLAB_MAX_COMBINATIONS, else 1,000,000). */
  maxCombinations?: number;
  /** How many rows `results` keeps, best first (undefined: DEFAULT_KEEP; every row with capture or paramSets). */
  keep?: number;
}

export function sweep(data: SweepData): Sweep {
  const list = isBars(data) ? [data] : data !== null && typeof data === 'object' ? Object.entries(data).map(([symbol, b]) => {
    if (!isBars(b)) throw new StratlabError('BAD_ARGUMENT', `sweep({ ${symbol}: … }): expected Bars for ${symbol}`);
    return b.symbol === symbol ? b : { ...b, symbol };
  }) : [];
  if (list.length === 0) throw new StratlabError('BAD_ARGUMENT', 'sweep(data): expected Bars or { SYMBOL: Bars, … }');
  return new Sweep({
    data: list, grid: {}, workers: Math.min(availableCores(), 4), score: SCORES.sharpe, rules: {},
    options: {}, settings: engine(list[0]).config, progress: 'auto', batchSize: 500, memoBytes: 512 * 1024 * 1024, capture: null,
  });
}

export class Sweep {
  /** @internal use sweep(data) */
  constructor(private readonly config: Readonly<SweepConfig>) {}

  private with(patch: Partial<SweepConfig>): Sweep {
    return new Sweep({ ...this.config, ...patch });
  }

  /** The strategy: a class, or a built-in's name. */
  strategy(S: StrategyClass | string): Sweep {
    const cls = typeof S === 'string' ? strategyByName(S) : S;
    if (typeof cls !== 'function' || !cls.params) throw new StratlabError('BAD_ARGUMENT', 'sweep.strategy(S): expected a Strategy subclass or a built-in name');
    return this.with({ strategy: cls, grid: this.config.grid && Object.keys(this.config.grid).length ? checkGrid(cls, this.config.grid) : {} });
  }

  /** Values to try per parameter: { fast: [5, 10, 20], slow: range(30, 100, 10) }. Other parameters keep their defaults. */
  grid(grid: Record<string, readonly unknown[]>): Sweep {
    return this.with({ grid: this.config.strategy ? checkGrid(this.config.strategy, grid) : { ...grid } });
  }

  /** Explicit parameter sets to run (each completed with the defaults), in place of a grid. */
  paramSets(sets: Record<string, unknown>[]): Sweep {
    if (!Array.isArray(sets) || sets.length === 0 || sets.some((p) => p === null || typeof p !== 'object' || Array.isArray(p))) {
      throw new StratlabError('BAD_ARGUMENT', 'sweep.paramSets(list): expected a non-empty list of parameter objects');
    }
    if (this.config.strategy) checkParameterNames(this.config.strategy, [...new Set(sets.flatMap((p) => Object.keys(p)))], 'sweep paramSets: ');
    return this.with({ paramSets: sets.map((p) => ({ ...p })) });
  }

  /** Keep only the combinations for which `constraint(params)` is true, e.g. p => p.fast < p.slow. */
  where(constraint: Constraint): Sweep {
    if (typeof constraint !== 'function') throw new StratlabError('BAD_ARGUMENT', 'sweep.where(fn): expected a function of the parameters');
    return this.with({ where: constraint });
  }

  /** Resample each symbol to these timeframes (from its own bars) and sweep each. */
  timeframes(list: string[]): Sweep {
    if (!Array.isArray(list) || list.length === 0) throw new StratlabError('BAD_ARGUMENT', 'sweep.timeframes(list): expected a non-empty list such as [\'1h\', \'4h\']');
    for (const b of this.config.data) for (const tf of list) if (tf !== b.timeframe) resample(sliceHead(b), tf); // checks the labels now
    return this.with({ timeframes: [...list] });
  }

  /** Worker threads (default: the cores, at most 4); 0 runs in the calling thread. */
  workers(n: number): Sweep {
    if (!Number.isInteger(n) || n < 0) throw new StratlabError('BAD_ARGUMENT', `sweep.workers(${n}): expected a whole number ≥ 0`);
    return this.with({ workers: n });
  }

  /**
   * Records every result in `store` (a tracker) under `experimentId`, in batches; combinations it
   * already holds (same strategy, symbol, timeframe, parameters, data period and costs) are not run again.
   */
  track(store: ExperimentStore, experimentId: string, opts: { source?: string; parentExperimentId?: string } = {}): Sweep {
    if (!store || typeof store.saveMany !== 'function' || typeof store.testedRecords !== 'function') {
      throw new StratlabError('BAD_ARGUMENT', 'sweep.track(store, id): expected a tracker (openTracker(path))');
    }
    if (typeof experimentId !== 'string' || experimentId.trim() === '') throw new StratlabError('BAD_ARGUMENT', 'sweep.track(store, id): expected an experiment id such as \'sweep_001\'');
    return this.with({ tracking: { store, experimentId, source: opts.source ?? 'existing', parentExperimentId: opts.parentExperimentId } });
  }

  /** How to rank: 'sharpe' (default), 'calmarSharpe', 'penalised', 'returnPct', or your own function of the metrics (docs/validation.md §1.2). */
  score(score: keyof typeof SCORES | ScoreFunction): Sweep {
    const fn = typeof score === 'function' ? score : SCORES[score];
    if (typeof fn !== 'function') throw new StratlabError('BAD_ARGUMENT', `sweep.score(${JSON.stringify(score)}): expected ${Object.keys(SCORES).join(', ')} or a function`);
    return this.with({ score: fn });
  }

  /** Override some of the disqualification thresholds (docs/validation.md §2.3). */
  rules(rules: Partial<DisqualificationRules>): Sweep {
    return this.with({ rules: { ...this.config.rules, ...rules } });
  }

  /** Engine settings for every run (defaults: the live-matched cost model — spread 0.0003, fills at the close; docs/execution.md §2.1). */
  settings(options: EngineOptions): Sweep {
    const merged = { ...this.config.options, ...options };
    return this.with({ options: merged, settings: engine(this.config.data[0]).configure(merged).config });
  }

  /** Only the bars from `from` to `to` (inclusive). */
  between(from?: TimeLike | null, to?: TimeLike | null): Sweep {
    for (const b of this.config.data) slice(b, from, to); // checks the dates now
    return this.with({ from: from ?? undefined, to: to ?? undefined });
  }

  /** 'auto' (a bar on a terminal, a line every 5 s in a notebook), 'bar', 'lines', 'none', or a callback. */
  progress(mode: ProgressMode): Sweep {
    return this.with({ progress: mode });
  }

  /** Results per tracker transaction (default 500). */
  batchSize(n: number): Sweep {
    if (!Number.isInteger(n) || n < 1) throw new StratlabError('BAD_ARGUMENT', `sweep.batchSize(${n}): expected a whole number ≥ 1`);
    return this.with({ batchSize: n });
  }

  /** Stop early when the signal aborts: chunks running finish and are committed, the rest never start. */
  signal(signal: AbortSignal): Sweep {
    return this.with({ signal });
  }

  /**
   * Keep more of each run than its metrics, for a run directory (lib/runs): `traces` — the bars where
   * the position's sign changes; `trades` — every trade; `equity: N` — the equity curves of the N
   * best. `true` is { traces, trades, equity: 10 }. With capture on, nothing is resumed from a
   * tracker (every combination runs; stored ones are not saved twice).
   */
  capture(opts: CaptureOptions | boolean = true): Sweep {
    return this.with({ capture: normaliseCapture(opts) });
  }

  /**
   * Refuse to run more than `n` combinations (over every symbol and timeframe, after `where`); the
   * default is 1,000,000 (or $STRATLAB_MAX_COMBINATIONS). The count is checked before anything runs.
   */
  maxCombinations(n: number): Sweep {
    if (!Number.isInteger(n) || n < 1) throw new StratlabError('BAD_ARGUMENT', `sweep.maxCombinations(${n}): expected a whole number ≥ 1`);
    return this.with({ maxCombinations: n });
  }

  /**
   * How many rows `results` keeps in memory, best first (default 10,000; every row with capture or
   * paramSets). A bigger sweep keeps its best rows only — every row is in the tracker when tracked —
   * so its memory does not grow with the grid. `Infinity` keeps every row.
   */
  keep(n: number): Sweep {
    if (!(n === Infinity || (Number.isInteger(n) && n >= 1))) throw new StratlabError('BAD_ARGUMENT', `sweep.keep(${n}): expected a whole number ≥ 1, or Infinity`);
    return this.with({ keep: n });
  }

  /** How many combinations run per dataset (after `where`), refused above the limit like run(). */
  count(): number {
    const S = this.config.strategy;
    const grid = S ? checkGrid(S, this.config.grid) : this.config.grid;
    return countOf(this.config, grid, 1);
  }

  /** The combinations the grid yields after the constraint, per dataset (an array: refused above the limit). */
  combinations(): Record<string, unknown>[] {
    this.count();
    return [...candidates(this.config, this.config.grid)].map((x) => x.combo);
  }

  async run(): Promise<SweepResult> {
    return runSweep(this.config);
  }
}

/** The first few bars (enough to check a resample label without resampling everything). */
function sliceHead(b: Bars): Bars {
  const n = Math.min(b.time.length, 16);
  return { ...b, time: b.time.subarray(0, n), open: b.open.subarray(0, n), high: b.high.subarray(0, n), low: b.low.subarray(0, n), close: b.close.subarray(0, n), volume: b.volume.subarray(0, n) };
}

