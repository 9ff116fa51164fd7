/**
 * Running a sweep. The combinations are counted first (refused above the limit), then streamed:
 * an odometer over the grid is cut into chunks of a fixed size, chunks go to the workers as they
 * free up, and only the best `keep` rows stay in memory — a sweep's memory does not grow with its
 * grid. When tracked, each chunk is claimed in the tracker before it runs, so several processes
 * sweeping the same experiment split the chunks between them, and a chunk's stored results are
 * looked up (a rerun resumes) just before it would run.
 */
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { canonicalJson, paramsHash } from '../core/hash';
import { periodLabel } from '../data/windows';
import { resample } from '../data/resample';
import { slice } from '../data/slice';
import { completeParams, parameterKey, parseParams, runBacktest, strategyName, type EngineSettings, type StrategyClass } from '../engine';
import { plainParams } from '../engine/result';
import { IndicatorMemo } from '../indicators';
import { runCaptureAt } from './capture';
import { dataFingerprint, sweepKey } from './fingerprint';
import { checkGrid, checkSetCount, countCombinations, gridPositions, maxCombinationsLimit, type ParamGrid } from './grid';
import { sharedPool, type SweepPool } from './pool';
import { progressReporter } from './progress';
import { RankedRows } from './ranked';
import { SweepResult, type SweepRow } from './result';
import { disqualify, DISQUALIFIED_SCORE } from './score';
import { shareBars, type SharedBars } from './shared';
import { strategyRef, type StrategyRef } from './strategy-ref';
import { BLOCK_WIDTH, metricsAt, runChunk, type ChunkOutput } from './task';
import type { SweepConfig, Tracking } from './sweep';
import type { ChunkClaims, ExperimentMetrics, ExperimentRecord, TestedQuery } from './types';

/** Rows `results` keeps unless told otherwise (`.keep(n)`): every row of a smaller sweep, the best of a bigger one. */
export const DEFAULT_KEEP = 10_000;

/** Refused parameter sets listed in a result (all are counted): a huge grid may hold millions. */
const MAX_LISTED_INVALID = 100;

/** How often a waiting sweep looks again at a chunk another process is running. */
const WAIT_MS = 200;

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
  fingerprint: string;
  /** The chunk plan's key in the claims table. */
  key: string;
  query: TestedQuery;
  memo?: IndicatorMemo;
  shared?: SharedBars;
}

/** A chunk to run here: its combinations not yet stored, and whether this sweep holds its claim. */
interface Task {
  ds: Dataset;
  chunk: number;
  combos: Combo[];
  claimed: boolean;
  /** Hashes of combinations stored already (with capture on they run again, but are not saved twice). */
  stored?: Set<string>;
}

/** The chunk size: a function of the count only (never of the workers), so that concurrent sweeps cut the same chunks. */
export function chunkSize(count: number): number {
  return Math.max(8, Math.min(512, Math.ceil(count / 24)));
}

