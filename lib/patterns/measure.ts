/**
 * Measuring a pattern on a run: for each signal its query matches, the return from the signal's
 * price to the close `horizon` bars later, in the signal's direction (long: up is favourable,
 * short: down). successRate = favourable / measured.
 *
 * Where the forward price comes from: the traces hold only the bars where a position changed, and
 * equity only the best strategies' curves (and it moves with costs and sizing, not the market), so
 * neither can give the close N bars later. The bars can: run.json names each data file and its
 * SHA-256 fingerprint, so they are loaded from there and checked against it (and each signal's price
 * against the bar's close at its time) before a number is computed. Runs made from bars in memory
 * have no path: pass the bars with `{ bars }`.
 */
import fs from 'node:fs';
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { loadBars } from '../data/load';
import type { LoadOptions } from '../data/options';
import { resample } from '../data/resample';
import { adx, atr, chop } from '../indicators';
import type { DataFingerprint, RunManifest } from '../runs/format';
import { Run } from '../runs/open';
import { TraceAnalysis } from '../runs/traces';
import { fingerprint } from '../runs/write';
import { PatternLibrary, type AddResult } from './library';
import { definePattern, type Pattern, type PatternMeasurement, type PatternSpec, type RegimeCondition } from './pattern';

export type Row = Record<string, unknown>;

/** A run directory, an open Run, or a TraceAnalysis over one. */
export type RunSource = string | Run | TraceAnalysis;

export interface MeasureOptions {
  /** Bars ahead for the forward return (default 5). */
  horizon?: number;
  /** What counts as a success: 'direction', a move in the signal's direction (the only rule so far). */
  favourable?: 'direction';
  /** The bars the run used, when run.json has no file for them (or to skip loading). */
  bars?: Bars | Bars[];
}

export const DEFAULT_HORIZON = 5;

/** The run's SQL and manifest, however it was given; `close` only closes what was opened here. */
export interface RunAccess {
  dir: string;
  manifest: RunManifest;
  query(sql: string): Promise<Row[]>;
  close(): Promise<void>;
}

export async function accessRun(src: RunSource): Promise<RunAccess> {
  if (typeof src === 'string') {
    const ta = await TraceAnalysis.open(src);
    return { dir: ta.runDir, manifest: ta.manifest, query: (sql) => ta.query(sql), close: () => ta.close() };
  }
  if (src instanceof TraceAnalysis) return { dir: src.runDir, manifest: src.manifest, query: (sql) => src.query(sql), close: async () => {} };
  if (src instanceof Run) return { dir: src.dir, manifest: src.manifest, query: (sql) => src.query(sql), close: async () => {} };
  throw new StratlabError('BAD_ARGUMENT', 'expected a run directory, a Run (openRun) or a TraceAnalysis');
}

/** One matched signal, resolved against the trace row and the strategy. */
export interface Signal {
  strategyHash: string;
  tsMs: number;
  /** null when the (strategy_hash, ts) pair is not a row of traces. */
  val: number | null;
  price: number;
  symbol: string;
  timeframe: string;
  parameters?: string;
}

/** What happened after one signal. */
export interface Outcome {
  status: 'measured' | 'flat' | 'pastEnd' | 'notATrace';
  /** Forward return in the signal's direction (0.01 = 1 %); NaN unless measured. */
  signedReturn: number;
  /** The bar index of the signal in its bars (−1 when not found). */
  bar: number;
  bars?: Bars;
}

// ---- the run's bars ---------------------------------------------------------------------------

// Data files already loaded and verified, by path and fingerprint (a discovery measures many patterns).
const barsCache = new Map<string, Bars>();

/** The bars each symbol/timeframe of the run ran on, checked against run.json. `prepare` loads, `get` reads. */
export class RunBars {
  private readonly cache = new Map<string, Bars>();
  constructor(private readonly manifest: RunManifest, private readonly given: Bars[] = []) {}

