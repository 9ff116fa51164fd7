/**
 * Research config files for `stratlab sweep | validate | optimize | walk-forward --config FILE`:
 * YAML (or JSON, which YAML reads too), checked with zod and then against the strategy, before any
 * data is loaded. Every mistake is one CLI_USAGE error (exit 2) naming the file, the YAML path and
 * the line: `configs/x.yaml: grid.fast: expected a list of values or { from, to, step }, got "ten" (line 9)`.
 * Paths inside the file are relative to the file.
 *
 *   experiment: sma_goog_001          # experiment id in the tracker (required by sweep; --experiment overrides)
 *   tracker: research.db              # optional; default $STRATLAB_DB or ./research.db; --db overrides
 *   data:                             # symbol: path, or symbol: { path, timeframe, timezone }
 *     GOOG: ../../shared/data/GOOG.csv
 *   conditions: { VIX: ./VIX.csv }    # optional: external series (a bars file's close, or time,value rows) in each trace row's metadata, as of its time
 *   timeframes: [1d]                  # optional: resample each symbol's bars to these
 *   between: { from: 2006-01-01, to: 2012-12-31 }   # optional; both ends inclusive
 *   strategy: SmaCross                # a built-in, or { module: ./my-strategy.js, export: MyStrategy }
 *   grid:                             # per parameter: a list, or { from, to, step } (inclusive)
 *     fast: { from: 5, to: 50, step: 5 }
 *     slow: [50, 100, 150, 200]
 *   where: fast < slow                # comparisons of parameters / numbers joined by 'and' (never eval'd)
 *   settings: { spread: 0.0003, fill: close }       # engine settings
 *   score: sharpe                     # sharpe | calmarSharpe | penalised | returnPct
 *   rules: { minTrades: 30 }          # disqualification overrides (sweep and validate)
 *   workers: 2
 *   maxCombinations: 2000000          # refuse bigger sweeps (default 1,000,000; --max-combinations overrides)
 *   validation: { holdout, walkForward, related, data, multiAsset, overfitting }   # stratlab validate
 *   optimize: { paramSpace, fixedParams, metric, direction, nTrials, nJobs, sampler, seed, nStartup, storage, timeoutSeconds, symbol }
 *   walkForward: { inSampleDays, outSampleDays, stepDays, nTrials, paramSpace }    # stratlab walk-forward
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import type { Bars } from '../core/bars';
import { StratlabError, isStratlabError } from '../core/errors';
import { loadBars, loadCondition, resample, slice, type ConditionSeries } from '../data';
import { nearest, timeframeLabel, timeZoneName } from '../data/options';
import { parseTimestamp } from '../data/timestamps';
import { checkParameterNames, engine, METRIC_KEYS, parameterDefaults, parameterKey, strategyName, type EngineOptions, type StrategyClass } from '../engine';
import { defineSpace, type SpaceSpec } from '../optimize';
import { strategyByName } from '../strategies/registry';
import { DISQUALIFICATION_RULES, range, SCORES, type DisqualificationRules, type ParamGrid } from '../sweep';
import { defaultTrackerPath, openTracker, type ExperimentTracker } from '../tracker';
import { resolvePeriod } from '../validation/period';
import { parseWhere, WhereSyntaxError, type WhereFn } from './where';

type Path = (string | number)[];

// ---- the file's shape ------------------------------------------------------------------------

/** Every issue a schema raises says `expected <what>`; the mapper adds what it got. */
const expect = (what: string) => ({ errorMap: () => ({ message: `expected ${what}` }) });

const scalar = z.union([z.number(), z.string(), z.boolean()], expect('a number, a string or true/false'));
const whole = (what: string) => z.number(expect(what)).int();
const positiveWhole = () => whole('a whole number ≥ 1').min(1);
const fraction = () => z.number(expect('a fraction between 0 and 1')).min(0).max(1);
const isoDate = (v: string) => /^\s*\d{4}-\d{1,2}-\d{1,2}/.test(v) && Number.isFinite(parseTimestamp(v));
const dateText = z.string(expect('a date such as 2006-01-01')).refine(isoDate, { message: 'expected an ISO date or datetime such as 2006-01-01 or 2006-01-01T09:30:00Z' });
const periodText = z.string(expect("a period 'YYYY-MM-DD:YYYY-MM-DD'")).superRefine((v, ctx) => {
  try {
    resolvePeriod(v, 'period');
  } catch {
    ctx.addIssue({ code: 'custom', message: "expected a period 'YYYY-MM-DD:YYYY-MM-DD' (both days included)" });
  }
});