export async function runSweep(c: Readonly<SweepConfig>): Promise<SweepResult> {
  const t0 = performance.now();
  const startedAt = new Date();
  const S = c.strategy;
  if (!S) throw new StratlabError('BAD_ARGUMENT', 'sweep(…).run(): no strategy; call .strategy(S) first');
  const name = strategyName(S);
  const notes: string[] = [];
  const grid = checkGrid(S, c.grid);
  const datasetCount = c.data.length * (c.timeframes?.length ?? 1);
  const count = countOf(c, grid, datasetCount);
  const size = chunkSize(count);

  const datasets = prepareData(c, name, grid, size, count);
  const t = c.tracking;
  // With capture every combination runs here (a stored result has no traces), so there is nothing to share.
  const claims: ChunkClaims | null = t && !c.capture && typeof t.store.claims === 'function' ? t.store.claims() : null;
  const keep = c.keep ?? (c.capture || c.paramSets ? Infinity : DEFAULT_KEEP);
  const ranked = new RankedRows(keep);
  const invalid: { params: Record<string, unknown>; error: string }[] = [];
  let refused = 0;
  const executionDelay: 0 | 1 = c.settings.fill === 'next_open' ? 1 : 0;
  let resumed = 0, ran = 0, failed = 0, done = 0, interrupted = false;

  const ref = strategyRef(S);
  let workers = c.workers;
  if (workers > 0 && ref === null) {
    notes.push(`${name} is not importable from a JavaScript module (defined in a notebook cell or a TypeScript file), so it runs in this thread; export it from a .js module to use workers`);
    workers = 0;
  }
  const progress = progressReporter(`sweep ${name}`, count * datasets.length, c.progress);

  // ---- the tracker: stored results, commits in batches, claims held -------------------------------
  const wholeSlices = new Map<Dataset, Map<string, ExperimentRecord>>();
  const lookup = (ds: Dataset, combos: Combo[]): Map<string, ExperimentRecord> => {
    const store = t!.store;
    if (typeof store.storedRecords === 'function') return store.storedRecords(ds.query, combos.map((k) => k.hash));
    // A store without per-chunk lookups: its whole slice, once per dataset.
    let all = wholeSlices.get(ds);
    if (!all) wholeSlices.set(ds, (all = store.testedRecords(ds.query)));
    return all;
  };
  const pending: ExperimentRecord[] = [];
  // Chunks whose records are all in `pending` up to `upTo`: marked done in the transaction that commits them.
  const finishing: { key: string; chunk: number; upTo: number }[] = [];
  const held = new Map<string, { ds: Dataset; chunk: number }>(); // claimed, not yet committed
  const commitBatch = (n: number) => {
    const records = pending.splice(0, n);
    const doneNow = finishing.filter((f) => f.upTo <= n);
    finishing.splice(0, doneNow.length);
    for (const f of finishing) f.upTo -= n;
    if (claims) claims.saveAndFinish(records, doneNow);
    else if (t && records.length > 0) t.store.saveMany(records);
    for (const f of doneNow) held.delete(`${f.key}\u0000${f.chunk}`);
  };
  const commit = (all: boolean) => {
    // Whole batches of batchSize while there are; the rest at the end.
    while (pending.length >= c.batchSize) commitBatch(c.batchSize);
    if (all && (pending.length > 0 || finishing.length > 0)) commitBatch(pending.length);
  };

  const addStored = (r: ExperimentRecord) => {
    ranked.add(fromRecord(r));
    resumed++;
    done++;
  };
  const collect = (task: Task, out: ChunkOutput) => {
    const { ds, combos } = task;
    for (let k = 0; k < combos.length; k++) {
      if (out.invalid[k]) {
        // The same set is refused on every dataset: counted on the first; the first few listed.
        if (ds === datasets[0] && refused++ < MAX_LISTED_INVALID) invalid.push({ params: combos[k].plain, error: out.errors[k] as string });
        continue;
      }
      const row = toRow(ds, combos[k], out, k, c);
      if (row.status === 'failed') failed++;
      ran++;
      ranked.add(row);
      if (t && !task.stored?.has(row.paramsHash)) pending.push(toRecord(row, name, t, ds, c.settings, executionDelay));
    }
    if (task.claimed) finishing.push({ key: ds.key, chunk: task.chunk, upTo: pending.length });
    done += combos.length;
    commit(false);
    progress.update(done, failed);
  };

  // ---- the chunks, in order: claimed, resumed, deferred -----------------------------------------
  /** What to do with chunk `n` of a dataset: nothing more (stored), or a task to run. */
  const settle = (ds: Dataset, n: number, combos: Combo[], state: 'mine' | 'done' | 'free'): Task | null => {
    if (!t) return { ds, chunk: n, combos, claimed: false };
    const stored = lookup(ds, combos);
    if (c.capture) return { ds, chunk: n, combos, claimed: false, stored: new Set(combos.filter((k) => stored.has(k.hash)).map((k) => k.hash)) };
    const todo: Combo[] = [];
    for (const k of combos) {
      const r = stored.get(k.hash);
      if (r) addStored(r);
      else todo.push(k);
    }
    progress.update(done, failed);
    if (state === 'mine' && todo.length === 0) {
      finishing.push({ key: ds.key, chunk: n, upTo: pending.length });
      return null;
    }
    if (todo.length === 0) return null;
    // A chunk marked done whose results are not all here (another process's `where` differed): run the rest unclaimed.
    return { ds, chunk: n, combos: todo, claimed: state === 'mine' };
  };
  const claim = (ds: Dataset, n: number): 'mine' | 'done' | 'busy' | 'free' => {
    if (!claims) return 'free';
    const state = claims.claim(ds.key, n);
    if (state === 'mine') held.set(`${ds.key}\u0000${n}`, { ds, chunk: n });
    return state;
  };
  async function* tasks(): AsyncGenerator<Task> {
    const deferred: { ds: Dataset; n: number; start: number }[] = [];
    for (const ds of datasets) {
      let n = 0;
      for (const { combos, start } of chunksOf(c, grid, size, S!)) {
        if (c.signal?.aborted) return;
        const state = claim(ds, n);
        if (state === 'busy') deferred.push({ ds, n, start });
        else {
          const task = settle(ds, n, combos, state);
          if (task) yield task;
        }
        n++;
      }
    }
    // Chunks another sweep was running: wait for them (taking over any whose sweep died), then read their results.
    while (deferred.length > 0) {
      let progressed = false;
      for (let i = 0; i < deferred.length; i++) {
        if (c.signal?.aborted) return;
        const { ds, n, start } = deferred[i];
        const state = claim(ds, n);
        if (state === 'busy') continue;
        deferred.splice(i--, 1);
        progressed = true;
        const { combos } = chunksOf(c, grid, size, S!, start).next().value as { combos: Combo[] };
        const task = settle(ds, n, combos, state);
        if (task) yield task;
      }
      if (!progressed && deferred.length > 0) {
        commit(true);
        await new Promise((r) => setTimeout(r, WAIT_MS));
      }
    }
  }

  const renewal = claims ? setInterval(() => {
    const byKey = new Map<string, number[]>();
    for (const h of held.values()) byKey.set(h.ds.key, [...(byKey.get(h.ds.key) ?? []), h.chunk]);
    try {
      for (const [key, list] of byKey) claims.renew(key, list);
    } catch { /* busy past the timeout: the next renewal, well inside the lease, tries again */ }
  }, 15_000) : null;
  renewal?.unref();
  const source = tasks();
  try {
    if (workers === 0) {
      for await (const task of source) {
        if (c.signal?.aborted) { interrupted = true; break; }
        task.ds.memo ??= new IndicatorMemo(c.memoBytes);
        collect(task, runChunk(task.ds.bars, S, task.combos.map((k) => k.params), c.settings, task.ds.memo, undefined, c.capture));
        await new Promise((r) => setImmediate(r)); // let progress, timers and Ctrl-C through
      }
    } else {
      interrupted = await runOnPool(sharedPool(workers), source, ref as StrategyRef, c, collect);
    }
    if (c.signal?.aborted) interrupted = true;
  } finally {
    if (renewal) clearInterval(renewal);
    await source.return(undefined);
    try {
      commit(true);
    } finally {
      if (claims) {
        // Claims of chunks that did not finish (a failure): free them now rather than at the lease's end.
        const byKey = new Map<string, number[]>();
        for (const h of held.values()) byKey.set(h.ds.key, [...(byKey.get(h.ds.key) ?? []), h.chunk]);
        // Best effort: a claim not released runs out with its lease, and must not hide the error that got here.
        try {
          for (const [key, list] of byKey) claims.release(key, list);
        } catch { /* the leases run out */ }
      }
      progress.finish();
    }
  }
  if (claims && !interrupted) for (const ds of datasets) claims.forget(ds.key);
  if (refused > 0) notes.push(`${refused} grid point(s) refused by ${name}'s parameter rules and not run, e.g. ${JSON.stringify(invalid[0].params)}: ${invalid[0].error}`);
  const rows = ranked.sorted();
  if (ranked.truncated) {
    notes.push(`results keeps the ${rows.length.toLocaleString('en-US')} best of ${ranked.seen.toLocaleString('en-US')} rows (.keep(n) keeps more)` +
      (t ? `; every row is in the tracker: tracker.experiments().where({ experimentId: '${t.experimentId}' })` : '; track the sweep to keep every row'));
  }

  const result = new SweepResult(rows, {
    strategy: name, experimentId: t?.experimentId ?? null, combinations: count * datasets.length,
    ran, resumed, failed, invalid, refused, workers, inProcess: workers === 0, interrupted,
    elapsedMs: 0, notes, // The strategy's own names (entry_period in a grid is entryPeriod in every row's params).
    gridKeys: [...new Set((c.paramSets ? c.paramSets.flatMap((p) => Object.keys(p)) : Object.keys(grid)).map((k) => parameterKey(S, k) ?? k))],
  }, true);
  if (c.capture) {
    captureEquity(result, S, c.capture.equity ?? 0, datasets, c.settings);
    result.captured = { options: c.capture, bars: datasets.map((d) => d.bars), settings: c.settings, startedAt };
  }
  (result as { elapsedMs: number }).elapsedMs = performance.now() - t0;
  return result;
}

