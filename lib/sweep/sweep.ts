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
 * transaction: a kill loses at most the batch in flight, and a rerun skips what is stored.
 */
import { isBars, type Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { paramsHash } from '../core/hash';
import { resample } from '../data/resample';
import { slice, type TimeLike } from '../data/slice';
import { periodLabel } from '../data/windows';
import { checkParameterNames, completeParams, engine, parameterKey, parseParams, runBacktest, strategyName, type EngineOptions, type EngineSettings, type StrategyClass } from '../engine';
import { plainParams } from '../engine/result';
import { IndicatorMemo } from '../indicators';
import { strategyByName } from '../strategies/registry';
import { checkGrid, expandGrid, type Constraint, type ParamGrid } from './grid';
import { availableCores, sharedPool, type SweepPool } from './pool';
import { progressReporter, type ProgressMode } from './progress';
import { SweepResult, type SweepRow } from './result';
import { disqualify, DISQUALIFIED_SCORE, SCORES, type DisqualificationRules, type ScoreFunction } from './score';
import { shareBars, type SharedBars } from './shared';
import { strategyRef, type StrategyRef } from './strategy-ref';
import { normaliseCapture, runCaptureAt, type CaptureOptions } from './capture';
import { BLOCK_WIDTH, metricsAt, runChunk, type ChunkOutput } from './task';
import type { ExperimentMetrics, ExperimentRecord, ExperimentStore } from './types';

export type SweepData = Bars | Record<string, Bars>;


interface Tracking {
  store: ExperimentStore;
  experimentId: string;
  source: string;
  parentExperimentId?: string;
}

interface Config {
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
  constructor(private readonly config: Readonly<Config>) {}

  private with(patch: Partial<Config>): Sweep {
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

  /** How to rank: 'sharpe' (default, the seed's), 'calmarSharpe', 'penalised', 'returnPct', or your own function of the metrics. */
  score(score: keyof typeof SCORES | ScoreFunction): Sweep {
    const fn = typeof score === 'function' ? score : SCORES[score];
    if (typeof fn !== 'function') throw new StratlabError('BAD_ARGUMENT', `sweep.score(${JSON.stringify(score)}): expected ${Object.keys(SCORES).join(', ')} or a function`);
    return this.with({ score: fn });
  }

  /** Override some of the seed's disqualification thresholds. */
  rules(rules: Partial<DisqualificationRules>): Sweep {
    return this.with({ rules: { ...this.config.rules, ...rules } });
  }

  /** Engine settings for every run (defaults: the seed's cost model — spread 0.0003, fills at the close). */
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

  /** The combinations the grid yields after the constraint, per dataset. */
  combinations(): Record<string, unknown>[] {
    return candidates(this.config, this.config.grid);
  }

  async run(): Promise<SweepResult> {
    return runSweep(this.config);
  }
}

/** One combination: its parameters (defaults filled), as plain JSON values, and their hash. */
interface Combo {
  params: Record<string, unknown>;
  plain: Record<string, unknown>;
  hash: string;
}

/** What the runner needs per symbol/timeframe. */
interface Dataset {
  bars: Bars;
  period: string;
  shared?: SharedBars;
}

async function runSweep(c: Readonly<Config>): Promise<SweepResult> {
  const t0 = performance.now();
  const startedAt = new Date();
  const S = c.strategy;
  if (!S) throw new StratlabError('BAD_ARGUMENT', 'sweep(…).run(): no strategy; call .strategy(S) first');
  const name = strategyName(S);
  const notes: string[] = [];

  // Parameters: completed with the defaults and hashed here; validated where they run (runChunk).
  const grid = checkGrid(S, c.grid);
  const combos: Combo[] = [];
  for (const raw of candidates(c, grid)) {
    const params = completeParams(S, raw);
    const plain = plainParams(params);
    combos.push({ params, plain, hash: paramsHash(plain) });
  }
  const invalid: { params: Record<string, unknown>; error: string }[] = [];
  const invalidSeen = new Set<string>();

  const datasets = prepareData(c);
  const executionDelay: 0 | 1 = c.settings.fill === 'next_open' ? 1 : 0;
  const rows: SweepRow[] = [];
  const work: { ds: Dataset; todo: typeof combos }[] = [];
  let resumed = 0;
  // With capture every combination runs (a stored result has no traces); stored ones are not saved again.
  const alreadyStored = new Set<string>();
  for (const ds of datasets) {
    let todo = combos;
    if (c.tracking && c.capture) {
      const stored = c.tracking.store.testedRecords({ strategy: name, symbol: ds.bars.symbol, timeframe: ds.bars.timeframe, period: ds.period, spread: c.settings.spread, executionDelay });
      for (const h of stored.keys()) alreadyStored.add(`${ds.bars.symbol}\u0000${ds.bars.timeframe}\u0000${h}`);
    } else if (c.tracking) {
      const stored = c.tracking.store.testedRecords({ strategy: name, symbol: ds.bars.symbol, timeframe: ds.bars.timeframe, period: ds.period, spread: c.settings.spread, executionDelay });
      if (stored.size > 0) {
        todo = combos.filter((k) => !stored.has(k.hash));
        for (const k of combos) {
          const r = stored.get(k.hash);
          if (r) rows.push(fromRecord(r)), resumed++;
        }
      }
    }
    if (todo.length > 0) work.push({ ds, todo });
  }

  const ref = strategyRef(S);
  let workers = c.workers;
  if (workers > 0 && ref === null) {
    notes.push(`${name} is not importable from a JavaScript module (defined in a notebook cell or a TypeScript file), so it runs in this thread; export it from a .js module to use workers`);
    workers = 0;
  }
  const total = work.reduce((n, w) => n + w.todo.length, 0);
  const progress = progressReporter(`sweep ${name}`, total, c.progress);
  const pending: ExperimentRecord[] = [];
  let done = 0, ran = 0, failed = 0, interrupted = false;
  const commit = () => {
    if (c.tracking && pending.length > 0) c.tracking.store.saveMany(pending.splice(0, pending.length));
    else pending.length = 0;
  };
  const collect = (ds: Dataset, chunk: Combo[], out: ChunkOutput) => {
    for (let k = 0; k < chunk.length; k++) {
      if (out.invalid[k]) {
        // The same set is refused on every dataset: list it once.
        if (!invalidSeen.has(chunk[k].hash)) invalidSeen.add(chunk[k].hash), invalid.push({ params: chunk[k].plain, error: out.errors[k] as string });
        continue;
      }
      const row = toRow(ds, chunk[k], out, k, c);
      if (row.status === 'failed') failed++;
      ran++;
      rows.push(row);
      if (c.tracking && !(alreadyStored.size > 0 && alreadyStored.has(`${row.symbol}\u0000${row.timeframe}\u0000${row.paramsHash}`))) {
        pending.push(toRecord(row, name, c.tracking, ds.period, c.settings.spread, executionDelay));
      }
    }
    done += chunk.length;
    if (pending.length >= c.batchSize) commit();
    progress.update(done, failed);
  };

  const chunkSize = (n: number) => Math.max(8, Math.min(512, Math.ceil(n / (Math.max(1, workers) * 6))));
  try {
    if (workers === 0) {
      for (const { ds, todo } of work) {
        const memo = new IndicatorMemo(c.memoBytes);
        const size = Math.max(8, Math.min(256, Math.ceil(todo.length / 20)));
        for (let i = 0; i < todo.length; i += size) {
          if (c.signal?.aborted) { interrupted = true; break; }
          const chunk = todo.slice(i, i + size);
          collect(ds, chunk, runChunk(ds.bars, S, chunk.map((k) => k.params), c.settings, memo, undefined, c.capture));
          await new Promise((r) => setImmediate(r)); // let progress, timers and Ctrl-C through
        }
      }
    } else {
      interrupted = await runOnPool(sharedPool(workers), work, ref as StrategyRef, c, chunkSize, collect);
    }
  } finally {
    commit();
    progress.finish();
  }
  if (invalid.length > 0) notes.push(`${invalid.length} grid point(s) refused by ${name}'s parameter rules and not run, e.g. ${JSON.stringify(invalid[0].params)}: ${invalid[0].error}`);

  const result = new SweepResult(rows, {
    strategy: name, experimentId: c.tracking?.experimentId ?? null, combinations: combos.length * datasets.length,
    ran, resumed, failed, invalid, workers, inProcess: workers === 0, interrupted,
    elapsedMs: 0, notes,
    // The strategy's own names (entry_period in a grid is entryPeriod in every row's params).
    gridKeys: [...new Set((c.paramSets ? c.paramSets.flatMap((p) => Object.keys(p)) : Object.keys(grid)).map((k) => parameterKey(S, k) ?? k))],
  });
  if (c.capture) {
    captureEquity(result, S, c.capture.equity ?? 0, datasets, c.settings);
    result.captured = { options: c.capture, bars: datasets.map((d) => d.bars), settings: c.settings, startedAt };
  }
  (result as { elapsedMs: number }).elapsedMs = performance.now() - t0;
  return result;
}

/**
 * The equity curves of the n best runs. The best are known only once every chunk is in (scores are
 * computed here, with the caller's score function), so these few runs are done again in this
 * thread rather than every curve crossing from the workers: backtests are deterministic.
 */
function captureEquity(result: SweepResult, S: StrategyClass, n: number, datasets: Dataset[], settings: EngineSettings): void {
  if (n <= 0) return;
  for (const row of result.top(n)) {
    const ds = datasets.find((d) => d.bars.symbol === row.symbol && d.bars.timeframe === row.timeframe);
    if (!ds) continue;
    const res = runBacktest(ds.bars, { ...settings, strategy: S, params: parseParams(S, row.params) as Record<string, unknown> });
    row.capture = { ...row.capture, equity: res.equity };
  }
}

/** The grid's product, or the explicit parameter sets; filtered by the constraint either way. */
function candidates(c: Readonly<Config>, grid: ParamGrid): Record<string, unknown>[] {
  if (!c.paramSets) return expandGrid(grid, c.where);
  return c.where ? c.paramSets.filter(c.where) : c.paramSets;
}

/** Feeds chunks to the pool, at most two per worker in flight, in dataset order; true when aborted. */
async function runOnPool(pool: SweepPool, work: { ds: Dataset; todo: Combo[] }[], ref: StrategyRef, c: Readonly<Config>,
  chunkSize: (n: number) => number, collect: (ds: Dataset, chunk: Combo[], out: ChunkOutput) => void): Promise<boolean> {
  const queue: { ds: Dataset; chunk: (typeof work)[number]['todo'] }[] = [];
  for (const w of work) {
    w.ds.shared ??= shareBars(`${process.pid}:${Math.random().toString(36).slice(2)}:${w.ds.bars.symbol}:${w.ds.bars.timeframe}`, w.ds.bars);
    const size = chunkSize(w.todo.length);
    for (let i = 0; i < w.todo.length; i += size) queue.push({ ds: w.ds, chunk: w.todo.slice(i, i + size) });
  }
  let next = 0, aborted = false;
  let failure: unknown = null;
  const lane = async (): Promise<void> => {
    while (next < queue.length && failure === null) {
      if (c.signal?.aborted) { aborted = true; return; }
      const { ds, chunk } = queue[next++];
      try {
        const out = await pool.run({
          // Plain values only cross a thread (a class given as a parameter goes by its name).
          dataset: ds.shared as SharedBars, strategy: ref, settings: c.settings, memoBytes: c.memoBytes, combos: chunk.map((k) => k.plain),
          ...(c.capture ? { capture: c.capture } : {}),
        });
        collect(ds, chunk, out);
      } catch (e) {
        failure = e;
      }
    }
  };
  await Promise.all(Array.from({ length: pool.size * 2 }, lane));
  if (failure !== null) {
    throw new StratlabError('STRATEGY_ERROR', `sweep worker failed: ${failure instanceof Error ? failure.message : String(failure)}`, {
      hint: 'results finished before the failure are kept (and committed when tracked)',
    });
  }
  return aborted;
}

function prepareData(c: Readonly<Config>): Dataset[] {
  const out: Dataset[] = [];
  for (const base of c.data) {
    const window = c.from !== undefined || c.to !== undefined ? slice(base, c.from, c.to) : base;
    if (window.time.length === 0) throw new StratlabError('EMPTY_DATA', `sweep: ${base.symbol} has no bars between ${String(c.from)} and ${String(c.to)}`);
    for (const tf of c.timeframes ?? [window.timeframe]) {
      const bars = tf === window.timeframe ? window : resample(window, tf);
      if (bars.time.length === 0) throw new StratlabError('EMPTY_DATA', `sweep: ${base.symbol} ${tf} has no bars`);
      const n = bars.time.length;
      out.push({ bars, period: periodLabel(bars.time[0], bars.time[n - 1] + 1) });
    }
  }
  return out;
}

export function experimentMetrics(m: ExperimentMetrics): ExperimentMetrics {
  return {
    returnPct: m.returnPct, annualisedReturn: m.annualisedReturn, maxDrawdown: m.maxDrawdown, totalTrades: m.totalTrades,
    tradesPerYear: m.tradesPerYear, winRate: m.winRate, profitFactor: m.profitFactor, sharpe: m.sharpe,
  };
}

function toRow(ds: Dataset, combo: Combo, out: ChunkOutput, k: number, c: Readonly<Config>): SweepRow {
  const base = { symbol: ds.bars.symbol, timeframe: ds.bars.timeframe, params: combo.plain, paramsHash: combo.hash, resumed: false };
  const error = out.errors[k];
  if (error !== null) {
    return { ...base, score: DISQUALIFIED_SCORE, metrics: undefined as unknown as SweepRow['metrics'], disqualified: [], status: 'failed', error };
  }
  const metrics = metricsAt(out, k);
  const score = c.score(metrics, combo.plain);
  return {
    ...base, metrics, status: 'ok',
    score: Number.isFinite(score) ? score : DISQUALIFIED_SCORE,
    disqualified: disqualify(metrics, c.rules),
    blocks: out.blocks.subarray(k * BLOCK_WIDTH, (k + 1) * BLOCK_WIDTH), // a view: no copy per row
    ...(out.capture ? { capture: runCaptureAt(out.capture, k) } : {}),
  };
}

function toRecord(row: SweepRow, strategy: string, t: Tracking, period: string, spread: number, executionDelay: 0 | 1): ExperimentRecord {
  return {
    experimentId: t.experimentId, strategy, strategySource: t.source, symbol: row.symbol, timeframe: row.timeframe,
    params: row.params, paramsHash: row.paramsHash, status: row.status, error: row.error,
    metrics: row.metrics ? experimentMetrics(row.metrics) : undefined, score: row.score, disqualified: row.disqualified,
    trainPeriod: period, spread, executionDelay, parentExperimentId: t.parentExperimentId, blocks: row.blocks,
  };
}

function fromRecord(r: ExperimentRecord): SweepRow {
  return {
    symbol: r.symbol, timeframe: r.timeframe, params: r.params, paramsHash: r.paramsHash, score: r.score,
    metrics: r.metrics as SweepRow['metrics'], disqualified: r.disqualified, status: r.status, error: r.error, resumed: true, blocks: r.blocks,
  };
}


/** The first few bars (enough to check a resample label without resampling everything). */
function sliceHead(b: Bars): Bars {
  const n = Math.min(b.time.length, 16);
  return { ...b, time: b.time.subarray(0, n), open: b.open.subarray(0, n), high: b.high.subarray(0, n), low: b.low.subarray(0, n), close: b.close.subarray(0, n), volume: b.volume.subarray(0, n) };
}