const dataEntry = z.union(
  [
    z.string().min(1),
    z.object({ path: z.string(expect('a file path')).min(1), timeframe: timeframeLabel.optional(), timezone: timeZoneName.optional() }).strict(),
  ],
  expect('a file path, or { path, timeframe, timezone }'),
);
const dataMap = z.record(dataEntry, expect('symbol: path entries such as { GOOG: ./GOOG.csv }'));

const gridEntry = z.union(
  [
    z.array(scalar, expect('a non-empty list of values')).min(1),
    z.object({ from: z.number(expect('a number')), to: z.number(expect('a number')), step: z.number(expect('a number > 0')).positive().optional() }).strict(),
  ],
  expect('a list of values or { from, to, step }'),
);

const gridMap = z.record(gridEntry, expect('parameter: values entries such as { fast: [5, 10, 20] }'));
const whereText = z.string(expect("a constraint such as 'fast < slow'")).min(1);

const paramSpec = z.union(
  [
    z.array(scalar, expect('a non-empty list of choices')).min(1),
    z.object({
      min: z.number(expect('a number')), max: z.number(expect('a number')), step: z.number(expect('a number > 0')).positive().optional(),
      log: z.boolean(expect('true or false')).optional(), type: z.enum(['int', 'float']).optional(),
    }).strict(),
  ],
  expect('{ min, max } (with step, log or type) or a list of choices'),
);
const paramSpace = z.record(paramSpec, expect('parameter: range entries such as { fast: { min: 2, max: 50 } }'));

const strategySpec = z.union(
  [z.string().min(1), z.object({ module: z.string(expect('a JavaScript file path')).min(1), export: z.string(expect('an export name')).min(1).optional() }).strict()],
  expect('a built-in strategy name such as SmaCross, or { module: ./my-strategy.js, export: MyStrategy }'),
);

const RULE_KEYS = Object.keys(DISQUALIFICATION_RULES) as (keyof DisqualificationRules)[];
const rulesSchema = z.object(Object.fromEntries(RULE_KEYS.map((k) => [k, z.number(expect('a number ≥ 0')).min(0).optional()]))).strict();

const validationSchema = z.object({
  holdout: z.object({ testFraction: z.number(expect('a fraction between 0 and 1')).gt(0).lt(1).optional(), train: periodText.optional(), test: periodText.optional() }).strict()
    .refine((h) => h.testFraction === undefined || (h.train === undefined && h.test === undefined), { message: 'expected either { testFraction } or { train, test }, not both' }),
  walkForward: z.union([
    z.literal(false),
    z.object({
      train: z.number(expect('a length > 0')).positive().optional(), test: z.number(expect('a length > 0')).positive().optional(),
      step: z.number(expect('a length > 0')).positive().optional(), unit: z.enum(['years', 'months', 'days']).optional(),
      anchor: z.enum(['calendar', 'data']).optional(), minPassRate: fraction().optional(),
    }).strict(),
  ], expect('{ train, test, step, unit, anchor, minPassRate } or false')),
  related: z.record(z.array(z.string(expect('a symbol')).min(1), expect('a list of symbols such as [AAPL, MSFT]')), expect('symbol: [related symbols] entries')),
  data: dataMap,
  multiAsset: z.object({ threshold: z.number(expect('a share in (0, 1]')).gt(0).max(1).optional() }).strict(),
  overfitting: z.object({ minDsr: fraction().optional(), maxPbo: fraction().optional() }).strict(),
}).partial().strict();

const optimizeSchema = z.object({
  paramSpace,
  fixedParams: z.record(z.unknown(), expect('an object of parameters held fixed')).optional(),
  metric: z.string(expect('a metric name such as sharpe')).optional(),
  direction: z.enum(['maximize', 'minimize']).optional(),
  nTrials: positiveWhole().optional(),
  nJobs: positiveWhole().optional(),
  sampler: z.enum(['tpe', 'random', 'grid']).optional(),
  seed: whole('a whole number').optional(),
  nStartup: whole('a whole number ≥ 0').min(0).optional(),
  storage: z.string(expect('a file path')).min(1).optional(),
  timeoutSeconds: z.number(expect('a number of seconds > 0')).positive().optional(),
  symbol: z.string(expect('a symbol of data')).min(1).optional(),
}).strict();

