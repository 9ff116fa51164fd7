/**
 * PatternDiscovery: finds patterns in a run's signals and re-tests saved ones on other runs.
 *
 * Every signal (val ≠ 0) of the run is measured once — its forward return over `horizon` bars in its
 * direction — and grouped by the strategy's parameter values (traces × strategy_index) and by the
 * market regime at the signal bar (ADX, CHOP, ATR / close). Each group becomes a pattern whose query
 * selects exactly those signals, so measuring it again on the same run gives the same numbers, and
 * on another run is an out-of-sample check (testPattern).
 */
import { StratlabError } from '../core/errors';
import { sqlString } from '../data/duckdb';
import { nearest } from '../data/options';
import { PatternLibrary, type AddResult } from './library';
import {
  accessRun, checkHorizon, givenBars, matchSignals, measurePattern, regimeFilter, regimeSeries, RunBars, outcomes, tally, withMeasurement,
  type MeasureOptions, type Outcome, type RunAccess, type RunSource, type Signal,
} from './measure';
import { definePattern, type Pattern, type PatternMetadata, type RegimeCondition } from './pattern';

export interface DiscoveryOptions extends Omit<MeasureOptions, 'favourable'> {
  /** Groups with fewer measured signals are left out (default 30). */
  minSampleSize?: number;
}

export interface Discovery {
  runId: string;
  horizon: number;
  /** All the run's signals together: what a pattern has to beat. */
  baseline: { successRate: number | null; sampleSize: number; avgForwardReturn: number | null };
  /** Measured on this run, best success rate first. */
  patterns: Pattern[];
}

export interface PatternTest {
  name: string;
  /** The pattern as saved (its success rate where it was found). */
  saved: Pattern;
  /** The same pattern measured on the other run. */
  retest: Pattern;
  /** retest − saved success rate; null when either is unmeasured. */
  change: number | null;
}

/** Every directional signal of the run's strategy. */
function signalQuery(strategy: string, where = ''): string {
  return `SELECT t.strategy_hash, t.ts\nFROM traces t JOIN strategy_index s ON s.strategy_hash = t.strategy_hash\nWHERE t.val <> 0 AND s.strategy = ${sqlString(strategy)}${where}`;
}

const DEFAULT_MIN_SAMPLE = 30;

export class PatternDiscovery {
  readonly library: PatternLibrary;

  /** `library`: where testPattern finds patterns by name and save() writes (default ./saved_patterns/patterns.yaml). */
  constructor(library: PatternLibrary | string = new PatternLibrary()) {
    this.library = typeof library === 'string' ? new PatternLibrary(library) : library;
  }

  /**
   * Measures a saved pattern (or one given) on another run, over the horizon it was measured with:
   * does it hold out of sample?
   */
  async testPattern(pattern: Pattern | string, run: RunSource, opts: MeasureOptions = {}): Promise<PatternTest> {
    const saved = typeof pattern === 'string' ? this.find(pattern) : pattern;
    const retest = await measurePattern(run, saved, { ...opts, horizon: opts.horizon ?? saved.horizon ?? undefined });
    const change = saved.successRate !== null && retest.successRate !== null ? retest.successRate - saved.successRate : null;
    return { name: saved.name, saved, retest, change };
  }

  /** Which parameter values' (or ranges') signals succeed more often than the run's signals overall. */
  async discoverParameterPatterns(run: RunSource, opts: DiscoveryOptions = {}): Promise<Discovery> {
    return this.withSignals(run, opts, (ctx) => parameterPatterns(ctx));
  }

  /** Signals by the market regime at the signal bar: trending or ranging (ADX, CHOP), high or low volatility. */
  async discoverRegimePatterns(run: RunSource, opts: DiscoveryOptions = {}): Promise<Discovery> {
    return this.withSignals(run, opts, (ctx) => regimePatterns(ctx));
  }

  /** Both kinds, best success rate first. */
  async discover(run: RunSource, opts: DiscoveryOptions = {}): Promise<Discovery> {
    return this.withSignals(run, opts, (ctx) => [...parameterPatterns(ctx), ...regimePatterns(ctx)]);
  }

  /** Saves patterns to the library (duplicates by hash are kept as they were unless `update`). */
  save(patterns: Pattern[], opts: { update?: boolean } = {}): AddResult[] {
    return patterns.map((p) => this.library.add(p, opts));
  }