/** The combinations per dataset after `where`, refused above the limit before anything runs. */
export function countOf(c: Readonly<SweepConfig>, grid: ParamGrid, datasets: number): number {
  const limit = maxCombinationsLimit(c.maxCombinations);
  if (!c.paramSets) return countCombinations(grid, c.where, limit, datasets);
  checkSetCount(c.paramSets.length, limit, datasets);
  return c.where ? c.paramSets.filter(c.where).length : c.paramSets.length;
}

/** The raw combinations (the grid's product or the explicit sets) that pass `where`, with their positions. */
export function* candidates(c: Readonly<SweepConfig>, grid: ParamGrid, start = 0): Generator<{ combo: Record<string, unknown>; at: number }, void, undefined> {
  if (!c.paramSets) {
    yield* gridPositions(grid, c.where, start);
    return;
  }
  for (let at = start; at < c.paramSets.length; at++) if (!c.where || c.where(c.paramSets[at])) yield { combo: c.paramSets[at], at };
}

/** The chunks of `size` combinations from raw position `start` on, completed with the defaults and hashed, one at a time. */
function* chunksOf(c: Readonly<SweepConfig>, grid: ParamGrid, size: number, S: StrategyClass, start = 0): Generator<{ combos: Combo[]; start: number }> {
  let chunk: Combo[] = [];
  let first = start;
  for (const { combo, at } of candidates(c, grid, start)) {
    if (chunk.length === 0) first = at;
    chunk.push(toCombo(S, combo));
    if (chunk.length === size) {
      yield { combos: chunk, start: first };
      chunk = [];
    }
  }
  if (chunk.length > 0) yield { combos: chunk, start: first };
}