const walkForwardSchema = z.object({
  inSampleDays: positiveWhole().optional(),
  outSampleDays: positiveWhole().optional(),
  stepDays: positiveWhole().optional(),
  nTrials: positiveWhole().optional(),
  paramSpace: paramSpace.optional(),
}).strict();

const SCORE_NAMES = Object.keys(SCORES) as [keyof typeof SCORES, ...(keyof typeof SCORES)[]];

const configSchema = z.object({
  experiment: z.string(expect('an experiment id such as sma_goog_001')).min(1).optional(),
  tracker: z.string(expect('a database file path')).min(1).optional(),
  data: dataMap.refine((d) => Object.keys(d).length > 0, { message: 'expected at least one symbol: path entry' }),
  conditions: z.record(z.string(expect('a file path')).min(1), expect('name: path entries such as { VIX: ./VIX.csv }')).optional(),
  timeframes: z.array(timeframeLabel, expect('a list of timeframes such as [1h, 4h]')).min(1).optional(),
  between: z.object({ from: dateText.optional(), to: dateText.optional() }).strict()
    .refine((b) => b.from === undefined || b.to === undefined || parseTimestamp(b.from) <= parseTimestamp(b.to), { message: 'from is after to' }).optional(),
  strategy: strategySpec.optional(),
  grid: gridMap.optional(),
  where: whereText.optional(),
  strategies: z.array(
    z.object({ strategy: strategySpec, grid: gridMap.optional(), where: whereText.optional() }).strict(),
    expect('a list of { strategy, grid, where } entries'),
  ).min(1).optional(),
  settings: z.record(z.unknown(), expect('engine settings such as { spread: 0.0003, fill: close }')).optional(),
  score: z.enum(SCORE_NAMES).optional(),
  rules: rulesSchema.optional(),
  workers: whole('a whole number ≥ 0').min(0).optional(),
  maxCombinations: whole('a whole number ≥ 1').min(1).optional(),
  validation: validationSchema.optional(),
  optimize: optimizeSchema.optional(),
  walkForward: walkForwardSchema.optional(),
}).strict();

type RawConfig = z.infer<typeof configSchema>;

// ---- what the commands get -------------------------------------------------------------------

export interface DataSpec {
  symbol: string;
  /** Absolute. */
  path: string;
  timeframe?: string;
  timezone?: string;
  /** Where it is written in the config, for errors. */
  at: Path;
}

export interface StrategyPlan {
  strategy: StrategyClass;
  /** Where the entry is in the file ([] for top-level strategy/grid/where; ['strategies', i]). */
  at: Path;
  grid?: ParamGrid;
  where?: { text: string; fn: WhereFn };
}

export interface ResearchConfig {
  /** The config file as given on the command line (errors name it so). */
  file: string;
  experiment?: string;
  /** Absolute, when the file names one. */
  tracker?: string;
  data: DataSpec[];
  /** validation.data: loaded for `validate` only. */
  validationData: DataSpec[];
  /** External series for the traces' metadata (`stratlab run`): name and absolute path. */
  conditions: { name: string; path: string; at: Path }[];
  timeframes?: string[];
  between?: { from?: string; to?: string };
  strategy: StrategyClass;
  /** Canonical parameter names; ranges expanded. */
  grid?: ParamGrid;
  where?: { text: string; fn: WhereFn };
  /**
   * Every strategy with its grid and constraint: `strategies: [{ strategy, grid, where }, …]`, or the one
   * `strategy`/`grid`/`where` (then the first entry is those). sweep and run use them all (one run);
   * optimize, walk-forward and validate use the first.
   */
  strategies: StrategyPlan[];
  settings: EngineOptions;
  score?: keyof typeof SCORES;
  rules?: Partial<DisqualificationRules>;
  workers?: number;
  /** Refuse a sweep of more combinations than this (default 1,000,000; --max-combinations overrides). */
  maxCombinations?: number;
  validation: NonNullable<RawConfig['validation']>;
  optimize?: Omit<NonNullable<RawConfig['optimize']>, 'paramSpace' | 'storage'> & { paramSpace: SpaceSpec; storage?: string };
  walkForward?: Omit<NonNullable<RawConfig['walkForward']>, 'paramSpace'> & { paramSpace?: SpaceSpec };
  /** A usage error about this file at a YAML path: `file: path: message (line N)`. */
  error(at: Path, message: string): StratlabError;
}