  /** The saved pattern named `name`; an error suggesting the nearest name when there is none. */
  find(name: string): Pattern {
    const p = this.library.get(name);
    if (p) return p;
    const near = nearest(name, this.library.list().map((x) => x.name));
    throw new StratlabError('BAD_ARGUMENT', `no pattern named '${name}' in ${this.library.file}`, {
      hint: near ? `did you mean ${near}?` : `${this.library.list().length} patterns there (stratlab patterns list)`,
    });
  }

  private async withSignals(src: RunSource, opts: DiscoveryOptions, find: (ctx: Context) => Pattern[]): Promise<Discovery> {
    const horizon = checkHorizon(opts.horizon, 'discover');
    const minSample = opts.minSampleSize ?? DEFAULT_MIN_SAMPLE;
    if (!Number.isInteger(minSample) || minSample < 1) {
      throw new StratlabError('BAD_ARGUMENT', `discover: minSampleSize ${JSON.stringify(opts.minSampleSize)}: expected a whole number ≥ 1`);
    }
    const run = await accessRun(src);
    try {
      const strategy = run.manifest.strategy.name;
      const signals = await matchSignals(run, signalQuery(strategy), true);
      const bars = await new RunBars(run.manifest, givenBars(opts.bars)).prepare(signals);
      const outs = outcomes(signals, bars, horizon, `run ${run.manifest.runId}`);
      const all = tally(run, signals.length, outs);
      const ctx: Context = { run, strategy, signals, outs, horizon, minSample };
      const patterns = find(ctx).sort((a, b) => (b.successRate ?? -1) - (a.successRate ?? -1) || b.sampleSize - a.sampleSize);
      return {
        runId: run.manifest.runId, horizon,
        baseline: { successRate: all.measured ? all.favourable / all.measured : null, sampleSize: all.measured, avgForwardReturn: all.avgForwardReturn },
        patterns,
      };
    } finally {
      await run.close();
    }
  }
}

interface Context {
  run: RunAccess;
  strategy: string;
  signals: Signal[];
  outs: Outcome[];
  horizon: number;
  minSample: number;
}

/**
 * A candidate pattern measured from the signals already measured: `selects` is what its SQL selects
 * (signal k), the regime (if any) applies after, exactly as measurePattern applies them.
 */
function measured(ctx: Context, spec: { name: string; query: string; description: string; metadata: PatternMetadata }, selects: (k: number) => boolean): Pattern | null {
  const p = definePattern(spec);
  const selected = ctx.outs.filter((_, k) => selects(k));
  const m = tally(ctx.run, selected.length, selected, regimeFilter(p.metadata.regime));
  return m.measured < ctx.minSample ? null : withMeasurement(p, m, ctx.horizon);
}

// ---- parameters --------------------------------------------------------------------------------

type Bucket = { kind: 'eq'; value: number | string | boolean } | { kind: 'range'; min: number; max: number };

function parameterPatterns(ctx: Context): Pattern[] {
  const parsed = new Map<string, Record<string, unknown>>();
  const paramsOf = (s: Signal) => {
    let p = parsed.get(s.strategyHash);
    if (!p) parsed.set(s.strategyHash, (p = JSON.parse(s.parameters ?? '{}') as Record<string, unknown>));
    return p;
  };
  const values = new Map<string, Set<unknown>>();
  for (const s of ctx.signals) {
    for (const [k, v] of Object.entries(paramsOf(s))) {
      if (!/^[A-Za-z_]\w*$/.test(k) || (v !== null && typeof v === 'object')) continue;
      let set = values.get(k);
      if (!set) values.set(k, (set = new Set()));
      set.add(v);
    }
  }
  const type = ctx.run.manifest.strategy.type;
  const out: Pattern[] = [];
  for (const [key, set] of values) {
    if (set.size < 2) continue; // a parameter the run held fixed says nothing
    for (const b of buckets([...set])) {
      const { sql, label, test } = condition(key, b);
      const metadata: PatternMetadata = {
        strategyType: type, strategy: ctx.strategy, patternType: 'parameter',
        parameters: { [key]: b.kind === 'eq' ? b.value : { min: b.min, max: b.max } },
      };
      const p = measured(ctx, {
        name: `${ctx.strategy}_${key}_${label}`,
        query: signalQuery(ctx.strategy, `\n  AND ${sql}`),
        description: `${ctx.strategy} signals (long and short) of strategies with ${key} ${b.kind === 'eq' ? `= ${b.value}` : `from ${b.min} to ${b.max}`}`,
        metadata,
      }, (k) => test(paramsOf(ctx.signals[k])[key]));
      if (p) out.push(p);
    }
  }
  return out;
}

