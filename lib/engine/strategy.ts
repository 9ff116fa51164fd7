/**
 * The strategy contract: parameters declared once as a zod schema (types, defaults and validation
 * together), `init` to precompute indicators over the whole series, `onBar` to decide at each bar
 * seeing bars 0..i only, `onEnd` after the last bar.
 *
 *   const params = z.object({ fast: z.number().int().min(1).default(10), slow: z.number().int().default(30) });
 *   class SmaCross extends Strategy<z.infer<typeof params>> {
 *     static params = params;
 *     fast!: Series; slow!: Series;
 *     init(ctx: InitContext) {
 *       this.fast = ctx.indicator(indicators.sma(ctx.bars.close, this.params.fast), 'SMA fast');
 *       this.slow = ctx.indicator(indicators.sma(ctx.bars.close, this.params.slow), 'SMA slow');
 *     }
 *     onBar(ctx: BarContext) {
 *       if (crossover(this.fast, this.slow)) { ctx.close(); ctx.buy(); }
 *       else if (crossover(this.slow, this.fast)) { ctx.close(); ctx.sell(); }
 *     }
 *   }
 */
import { z } from 'zod';
import { StratlabError } from '../core/errors';
import { nearest } from '../data/options';
import type { BarContext, InitContext } from './context';

export abstract class Strategy<P extends object = Record<string, unknown>> {
  /** The parameter schema; subclasses replace it. Defaults in the schema are the strategy's defaults. */
  static params: z.ZodTypeAny = z.object({});
  /** One line shown by `stratlab backtest --help` and in listings. */
  static description = '';
  /** Other names a parameter is accepted under, e.g. { slAtr: 'stopLossAtr' } for the earlier system's configs (docs/execution.md §6). */
  static aliases: Readonly<Record<string, string>> = {};

  /** The validated parameters, defaults filled in. */
  readonly params: P;

  constructor(params: P) {
    this.params = params;
  }

  /** Precompute indicators over the whole series (vectorised; they must be causal). */
  init(_ctx: InitContext): void {}

  /** Decide at the current bar: look back with Series, trade with ctx.buy / ctx.sell / ctx.close. */
  abstract onBar(ctx: BarContext): void;

  /** After the last bar, before open positions are closed. */
  onEnd(_ctx: BarContext): void {}

  /**
   * What the strategy has to say about its run beyond trades and equity (a gate's share of closed
   * bars, entries it dropped): read once after the run, kept as `result.strategyReport`, printed
   * under the summary and stored with the run. Undefined: nothing to say.
   */
  report(): StrategyReport | undefined {
    return undefined;
  }
}

/** Named figures (or short texts) a strategy reports about its run. */
export type StrategyReport = Readonly<Record<string, number | string>>;

/** A Strategy subclass: what engine(bars).strategy(…) takes. */
export interface StrategyClass<P extends object = any> {
  new (params: P): Strategy<P>;
  readonly params: z.ZodType<P, z.ZodTypeDef, any>;
  readonly description?: string;
  readonly aliases?: Readonly<Record<string, string>>;
  readonly name: string;
}

/** The parameters a strategy declares, with their defaults (undefined when there is none). */
export function parameterDefaults(S: StrategyClass): Record<string, unknown> {
  const shape = objectShape(S.params);
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) out[key] = defaultOf(schema as z.ZodTypeAny);
  return out;
}

/**
 * `raw` with its keys resolved (snake_case, aliases) and the schema's defaults filled in, NOT
 * validated: what a sweep hashes and stores for a combination before a worker validates and runs it.
 * Keys that are not parameters are kept as given (parseParams will refuse them).
 */
export function completeParams(S: StrategyClass, raw: Record<string, unknown>): Record<string, unknown> {
  const out = parameterDefaults(S);
  for (const [key, value] of Object.entries(raw)) out[parameterKey(S, key) ?? key] = value;
  return out;
}

/**
 * Validates `raw` against the strategy's schema and fills in the defaults. snake_case keys are
 * accepted for camelCase parameters (`entry_period` → `entryPeriod`), and a strategy's `aliases`
 * (`sl_atr` → `stopLossAtr`), so configs written for the earlier system work (docs/execution.md §6).
 * Errors name the strategy and the parameter: `SmaCross has no parameter 'fsat'. Did you mean 'fast'?`
 */