/** Reads and checks a config; every problem is a CLI_USAGE error naming the file, the path and the line. */
export function loadConfig(file: string): ResearchConfig {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new StratlabError('CLI_USAGE', `--config ${file}: file not found`, { location: { file } });
  if (fs.statSync(abs).isDirectory()) throw new StratlabError('CLI_USAGE', `--config ${file}: is a folder, not a config file`, { location: { file } });
  const text = fs.readFileSync(abs, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  // line: null when there is no line to show (a key that is missing).
  const error = (at: Path, message: string, line: number | null | undefined = lineOf(doc, lines, at)): StratlabError =>
    new StratlabError('CLI_USAGE', `${file}: ${at.length ? `${pathText(at)}: ` : ''}${message}${line ? ` (line ${line})` : ''}`, { location: { file, field: pathText(at) || undefined } });

  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw error([], `not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, lines.linePos(e.pos[0]).line);
  }
  const raw = configValue(doc, error);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw error([], 'expected a mapping of settings (experiment, data, strategy, grid, …)', 1);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw zodIssueError(firstIssue(parsed.error.issues), raw, error, (at, key) => keyLine(doc, lines, at, key));
  return resolveConfig(parsed.data, file, path.dirname(abs), error);
}

/**
 * The document as plain values. Expanding aliases is where a "billion laughs" file (aliases of
 * aliases) explodes; the yaml package refuses past its alias budget, and that is the file's fault.
 */
function configValue(doc: Document, error: (at: Path, message: string, line: null) => StratlabError): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const what = /alias count/i.test(String((e as Error)?.message))
      ? 'not valid YAML: its aliases (*name) nest into too many copies, as a "billion laughs" file does; write the values out instead'
      : `not valid YAML: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
    throw error([], what, null);
  }
}

/** The yaml package's default budget (alias uses × their nesting): ample for a real config, far short of a bomb. */
const MAX_ALIAS_COUNT = 100;

function resolveConfig(c: RawConfig, file: string, dir: string, error: ResearchConfig['error']): ResearchConfig {
  const local = (p: string) => path.resolve(dir, p);
  const dataSpecs = (map: Record<string, z.infer<typeof dataEntry>>, at: Path): DataSpec[] =>
    Object.entries(map).map(([symbol, entry]) => {
      const spec = typeof entry === 'string' ? { path: entry } : entry;
      const where = typeof entry === 'string' ? [...at, symbol] : [...at, symbol, 'path'];
      const p = local(spec.path);
      if (!fs.existsSync(p)) throw error(where, `file not found: ${spec.path} (looked in ${p}; paths are relative to the config file)`);
      return { symbol, path: p, timeframe: spec.timeframe, timezone: spec.timezone, at: where };
    });

  if (c.strategies && (c.strategy !== undefined || c.grid || c.where)) {
    throw error(['strategies'], 'give either strategies: [{ strategy, grid, where }, …] or strategy (with grid and where), not both');
  }
  if (!c.strategies && c.strategy === undefined) throw error(['strategy'], "required: a built-in strategy name such as SmaCross (or strategies: [{ strategy, grid, where }, …])");
  const plans = c.strategies
    ? c.strategies.map((e, i) => resolvePlan(e.strategy, e.grid, e.where, ['strategies', i], dir, error))
    : [resolvePlan(c.strategy!, c.grid, c.where, [], dir, error)];
  const { strategy: S, grid, where } = plans[0];
  const canonical = canonicalName(S, error);

  const settings = checkSettings(c.settings ?? {}, error);

  let optimize: ResearchConfig['optimize'];
  if (c.optimize) {
    const o = c.optimize;
    if (o.metric !== undefined && !(METRIC_KEYS as readonly string[]).includes(o.metric)) {
      const near = nearest(o.metric, METRIC_KEYS);
      throw error(['optimize', 'metric'], `'${o.metric}' is not a metric of a backtest.` + (near ? ` Did you mean '${near}'?` : ` Metrics: ${METRIC_KEYS.join(', ')}`));
    }
    if (o.symbol !== undefined && !Object.keys(c.data).includes(o.symbol)) {
      throw error(['optimize', 'symbol'], `'${o.symbol}' is not in data (it has ${Object.keys(c.data).join(', ')})`);
    }
    // Canonical names, so `where` reads fixed parameters as it reads searched ones.
    const fixedParams = o.fixedParams && Object.fromEntries(Object.entries(o.fixedParams).map(([k, v]) => [canonical(k, ['optimize', 'fixedParams', k]), v]));
    optimize = { ...o, fixedParams, paramSpace: checkSpace(o.paramSpace, ['optimize', 'paramSpace'], canonical, error), storage: o.storage === undefined ? undefined : local(o.storage) };
  }
  let walkForward: ResearchConfig['walkForward'];
  if (c.walkForward) {
    const w = c.walkForward;
    walkForward = { ...w, paramSpace: w.paramSpace ? checkSpace(w.paramSpace, ['walkForward', 'paramSpace'], canonical, error) : undefined };
  }

  const conditions = Object.entries(c.conditions ?? {}).map(([name, p]) => {
    const at = ['conditions', name];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw error(at, `'${name}' is not a condition name: use letters, digits and _ (read back as $.conditions.${name.replace(/\W/g, '_')})`);
    const abs = local(p);
    if (!fs.existsSync(abs)) throw error(at, `file not found: ${p} (looked in ${abs}; paths are relative to the config file)`);
    return { name, path: abs, at };
  });
  const validation = c.validation ?? {};
  const data = dataSpecs(c.data, ['data']);
  const validationData = validation.data ? dataSpecs(validation.data, ['validation', 'data']) : [];
  const known = new Set([...data, ...validationData].map((d) => d.symbol.toUpperCase()));
  for (const [symbol, list] of Object.entries(validation.related ?? {})) {
    list.forEach((r, i) => {
      if (!known.has(r.toUpperCase())) throw error(['validation', 'related', symbol, i], `no data for ${r}: add it to data or validation.data`);
    });
  }

  return {
    file, experiment: c.experiment, tracker: c.tracker === undefined ? undefined : local(c.tracker),
    data, validationData, conditions, timeframes: c.timeframes, between: c.between,
    strategy: S, grid, where, strategies: plans, settings, score: c.score, rules: c.rules as Partial<DisqualificationRules> | undefined, workers: c.workers,
    maxCombinations: c.maxCombinations, validation, optimize, walkForward, error,
  };
}

/** A parameter name as the strategy calls it (snake_case and aliases accepted), or an error at `at`. */
function canonicalName(S: StrategyClass, error: ResearchConfig['error']): (name: string, at: Path) => string {
  return (name, at) => {
    try {
      checkParameterNames(S, [name]);
    } catch (e) {
      throw error(at, (e as Error).message);
    }
    return parameterKey(S, name) ?? name;
  };
}

/** One strategy with its grid and constraint, checked against it; `at` is where the entry is in the file. */
function resolvePlan(spec: NonNullable<RawConfig['strategy']>, rawGrid: RawConfig['grid'], rawWhere: string | undefined, at: Path, dir: string, error: ResearchConfig['error']): StrategyPlan {
  const S = resolveStrategy(spec, dir, error, [...at, 'strategy']);
  const defaults = parameterDefaults(S);
  const canonical = canonicalName(S, error);

  let grid: ParamGrid | undefined;
  if (rawGrid) {
    grid = {};
    const fields = fieldSchemas(S);
    for (const [key, entry] of Object.entries(rawGrid)) {
      const name = canonical(key, [...at, 'grid', key]);
      const values = Array.isArray(entry) ? entry : expandRange(entry, [...at, 'grid', key], error);
      values.forEach((v, i) => {
        const problem = fields[name] ? fieldProblem(fields[name], v) : null;
        if (problem) throw error(Array.isArray(entry) ? [...at, 'grid', key, i] : [...at, 'grid', key], `${strategyName(S)}.${name}: ${problem}`);
      });
      grid[name] = values;
    }
  }

  let where: ResearchConfig['where'];
  if (rawWhere !== undefined) {
    let parsed;
    try {
      parsed = parseWhere(rawWhere);
    } catch (e) {
      if (!(e instanceof WhereSyntaxError)) throw e;
      throw error([...at, 'where'], `cannot read ${JSON.stringify(rawWhere)}: ${e.message} at column ${e.column}`);
    }
    const names = new Map(parsed.names.map((n) => [n, canonical(n, [...at, 'where'])]));
    // A parameter not in the grid or space has its default value.
    const fn = parsed.compile((p, n) => {
      const key = names.get(n)!;
      return key in p ? p[key] : defaults[key];
    });
    where = { text: rawWhere, fn };
  }
  return { strategy: S, grid, where, at };
}

function resolveStrategy(spec: NonNullable<RawConfig['strategy']>, dir: string, error: ResearchConfig['error'], at: Path = ['strategy']): StrategyClass {
  if (typeof spec === 'string') {
    try {
      return strategyByName(spec);
    } catch (e) {
      if (!isStratlabError(e)) throw e;
      throw error(at, e.message + (e.message.includes('Did you mean') ? '' : ` (${e.hint})`));
    }
  }
  const file = path.resolve(dir, spec.module);
  if (!fs.existsSync(file)) throw error([...at, 'module'], `file not found: ${spec.module} (looked in ${file})`);
  if (!/\.c?js$/.test(file)) throw error([...at, 'module'], `${spec.module}: expected a JavaScript module (.js or .cjs); compile TypeScript first`);
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(file) as Record<string, unknown>;
  } catch (e) {
    throw error([...at, 'module'], `${spec.module} did not load: ${(e as Error).message.split('\n')[0]}`);
  }
  const isStrategy = (x: unknown): x is StrategyClass => typeof x === 'function' && !!(x as StrategyClass).params && typeof (x as StrategyClass).params.safeParse === 'function';
  if (spec.export !== undefined) {
    const S = mod[spec.export];
    if (isStrategy(S)) return S;
    const exports = Object.keys(mod).filter((k) => isStrategy(mod[k]));
    const near = nearest(spec.export, exports);
    throw error([...at, 'export'], `${spec.module} has no strategy export '${spec.export}'.` + (near ? ` Did you mean '${near}'?` : exports.length ? ` It exports ${exports.join(', ')}` : ''));
  }
  if (isStrategy(mod)) return mod;
  const exports = Object.keys(mod).filter((k) => isStrategy(mod[k]));
  if (exports.length === 1) return mod[exports[0]] as StrategyClass;
  throw error(at, exports.length ? `${spec.module} exports several strategies (${exports.join(', ')}): say which with export:` : `${spec.module} exports no Strategy class (a class with a static zod params schema)`);
}