/** Each value when there are few (≤ 6) or they are not numbers; else three ranges of about equally many values. */
function buckets(values: unknown[]): Bucket[] {
  const nums = values.filter((v): v is number => typeof v === 'number');
  if (nums.length !== values.length || nums.length <= 6) {
    return values.filter((v): v is number | string | boolean => ['number', 'string', 'boolean'].includes(typeof v)).map((value) => ({ kind: 'eq', value }));
  }
  nums.sort((a, b) => a - b);
  const out: Bucket[] = [];
  for (let g = 0; g < 3; g++) {
    const part = nums.slice(Math.round((g * nums.length) / 3), Math.round(((g + 1) * nums.length) / 3));
    if (part.length) out.push({ kind: 'range', min: part[0], max: part[part.length - 1] });
  }
  return out;
}

/** The SQL condition and the same test in TypeScript (they must agree: the pattern is re-measured by its SQL). */
function condition(key: string, b: Bucket): { sql: string; label: string; test: (v: unknown) => boolean } {
  const path = sqlString(`$.${key}`);
  if (b.kind === 'range') {
    return {
      sql: `CAST(json_extract(s.parameters, ${path}) AS DOUBLE) BETWEEN ${b.min} AND ${b.max}`,
      label: `${b.min}-${b.max}`,
      test: (v) => typeof v === 'number' && v >= b.min && v <= b.max,
    };
  }
  if (typeof b.value === 'number') {
    const x = b.value;
    return { sql: `CAST(json_extract(s.parameters, ${path}) AS DOUBLE) = ${x}`, label: String(x), test: (v) => v === x };
  }
  const x = String(b.value);
  return { sql: `json_extract_string(s.parameters, ${path}) = ${sqlString(x)}`, label: x, test: (v) => v !== null && v !== undefined && String(v) === x };
}

// ---- regimes -----------------------------------------------------------------------------------

function regimePatterns(ctx: Context): Pattern[] {
  const conditions: { regime: RegimeCondition; label: string; what: string }[] = [
    { regime: { indicator: 'adx', period: 14, min: 25 }, label: 'adx14_trending', what: 'while ADX(14) ≥ 25 (trending)' },
    { regime: { indicator: 'adx', period: 14, max: 25 }, label: 'adx14_ranging', what: 'while ADX(14) < 25 (ranging)' },
    { regime: { indicator: 'chop', period: 14, min: 61.8 }, label: 'chop14_choppy', what: 'while CHOP(14) ≥ 61.8 (choppy)' },
    { regime: { indicator: 'chop', period: 14, max: 38.2 }, label: 'chop14_trending', what: 'while CHOP(14) < 38.2 (trending)' },
  ];
  // Volatility has no conventional threshold: split at the median over this run's measured signals,
  // kept as a number so the pattern means the same on another run.
  const vol = ctx.outs.filter((o) => o.status === 'measured').map((o) => regimeSeries(o.bars!, { indicator: 'volatility', period: 14 })[o.bar]).filter(Number.isFinite).sort((a, b) => a - b);
  if (vol.length) {
    const median = Number(vol[Math.floor(vol.length / 2)].toPrecision(3));
    conditions.push(
      { regime: { indicator: 'volatility', period: 14, min: median }, label: 'high_volatility', what: `while ATR(14) / close ≥ ${median} (high volatility)` },
      { regime: { indicator: 'volatility', period: 14, max: median }, label: 'low_volatility', what: `while ATR(14) / close < ${median} (low volatility)` },
    );
  }
  const type = ctx.run.manifest.strategy.type;
  const out: Pattern[] = [];
  for (const { regime, label, what } of conditions) {
    const p = measured(ctx, {
      name: `${ctx.strategy}_${label}`,
      query: signalQuery(ctx.strategy),
      description: `${ctx.strategy} signals (long and short) ${what} at the signal bar`,
      metadata: { strategyType: type, strategy: ctx.strategy, patternType: 'regime', regime },
    }, () => true);
    if (p) out.push(p);
  }
  return out;
}