  /** Loads the bars of these signals' symbols and timeframes. */
  async prepare(signals: Iterable<{ symbol: string; timeframe: string }>): Promise<this> {
    for (const { symbol, timeframe } of signals) {
      const key = `${symbol}\u0000${timeframe}`;
      if (symbol && !this.cache.has(key)) this.cache.set(key, await this.load(symbol, timeframe));
    }
    return this;
  }

  get(symbol: string, timeframe: string): Bars {
    const b = this.cache.get(`${symbol}\u0000${timeframe}`);
    if (!b) throw new Error(`internal: bars of ${symbol} ${timeframe} were not prepared`);
    return b;
  }

  private async load(symbol: string, timeframe: string): Promise<Bars> {
    const given = this.given.find((g) => g.symbol === symbol && g.timeframe === timeframe) ?? this.given.find((g) => g.symbol === symbol);
    if (given) return given.timeframe === timeframe ? given : resample(given, timeframe);
    const fps = this.manifest.data.filter((d) => d.symbol === symbol);
    const fp = fps.find((d) => d.timeframe === timeframe) ?? fps[0];
    const run = `run ${this.manifest.runId}`;
    if (!fp) {
      throw new StratlabError('BAD_ARGUMENT', `${run}: run.json lists no data for ${symbol}`, { hint: 'pass the bars it ran on: { bars }' });
    }
    if (!fp.path) {
      throw new StratlabError('BAD_ARGUMENT', `${run}: the bars of ${symbol} ${fp.timeframe} came from memory, not a file, so they cannot be reloaded`, {
        hint: 'pass the bars the run used: { bars }',
      });
    }
    const full = await loadVerified(fp, run);
    // The run may have resampled its data (a sweep's timeframes()); resample is deterministic.
    return full.timeframe === timeframe ? full : resample(full, timeframe);
  }
}

/** A data file as the run loaded it, or an error when it is not the same data any more. */
async function loadVerified(fp: DataFingerprint, run: string): Promise<Bars> {
  const file = fp.path!;
  const key = `${file}\u0000${fp.sha256}`;
  const hit = barsCache.get(key);
  if (hit) return hit;
  if (!fs.existsSync(file)) {
    throw new StratlabError('FILE_NOT_FOUND', `${run}: its data file ${file} is gone`, { location: { file }, hint: 'pass the bars the run used: { bars }' });
  }
  const bars = await loadBars(file, { ...fp.load, symbol: fp.symbol, timeframe: fp.timeframe } as LoadOptions);
  const now = fingerprint(bars, file);
  if (now.sha256 !== fp.sha256) {
    throw new StratlabError('BAD_ARGUMENT', `${run}: ${file} is not the data the run used (fingerprint ${now.sha256}, run.json says ${fp.sha256}; ${now.rows} rows, run.json ${fp.rows})`, {
      location: { file },
      hint: 'the file changed since the run, or the run loaded it with other options (timezone, repair): pass the bars the run used: { bars }',
    });
  }
  if (barsCache.size >= 8) barsCache.delete(barsCache.keys().next().value as string);
  barsCache.set(key, bars);
  return bars;
}

// ---- signals and outcomes ---------------------------------------------------------------------