/** Parameters completed with the defaults and hashed here; validated where they run (runChunk). */
function toCombo(S: StrategyClass, raw: Record<string, unknown>): Combo {
  const params = completeParams(S, raw);
  const plain = plainParams(params);
  return { params, plain, hash: paramsHash(plain) };
}

/** Feeds chunks to the pool as threads free up (at most two per thread in flight); true when aborted. */
async function runOnPool(pool: SweepPool, source: AsyncGenerator<Task>, ref: StrategyRef, c: Readonly<SweepConfig>,
  collect: (task: Task, out: ChunkOutput) => void): Promise<boolean> {
  let aborted = false, exhausted = false;
  let failure: unknown = null;
  const lane = async (): Promise<void> => {
    while (!exhausted && failure === null) {
      if (c.signal?.aborted) { aborted = true; return; }
      const next = await source.next(); // calls queue: each chunk goes to one lane
      if (next.done) { exhausted = true; return; }
      const task = next.value;
      const ds = task.ds;
      ds.shared ??= shareBars(`${process.pid}:${Math.random().toString(36).slice(2)}:${ds.bars.symbol}:${ds.bars.timeframe}`, ds.bars);
      try {
        const out = await pool.run({
          // Plain values only cross a thread (a class given as a parameter goes by its name).
          dataset: ds.shared, strategy: ref, settings: c.settings, memoBytes: c.memoBytes, combos: task.combos.map((k) => k.plain),
          // Conditions stay here: only the run directory's writer joins them.
          ...(c.capture ? { capture: { traces: c.capture.traces, trades: c.capture.trades, equity: c.capture.equity } } : {}),
        });
        collect(task, out);
      } catch (e) {
        failure = e;
      }
    }
  };
  await Promise.all(Array.from({ length: pool.size * 2 }, lane));
  if (failure !== null) {
    if (failure instanceof StratlabError) throw failure;
    throw new StratlabError('STRATEGY_ERROR', `sweep worker failed: ${failure instanceof Error ? failure.message : String(failure)}`, {
      hint: 'results finished before the failure are kept (and committed when tracked)',
    });
  }
  return aborted;
}

