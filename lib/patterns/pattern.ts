/**
 * A pattern: a SQL query over a run's `traces` (and `strategy_index`) that selects signals, with what
 * it means and how often those signals were followed by a favourable move. The success rate is only
 * ever measured (savePattern, PatternDiscovery); a pattern nobody measured has successRate null.
 *
 *   SELECT t.strategy_hash, t.ts FROM traces t
 *   WHERE t.val = 1 AND CAST(json_extract(t.metadata, '$.parameters.fast') AS DOUBLE) <= 10
 */
import { z } from 'zod';
import { StratlabError } from '../core/errors';
import { paramsHash } from '../core/hash';

/**
 * A condition on the market at the signal bar, computed from the run's bars (traces hold no
 * indicator values, so SQL alone cannot say "while ADX ≥ 25"). Bounds: min ≤ value < max.
 *   adx: ADX(period); chop: Choppiness Index(period); volatility: ATR(period) / close.
 */
export interface RegimeCondition {
  indicator: 'adx' | 'chop' | 'volatility';
  period: number;
  min?: number;
  max?: number;
}

export interface PatternMetadata {
  /** A STRATEGY_TYPES value (lib/runs/format.ts), or 'all'. */
  strategyType?: string;
  /** The parameters (or parameter ranges) the pattern is about. */
  parameters?: Record<string, unknown>;
  /** 'parameter', 'regime', 'entry_timing', … free text. */
  patternType?: string;
  regime?: RegimeCondition;
  [key: string]: unknown;
}

/** Where and how a success rate was measured. */
export interface PatternMeasurement {
  runId: string;
  runDir: string;
  /** Rows the query returned. */
  matched: number;
  /** Rows with a direction (val ≠ 0) and a bar `horizon` bars later: the sample. */
  measured: number;
  /** Rows skipped: flat (val 0), too close to the end of the data, outside the regime, or not a trace row. */
  skipped: { flat: number; pastEnd: number; outsideRegime: number; notATrace: number };
  favourable: number;
  /** Mean forward return in the signal's direction (0.01 = 1 %), null when nothing was measured. */
  avgForwardReturn: number | null;
  measuredAt: string;
}

export interface Pattern {
  name: string;
  query: string;
  description: string;
  metadata: PatternMetadata;
  /** ISO time. */
  discoveredAt: string;
  /** favourable / measured; null when nothing was measured (never a made-up number). */
  successRate: number | null;
  sampleSize: number;
  /** Bars ahead the forward return was taken over; null until measured. */
  horizon: number | null;
  /** 16 hex digits: canonical hash of the query (whitespace and comments aside) and the metadata. */
  hash: string;
  measurement?: PatternMeasurement;
}

const regimeSchema = z.object({
  indicator: z.enum(['adx', 'chop', 'volatility']),
  period: z.number().int().min(2),
  min: z.number().optional(),
  max: z.number().optional(),
}).strict().refine((r) => r.min === undefined || r.max === undefined || r.min < r.max, { message: 'min must be below max' });

export const metadataSchema = z.object({
  strategyType: z.string().min(1).optional(),
  parameters: z.record(z.unknown()).optional(),
  patternType: z.string().optional(),
  regime: regimeSchema.optional(),
}).passthrough();

export interface PatternSpec {
  name: string;
  query: string;
  description?: string;
  metadata?: PatternMetadata;
  discoveredAt?: string | Date;
}

/** A new, unmeasured pattern; the name, the query and the metadata are checked here. */
export function definePattern(spec: PatternSpec): Pattern {
  const name = typeof spec.name === 'string' ? spec.name.trim() : '';
  if (!name) throw new StratlabError('BAD_ARGUMENT', 'pattern: name: expected a non-empty string');
  if (typeof spec.query !== 'string' || !spec.query.trim()) {
    throw new StratlabError('BAD_ARGUMENT', `pattern ${name}: query: expected SQL selecting signals (at least strategy_hash and ts) from traces`);
  }
  const meta = metadataSchema.safeParse(spec.metadata ?? {});
  if (!meta.success) {
    const issue = meta.error.issues[0];
    throw new StratlabError('BAD_ARGUMENT', `pattern ${name}: metadata.${issue.path.join('.')}: ${issue.message}`, { location: { field: `metadata.${issue.path.join('.')}` } });
  }
  const query = spec.query.trim().replace(/;\s*$/, '');
  const discoveredAt = spec.discoveredAt instanceof Date ? spec.discoveredAt.toISOString() : spec.discoveredAt ?? new Date().toISOString();
  return {
    name, query, description: spec.description ?? '', metadata: meta.data as PatternMetadata, discoveredAt,
    successRate: null, sampleSize: 0, horizon: null, hash: patternHash(query, meta.data),
  };
}

/** The canonical hash: the same query written with other spacing, line breaks or comments is the same pattern. */
export function patternHash(query: string, metadata: unknown): string {
  return paramsHash({ query: canonicalSql(query), metadata: metadata ?? {} });
}

/**
 * The query with comments dropped, whitespace runs collapsed to one space and a trailing ';' removed;
 * text inside quotes ('…', "…") is kept as written, since there spacing is data.
 */
export function canonicalSql(sql: string): string {
  let out = '', i = 0, space = false;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
      if (space && out) out += ' ';
      space = false;
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
      space = true;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      space = true;
    } else if (/\s/.test(c)) {
      space = true;
      i++;
    } else {
      if (space && out) out += ' ';
      space = false;
      out += c;
      i++;
    }
  }
  return out.replace(/(\s*;)+$/, '');
}

/** The pattern as stored and as `--json` shows it (camelCase, no undefined). */
export function patternJson(p: Pattern): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: p.name, query: p.query, description: p.description, metadata: p.metadata, discoveredAt: p.discoveredAt,
    successRate: p.successRate, sampleSize: p.sampleSize, horizon: p.horizon, hash: p.hash,
  };
  if (p.measurement) out.measurement = p.measurement;
  return out;
}

/** "0.625 (25 of 40 signals, 5 bars ahead)" or "not measured". */
export function describeSuccess(p: Pick<Pattern, 'successRate' | 'sampleSize' | 'horizon'>): string {
  if (p.successRate === null) return p.sampleSize === 0 && p.horizon !== null ? 'no signals matched' : 'not measured';
  const favourable = Math.round(p.successRate * p.sampleSize);
  return `${(p.successRate * 100).toFixed(1)} % (${favourable} of ${p.sampleSize} signals, ${p.horizon} bars ahead)`;
}