function expandRange(r: { from: number; to: number; step?: number }, at: Path, error: ResearchConfig['error']): number[] {
  if (r.from > r.to) throw error(at, `from ${r.from} is above to ${r.to}`);
  const values = range(r.from, r.to, r.step ?? 1);
  if (values.length > 100_000) throw error(at, `${values.length.toLocaleString('en-US')} values: use a larger step`);
  return values;
}

/** Each parameter's own schema (under the strategy's refinements), for checking grid values one by one. */
function fieldSchemas(S: StrategyClass): Record<string, z.ZodTypeAny> {
  // By type name, not instanceof: a strategy module may bring its own copy of zod.
  let s = S.params as z.ZodTypeAny;
  for (;;) {
    const def = s._def as { typeName?: string; schema?: z.ZodTypeAny; innerType?: z.ZodTypeAny; shape?: () => Record<string, z.ZodTypeAny> };
    if (def.typeName === 'ZodObject' && def.shape) return def.shape();
    const inner = def.typeName === 'ZodEffects' ? def.schema : def.innerType;
    if (!inner) return {};
    s = inner;
  }
}

function fieldProblem(schema: z.ZodTypeAny, value: unknown): string | null {
  const r = schema.safeParse(value);
  if (r.success) return null;
  const issue = r.error.issues[0];
  if (issue.code === 'invalid_type') return `expected a ${issue.expected}, got ${shown(value)}`;
  if (issue.code === 'invalid_enum_value') return `expected ${issue.options.map((o) => `'${String(o)}'`).join(' | ')}, got ${shown(value)}`;
  return `${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}, got ${shown(value)}`;
}