/** The pattern's rows, each joined to its trace row (val, price) and its strategy (symbol, timeframe). */
export async function matchSignals(run: RunAccess, query: string, withParameters = false): Promise<Signal[]> {
  const q = query.trim().replace(/;\s*$/, '');
  const sql = `SELECT m.strategy_hash AS strategy_hash, epoch_ms(CAST(m.ts AS TIMESTAMP)) AS ts_ms, t.val AS val, t.price AS price,
      s.symbol AS symbol, s.timeframe AS timeframe${withParameters ? ', s.parameters AS parameters' : ''}
    FROM (${q}\n) AS m
    LEFT JOIN traces t ON t.strategy_hash = m.strategy_hash AND t.ts = CAST(m.ts AS TIMESTAMP)
    LEFT JOIN strategy_index s ON s.strategy_hash = m.strategy_hash`;
  let rows: Row[];
  try {
    rows = await run.query(sql);
  } catch (e) {
    if (e instanceof StratlabError && /m\.(strategy_hash|ts)|"m" does not have a column/i.test(e.message)) {
      throw new StratlabError('BAD_ARGUMENT', `pattern query must return the columns strategy_hash and ts (one row per signal): ${e.message}`, {
        hint: 'e.g. SELECT strategy_hash, ts FROM traces WHERE val = 1',
      });
    }
    throw e;
  }
  return rows.map((r) => ({
    strategyHash: String(r.strategy_hash), tsMs: Number(r.ts_ms), val: r.val === null || r.val === undefined ? null : Number(r.val),
    price: Number(r.price), symbol: String(r.symbol ?? ''), timeframe: String(r.timeframe ?? ''),
    ...(withParameters ? { parameters: String(r.parameters ?? '{}') } : {}),
  }));
}

/** Forward returns of each signal over `horizon` bars of the run's bars. */
export function outcomes(signals: Signal[], bars: RunBars, horizon: number, runLabel: string): Outcome[] {
  return signals.map((s) => {
    if (s.val === null || !s.symbol) return { status: 'notATrace', signedReturn: NaN, bar: -1 };
    if (s.val === 0) return { status: 'flat', signedReturn: NaN, bar: -1 };
    const b = bars.get(s.symbol, s.timeframe);
    const i = indexOf(b.time, s.tsMs);
    if (i < 0 || !samePrice(b.close[i], s.price)) {
      const at = new Date(s.tsMs).toISOString();
      throw new StratlabError('BAD_ARGUMENT', `${runLabel}: strategy ${s.strategyHash}'s signal at ${at} (price ${s.price}) is not on the bars of ${s.symbol} ${s.timeframe}` +
        (i < 0 ? ' (no bar at that time)' : ` (the close there is ${b.close[i]})`), { hint: 'these are not the bars the run used: pass them with { bars }' });
    }
    const j = i + horizon;
    if (j >= b.time.length) return { status: 'pastEnd', signedReturn: NaN, bar: i, bars: b };
    return { status: 'measured', signedReturn: s.val * (b.close[j] / s.price - 1), bar: i, bars: b };
  });
}

function samePrice(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function indexOf(t: Float64Array, x: number): number {
  let lo = 0, hi = t.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid] === x) return mid;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

// ---- regimes ----------------------------------------------------------------------------------

const regimeCache = new WeakMap<Bars, Map<string, Float64Array>>();

/** The regime indicator over the bars (memoised per bars object). */
export function regimeSeries(b: Bars, r: Pick<RegimeCondition, 'indicator' | 'period'>): Float64Array {
  let m = regimeCache.get(b);
  if (!m) regimeCache.set(b, (m = new Map()));
  const key = `${r.indicator}:${r.period}`;
  let s = m.get(key);
  if (!s) {
    if (r.indicator === 'adx') s = adx(b.high, b.low, b.close, r.period);
    else if (r.indicator === 'chop') s = chop(b.high, b.low, b.close, r.period);
    else {
      const a = atr(b.high, b.low, b.close, r.period);
      s = new Float64Array(a.length);
      for (let i = 0; i < a.length; i++) s[i] = a[i] / b.close[i];
    }
    m.set(key, s);
  }
  return s;
}

/** min ≤ value < max; a NaN (warm-up) is in no regime. */
export function inRegime(value: number, r: RegimeCondition): boolean {
  return Number.isFinite(value) && (r.min === undefined || value >= r.min) && (r.max === undefined || value < r.max);
}

// ---- the measurement --------------------------------------------------------------------------