function prepareData(c: Readonly<SweepConfig>, strategy: string, grid: ParamGrid, size: number, count: number): Dataset[] {
  const out: Dataset[] = [];
  const executionDelay: 0 | 1 = c.settings.fill === 'next_open' ? 1 : 0;
  // What makes two sweeps the same sweep: then their chunk n is the same work.
  const plan = c.tracking ? {
    experimentId: c.tracking.experimentId, strategy, settings: canonicalJson(c.settings), size, count,
    grid: c.paramSets ? paramsHash(c.paramSets) : canonicalJson(grid), where: c.where ? String(c.where) : null,
  } : null;
  for (const base of c.data) {
    const window = c.from !== undefined || c.to !== undefined ? slice(base, c.from, c.to) : base;
    if (window.time.length === 0) throw new StratlabError('EMPTY_DATA', `sweep: ${base.symbol} has no bars between ${String(c.from)} and ${String(c.to)}`);
    for (const tf of c.timeframes ?? [window.timeframe]) {
      const bars = tf === window.timeframe ? window : resample(window, tf);
      if (bars.time.length === 0) throw new StratlabError('EMPTY_DATA', `sweep: ${base.symbol} ${tf} has no bars`);
      const n = bars.time.length;
      const period = periodLabel(bars.time[0], bars.time[n - 1] + 1);
      const fingerprint = c.tracking ? dataFingerprint(bars) : '';
      out.push({
        bars, period, fingerprint,
        key: plan ? sweepKey({ ...plan, symbol: bars.symbol, timeframe: bars.timeframe, fingerprint }) : '',
        query: {
          strategy, symbol: bars.symbol, timeframe: bars.timeframe, period, dataFingerprint: fingerprint,
          spread: c.settings.spread, commission: c.settings.commission, executionDelay,
        },
      });
    }
  }
  return out;
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

export function experimentMetrics(m: ExperimentMetrics): ExperimentMetrics {
  return {
    returnPct: m.returnPct, annualisedReturn: m.annualisedReturn, maxDrawdown: m.maxDrawdown, totalTrades: m.totalTrades,
    tradesPerYear: m.tradesPerYear, winRate: m.winRate, profitFactor: m.profitFactor, sharpe: m.sharpe,
  };
}

function toRow(ds: Dataset, combo: Combo, out: ChunkOutput, k: number, c: Readonly<SweepConfig>): SweepRow {
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
    blocks: out.blocks.subarray(k * BLOCK_WIDTH, (k + 1) * BLOCK_WIDTH), // a view (RankedRows copies the ones it keeps past a cut)
    ...(out.capture ? { capture: runCaptureAt(out.capture, k) } : {}),
  };
}

function toRecord(row: SweepRow, strategy: string, t: Tracking, ds: Dataset, settings: EngineSettings, executionDelay: 0 | 1): ExperimentRecord {
  return {
    experimentId: t.experimentId, strategy, strategySource: t.source, symbol: row.symbol, timeframe: row.timeframe,
    params: row.params, paramsHash: row.paramsHash, status: row.status, error: row.error,
    metrics: row.metrics ? experimentMetrics(row.metrics) : undefined, score: row.score, disqualified: row.disqualified,
    trainPeriod: ds.period, spread: settings.spread, commission: settings.commission, executionDelay, dataFingerprint: ds.fingerprint,
    parentExperimentId: t.parentExperimentId, blocks: row.blocks,
  };
}

function fromRecord(r: ExperimentRecord): SweepRow {
  return {
    symbol: r.symbol, timeframe: r.timeframe, params: r.params, paramsHash: r.paramsHash, score: r.score,
    metrics: r.metrics as SweepRow['metrics'], disqualified: r.disqualified, status: r.status, error: r.error, resumed: true, blocks: r.blocks,
  };
}