export function parseParams<P extends object>(S: StrategyClass<P>, raw: unknown = {}): P {
  const name = strategyName(S);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new StratlabError('BAD_PARAMETER', `${name} parameters: expected an object, got ${describe(raw)}`);
  }
  const known = parameterNames(S);
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const target = parameterKey(S, key);
    if (target === undefined) {
      const near = nearest(key, known);
      const msg = `${name} has no parameter '${key}'.` + (near ? ` Did you mean '${near}'?` : '');
      throw new StratlabError('BAD_PARAMETER', msg, {
        hint: near ? undefined : known.length ? `its parameters are: ${known.join(', ')}` : `${name} takes no parameters`,
        location: { field: key },
      });
    }
    input[target] = value;
  }
  const result = S.params.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.');
  const given = issue.path.length ? pick(input, issue.path) : input;
  let message = issue.message;
  if (issue.code === 'invalid_type') message = `expected ${issue.expected}, got ${describe(given)}`;
  else if (issue.code === 'invalid_enum_value') message = `expected ${issue.options.map((o) => `'${String(o)}'`).join(' | ')}, got ${describe(given)}`;
  else if (issue.code === 'too_small' || issue.code === 'too_big') message = `${issue.message.toLowerCase()}, got ${describe(given)}`;
  // A rule's message that already names its field ('fast must be shorter than slow') reads better without the prefix.
  const at = field && !message.startsWith(`${field} `) ? `${field}: ` : '';
  throw new StratlabError('BAD_PARAMETER', `${name}: ${at}${message}`, { location: { field: field || undefined } });
}

/** The names of a strategy's parameters, as its schema declares them. */
export function parameterNames(S: StrategyClass): string[] {
  return Object.keys(objectShape(S.params));
}

/** The parameter `key` names: itself, its camelCase form (`entry_period` → `entryPeriod`) or an alias; undefined if none. */
export function parameterKey(S: StrategyClass, key: string): string | undefined {
  const known = parameterNames(S);
  const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const alias = S.aliases?.[key] ?? S.aliases?.[camel];
  return known.includes(key) ? key : known.includes(camel) ? camel : alias && known.includes(alias) ? alias : undefined;
}

/** Refuses names that are not parameters of S (snake_case and aliases accepted), suggesting the nearest. */
export function checkParameterNames(S: StrategyClass, names: readonly string[], context = ''): void {
  const known = parameterNames(S);
  if (known.length === 0) return; // a schema we cannot see into: parseParams will judge
  for (const key of names) {
    if (parameterKey(S, key) !== undefined) continue;
    const near = nearest(key, known);
    throw new StratlabError('BAD_PARAMETER', `${context}${strategyName(S)} has no parameter '${key}'.` + (near ? ` Did you mean '${near}'?` : ''), {
      hint: near ? undefined : `its parameters are: ${known.join(', ')}`,
      location: { field: key },
    });
  }
}

export function strategyName(S: { name: string }): string {
  return S.name || 'Strategy';
}

// Schemas are recognised by their type name, not instanceof: a strategy module may bring its own
// copy of zod (another node_modules, or CommonJS next to an ESM-loaded one).
type Def = { typeName?: string; innerType?: z.ZodTypeAny; schema?: z.ZodTypeAny; defaultValue?: () => unknown; shape?: () => Record<string, z.ZodTypeAny> };

/** The schema under effects (refine, transform), defaults, optional and nullable wrappers. */
function unwrapOnce(s: z.ZodTypeAny): z.ZodTypeAny | null {
  const def = s._def as Def;
  if (def.typeName === 'ZodEffects') return def.schema ?? null;
  if (def.typeName === 'ZodDefault' || def.typeName === 'ZodOptional' || def.typeName === 'ZodNullable') return def.innerType ?? null;
  return null;
}

function objectShape(schema: z.ZodTypeAny): Record<string, z.ZodTypeAny> {
  let s = schema;
  for (let inner = unwrapOnce(s); inner; inner = unwrapOnce(s)) s = inner;
  const def = s?._def as Def | undefined;
  return def?.typeName === 'ZodObject' && def.shape ? def.shape() : {};
}

function defaultOf(schema: z.ZodTypeAny): unknown {
  let s: z.ZodTypeAny | null = schema;
  while (s) {
    const def = s._def as Def;
    if (def.typeName === 'ZodDefault' && def.defaultValue) return def.defaultValue();
    s = unwrapOnce(s);
  }
  return undefined;
}

function pick(obj: unknown, path: (string | number)[]): unknown {
  let v = obj;
  for (const k of path) v = v != null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}