function checkSpace(space: Record<string, z.infer<typeof paramSpec>>, at: Path, canonical: (name: string, at: Path) => string, error: ResearchConfig['error']): SpaceSpec {
  const out: SpaceSpec = {};
  for (const [key, spec] of Object.entries(space)) out[canonical(key, [...at, key])] = spec as SpaceSpec[string];
  try {
    defineSpace(out);
  } catch (e) {
    if (!isStratlabError(e)) throw e;
    const field = e.location.field;
    const key = Object.keys(space).find((k) => (canonical(k, at) === field)) ?? field;
    throw error(key ? [...at, key] : at, e.message.replace(/^paramSpace(\.\w+)?: /, '') + (e.hint ? ` (${e.hint})` : ''));
  }
  return out;
}

/** Engine settings: names checked with a suggestion, values by the engine itself, one key at a time so the error names it. */
function checkSettings(settings: Record<string, unknown>, error: ResearchConfig['error']): EngineOptions {
  const probe = engine(PROBE);
  for (const [key, value] of Object.entries(settings)) {
    try {
      probe.configure({ [key]: value } as EngineOptions);
    } catch (e) {
      if (!isStratlabError(e)) throw e;
      // 'spread(2): expected …' → 'expected …, got 2'; 'engine settings: unknown setting …' → 'unknown setting …'.
      const m = /^[\w.]+\((.*)\): (.*)$/.exec(e.message);
      const message = m ? `${m[2]}, got ${shown(value)}` : e.message.replace(/^engine settings: /, '');
      throw error(['settings', key], message + (e.hint && !m && !message.includes('Did you mean') ? ` (${e.hint})` : ''));
    }
  }
  return settings as EngineOptions;
}