/** Tallies outcomes (those `keep` lets through) into a measurement. */
export function tally(run: RunAccess, matched: number, outs: Outcome[], keep: (o: Outcome, k: number) => boolean = () => true): PatternMeasurement {
  const skipped = { flat: 0, pastEnd: 0, outsideRegime: 0, notATrace: 0 };
  let measured = 0, favourable = 0, sum = 0;
  outs.forEach((o, k) => {
    if (o.status !== 'measured') {
      skipped[o.status]++;
      return;
    }
    if (!keep(o, k)) {
      skipped.outsideRegime++;
      return;
    }
    measured++;
    sum += o.signedReturn;
    if (o.signedReturn > 0) favourable++;
  });
  return {
    runId: run.manifest.runId, runDir: run.dir, matched, measured, skipped, favourable,
    avgForwardReturn: measured ? sum / measured : null, measuredAt: new Date().toISOString(),
  };
}

export function regimeFilter(r: RegimeCondition | undefined): ((o: Outcome) => boolean) | undefined {
  if (!r) return undefined;
  return (o) => inRegime(regimeSeries(o.bars!, r)[o.bar], r);
}

export function checkHorizon(h: unknown, where: string): number {
  if (h === undefined) return DEFAULT_HORIZON;
  if (typeof h !== 'number' || !Number.isInteger(h) || h < 1) {
    throw new StratlabError('BAD_ARGUMENT', `${where}: horizon ${JSON.stringify(h)}: expected a whole number of bars ≥ 1`);
  }
  return h;
}

function checkFavourable(f: unknown, where: string): void {
  if (f !== undefined && f !== 'direction') {
    throw new StratlabError('BAD_ARGUMENT', `${where}: favourable ${JSON.stringify(f)}: expected 'direction' (a forward move in the signal's direction)`);
  }
}

export function givenBars(b: Bars | Bars[] | undefined): Bars[] {
  return b === undefined ? [] : Array.isArray(b) ? b : [b];
}

/** Measures `pattern` on `run` and returns it with successRate, sampleSize, horizon and measurement set. */
export async function measurePattern(src: RunSource, pattern: Pattern | PatternSpec, opts: MeasureOptions = {}): Promise<Pattern> {
  const p = 'hash' in pattern && typeof pattern.hash === 'string' ? (pattern as Pattern) : definePattern(pattern);
  const horizon = checkHorizon(opts.horizon, `pattern ${p.name}`);
  checkFavourable(opts.favourable, `pattern ${p.name}`);
  const run = await accessRun(src);
  try {
    const signals = await matchSignals(run, p.query);
    const given = givenBars(opts.bars);
    const bars = await new RunBars(run.manifest, given).prepare(signals.filter((s) => s.val));
    const outs = outcomes(signals, bars, horizon, `run ${run.manifest.runId}`);
    const m = tally(run, signals.length, outs, regimeFilter(p.metadata.regime));
    return withMeasurement(p, m, horizon);
  } finally {
    await run.close();
  }
}

export function withMeasurement(p: Pattern, m: PatternMeasurement, horizon: number): Pattern {
  return { ...p, successRate: m.measured ? m.favourable / m.measured : null, sampleSize: m.measured, horizon, measurement: m };
}

export interface SaveOptions extends MeasureOptions {
  /** The library (or its file) to save to; default ./saved_patterns/patterns.yaml. */
  library?: PatternLibrary | string;
  /** When the same pattern (hash) is already saved, replace its measurement with this one (default: keep it). */
  update?: boolean;
}

export interface SaveResult extends AddResult {
  /** The pattern as measured now (the stored one differs when it was a duplicate kept as it was). */
  measured: Pattern;
}

/**
 * Measures a pattern on a run and saves it with its success rate and sample size. The query runs on
 * the run's read-only connection first, so a query that fails is never saved.
 */
export async function savePattern(run: RunSource, pattern: Pattern | PatternSpec, opts: SaveOptions = {}): Promise<SaveResult> {
  const measured = await measurePattern(run, pattern, opts);
  const lib = opts.library instanceof PatternLibrary ? opts.library : new PatternLibrary(opts.library);
  return { ...lib.add(measured, { update: opts.update }), measured };
}