/** Two bars, only for checking engine settings before any data is loaded. */
const PROBE: Bars = {
  symbol: 'CONFIG', timeframe: '1d', time: Float64Array.of(0, 86_400_000),
  open: Float64Array.of(1, 1), high: Float64Array.of(1, 1), low: Float64Array.of(1, 1), close: Float64Array.of(1, 1), volume: Float64Array.of(0, 0),
};

// ---- loading what the config names -------------------------------------------------------------

/** Loads the config's data files, each under its symbol; a file that does not load is a data error (exit 1). */
export async function loadConfigData(specs: readonly DataSpec[]): Promise<Record<string, Bars>> {
  const out: Record<string, Bars> = {};
  for (const d of specs) out[d.symbol] = await loadBars(d.path, { symbol: d.symbol, timeframe: d.timeframe, timezone: d.timezone });
  return out;
}

/** A config's conditions, loaded (lib/data/conditions.ts), by name. */
export async function loadConfigConditions(config: ResearchConfig): Promise<Record<string, ConditionSeries>> {
  const out: Record<string, ConditionSeries> = {};
  for (const c of config.conditions) out[c.name] = await loadCondition(c.path, c.name);
  return out;
}

/** One symbol's bars as optimize / walk-forward use them: inside `between`, at the first of `timeframes`. */
export function researchBars(config: ResearchConfig, bars: Bars): Bars {
  const b = config.between;
  let out = b ? slice(bars, b.from, b.to) : bars;
  if (out.time.length === 0) {
    throw new StratlabError('EMPTY_DATA', `${config.file}: between: ${bars.symbol} has no bars from ${b?.from ?? 'the start'} to ${b?.to ?? 'the end'}`);
  }
  const tf = config.timeframes?.[0];
  if (tf && tf !== out.timeframe) out = resample(out, tf);
  return out;
}

/** The symbol a single-series command works on: `--symbol`, else optimize.symbol, else the first in data. */
export function chooseSymbol(config: ResearchConfig, flag: string | undefined): DataSpec {
  const wanted = flag ?? config.optimize?.symbol;
  if (wanted === undefined) return config.data[0];
  const hit = config.data.find((d) => d.symbol.toUpperCase() === wanted.toUpperCase());
  if (hit) return hit;
  const near = nearest(wanted, config.data.map((d) => d.symbol));
  throw new StratlabError('CLI_USAGE', `--symbol ${wanted}: not in ${config.file}'s data (it has ${config.data.map((d) => d.symbol).join(', ')})` + (near ? `. Did you mean ${near}?` : ''));
}

// ---- zod issues and YAML lines ---------------------------------------------------------------

function pathText(at: Path): string {
  return at.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');
}

function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null (an empty value)';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

function valueAt(root: unknown, at: Path): unknown {
  let v = root;
  for (const k of at) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** The 1-based line of the node at `at`, or of its nearest ancestor below the top (a missing top-level key has no line). */
function lineOf(doc: Document, lines: LineCounter, at: Path): number | undefined {
  for (let p = at; p.length > 0; p = p.slice(0, -1)) {
    const node = doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
    if (node && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** The line of key `key` in the mapping at `at`. */
function keyLine(doc: Document, lines: LineCounter, at: Path, key: string): number | undefined {
  const map = at.length ? doc.getIn(at, true) : doc.contents;
  if (isMap(map)) {
    for (const pair of map.items) {
      const k = pair.key as { value?: unknown; range?: [number, number, number] } | null;
      if (k && k.value === key && k.range) return lines.linePos(k.range[0]).line;
    }
  }
  return undefined;
}

/** The issue to report: an unknown key first (a misspelt key also makes the real one look missing). */
function firstIssue(issues: z.ZodIssue[]): z.ZodIssue {
  return issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
}

/** One zod issue as one line. A failed union reports the branch the value was meant for, when one is clear. */
function zodIssueError(issue: z.ZodIssue, raw: unknown, error: (at: Path, message: string, line?: number | null) => StratlabError, lineOfKey: (at: Path, key: string) => number | undefined): StratlabError {
  const at = issue.path;
  const got = valueAt(raw, at);
  switch (issue.code) {
    case 'invalid_union': {
      // A branch that accepted the value's type but not its content (an unknown key, a bad field) is the one meant.
      const meant = issue.unionErrors.map((e) => firstIssue(e.issues)).find((i) => i && !((i.code === 'invalid_type' || i.code === 'invalid_literal') && i.path.length === at.length));
      if (meant) return zodIssueError(meant, raw, error, lineOfKey);
      if (got === undefined) return error(at, `required: ${issue.message}`, null);
      return error(at, `${issue.message}, got ${shown(got)}`);
    }
    case 'unrecognized_keys': {
      const key = issue.keys[0];
      const known = keysAt(configSchema, at);
      const near = nearest(key, known);
      return error([...at, key], `unknown key.${near ? ` Did you mean '${near}'?` : known.length ? ` Keys here: ${known.join(', ')}` : ''}`, lineOfKey(at, key));
    }
    case 'invalid_type':
      if (got === undefined) return error(at, `required: ${issue.message}`, null);
      return error(at, `${issue.message}, got ${shown(got)}`);
    case 'invalid_enum_value': {
      const near = typeof got === 'string' ? nearest(got, issue.options.map(String)) : undefined;
      return error(at, `expected ${issue.options.map(String).join(' | ')}, got ${shown(got)}${near ? `. Did you mean '${near}'?` : ''}`);
    }
    default:
      return error(at, issue.message.startsWith('expected') ? `${issue.message}, got ${shown(got)}` : issue.message);
  }
}

/** The keys the schema allows at a path (through records, unions and wrappers), for suggestions. */
function keysAt(schema: z.ZodTypeAny, at: Path): string[] {
  let level: z.ZodTypeAny[] = [schema];
  const unwrap = (s: z.ZodTypeAny): z.ZodTypeAny[] => {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) return unwrap(s.unwrap());
    if (s instanceof z.ZodDefault) return unwrap(s._def.innerType);
    if (s instanceof z.ZodEffects) return unwrap(s.innerType());
    if (s instanceof z.ZodUnion) return (s.options as z.ZodTypeAny[]).flatMap(unwrap);
    return [s];
  };
  for (const key of at) {
    level = level.flatMap(unwrap).flatMap((s) => {
      if (s instanceof z.ZodObject) return typeof key === 'string' && s.shape[key] ? [s.shape[key] as z.ZodTypeAny] : [];
      if (s instanceof z.ZodRecord) return [s.valueSchema as z.ZodTypeAny];
      if (s instanceof z.ZodArray) return [s.element as z.ZodTypeAny];
      return [];
    });
  }
  return [...new Set(level.flatMap(unwrap).flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : [])))];
}

// ---- the tracker -----------------------------------------------------------------------------

/** The database: --db (relative to the working folder), else the config's tracker, else $STRATLAB_DB or ./research.db. */
export function trackerPathFor(flag: string | undefined, config?: ResearchConfig): string {
  if (flag !== undefined) {
    if (flag.trim() === '') throw new StratlabError('CLI_USAGE', '--db: expected a database file path, got ""');
    return path.resolve(flag);
  }
  return config?.tracker ?? defaultTrackerPath();
}

/** Opens a database that must exist already (reading commands should not create an empty one by mistake). */
export function openExistingTracker(file: string): ExperimentTracker {
  if (!fs.existsSync(file)) {
    throw new StratlabError('DATABASE', `${file}: no such research database`, { hint: 'run stratlab sweep first, or pass --db PATH (or set STRATLAB_DB)', location: { file } });
  }
  return openTracker(file);
}
