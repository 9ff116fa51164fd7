/**
 * getSummaryForLLM (docs/experiments.md §6.2): in place of a generated markdown report, built fresh from the table each
 * time. Plain text in four parts: TOP STRATEGIES (the best run per strategy/symbol/timeframe,
 * validated first), NOTABLE FAILURES (per strategy, the symbols where nothing passed and the median
 * run lost, with the reasons counted), UNTESTED (gaps in strategy × symbol × timeframe, from what the
 * table holds and any strategies the caller knows of) and TOTALS. Every list is ordered with a
 * tie-break and capped at maxResults lines, so the same table always gives the same, bounded text.
 *
 * It reads the table once, sequentially, and aggregates in JS: GROUP BY over a million rows jumps
 * around the file through the indexes and is several times slower than one straight scan.
 */
import path from 'node:path';
import type { Statement } from 'better-sqlite3';
import { StratlabError } from '../core/errors';
import { timeframeMs } from '../core/timeframe';
import { DISQUALIFICATION_RULES } from '../sweep/score';
import { paramsText } from './display';
import { SELECT_COLUMNS, rowFromSql, type ExperimentRow, type SqlRow } from './rows';
import { costModelLabel, resolveCostModel, type CostModel, type CostModelOption } from './cost-model';

export interface SummaryOptions {
  /** Strategies that exist (the built-ins, a plugin list): any never run are listed as untested. */
  strategies?: readonly string[];
  /** Fewest trades for a top-strategy line (default: DISQUALIFICATION_RULES.minTrades, 30). */
  minTrades?: number;
  /** The cost model TOP STRATEGIES ranks in: 'live' (default), { spread, executionDelay }, or 'all' (each line labelled). */
  costModel?: CostModelOption;
}

interface Source {
  path: string;
  statement(sql: string): Statement;
}

/** Symbols listed on one line before '+N more'. */
const MAX_SYMBOLS = 8;
/** Reasons of each kind listed on one failure line. */
const MAX_REASONS = 3;

const int = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string, words = `${word}s`) => `${int(n)} ${n === 1 ? word : words}`;

/** '+3.2%', '−0.4%', '0.0%'; 'n/a' for NaN. The minus is U+2212, as in print. */
function signedPct(x: number | null, digits = 1): string {
  if (x === null || Number.isNaN(x)) return 'n/a';
  const s = Math.abs(x).toFixed(digits);
  if (Number(s) === 0) return `${s}%`;
  return `${x < 0 ? '−' : '+'}${s}%`;
}

const fixed = (x: number | undefined, digits: number) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits).replace('-', '−'));

function listSymbols(symbols: readonly string[]): string {
  if (symbols.length <= MAX_SYMBOLS) return symbols.join('/');
  return `${symbols.slice(0, MAX_SYMBOLS).join('/')} +${symbols.length - MAX_SYMBOLS} more`;
}

/** Shortest timeframe first; labels that are not fixed-length ('1M', odd ones) after, by name. */
function byTimeframe(a: string, b: string): number {
  const ms = (tf: string) => {
    try {
      return timeframeMs(tf);
    } catch {
      return Infinity;
    }
  };
  return ms(a) - ms(b) || (a < b ? -1 : a > b ? 1 : 0);
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildSummary(src: Source, maxResults: number, opts: SummaryOptions = {}): string {
  if (!Number.isInteger(maxResults) || maxResults < 1) {
    throw new StratlabError('BAD_ARGUMENT', `getSummaryForLLM: maxResults must be a whole number >= 1, got ${maxResults}`);
  }
  const known = opts.strategies ?? [];
  if (!Array.isArray(known) || known.some((s) => typeof s !== 'string')) {
    throw new StratlabError('BAD_ARGUMENT', 'getSummaryForLLM: strategies must be an array of strategy names');
  }
  const minTrades = opts.minTrades ?? DISQUALIFICATION_RULES.minTrades;
  const costOption = opts.costModel ?? 'live';
  if (costOption !== 'live' && costOption !== 'all' && !(costOption && typeof costOption === 'object' && costOption.spread >= 0)) {
    throw new StratlabError('BAD_ARGUMENT', `getSummaryForLLM: costModel: expected 'live', 'all' or { spread, executionDelay }, got ${JSON.stringify(costOption)}`, { location: { field: 'costModel' } });
  }
  const model = resolveCostModel(costOption);
  const scan = scanTable(src, minTrades, model);
  const file = src.path === ':memory:' ? 'the in-memory database' : path.basename(src.path);
  if (scan.total.n === 0) {
    const line = `No experiments recorded yet in ${file}.`;
    return known.length ? `${line}\nUNTESTED: every strategy: ${[...new Set(known)].join(', ')}.` : line;
  }
  return [
    ...topSection(src, scan, maxResults, minTrades, model), '',
    ...failureSection(scan, maxResults), '',
    ...untestedSection(scan, maxResults, known), '',
    totalsLine(scan),
  ].join('\n');
}

/** Per strategy and symbol: what the failure lines need. */
interface Group {
  strategy: string;
  symbol: string;
  runs: number;
  passed: number;
  errors: number;
  disqualified: number;
  rejected: number;
  /** ok, passing every rule, not rejected. */
  viable: number;
  timeframes: Set<string>;
  returns: number[];
  /** By the disqualified column's text ('["minTrades","maxDrawdown"]'): few distinct values, parsed once. */
  rules: Map<string, number>;
  rejections: Map<string, number>;
  errorTexts: Map<string, number>;
}

interface Best {
  id: number;
  score: number;
  runs: number;
}

interface Scan {
  total: { n: number; errors: number; disqualified: number; passed: number; marginal: number; rejected: number };
  experiments: Set<string>;
  groups: Map<string, Group>;
  /** strategy → symbol → timeframes run. */
  tested: Map<string, Map<string, Set<string>>>;
  symbols: Set<string>;
  timeframes: Set<string>;
  /** Best qualifying run per strategy/symbol/timeframe (and cost model, when mixing), per validation status. */
  best: Map<string, Map<string, Best>>;
  /** Qualifying runs left out of the ranking because they ran under another cost model, by its label. */
  otherModels: Map<string, number>;
}

const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

const FAILED = 1, DISQUALIFIED = 2, VALIDATION = 12, PASSED = 4, MARGINAL = 8, REJECTED = 12;
const TIERS: Record<number, string> = { 0: 'pending', [PASSED]: 'passed', [MARGINAL]: 'marginal' };

function scanTable(src: Source, minTrades: number, model: CostModel | null): Scan {
  const scan: Scan = {
    otherModels: new Map(),
    total: { n: 0, errors: 0, disqualified: 0, passed: 0, marginal: 0, rejected: 0 },
    experiments: new Set(), groups: new Map(), tested: new Map(), symbols: new Set(), timeframes: new Set(),
    best: new Map([['passed', new Map()], ['marginal', new Map()], ['pending', new Map()]]),
  };
  for (const r of src.statement('SELECT DISTINCT experiment_id AS e FROM experiments').all() as { e: string | null }[]) scan.experiments.add(r.e ?? '');
  // Per row: one key string and one integer of flags. Turning each text column into a JS string
  // costs more than SQLite's whole scan, so the row is folded in SQL first.
  const stmt = src.statement(
    `SELECT id, coalesce(strategy, '') || char(0) || coalesce(symbol, '') || char(0) || coalesce(timeframe, ''),
       (status = 'failed') | ((disqualified <> '[]') << 1) |
         (CASE validation_status WHEN 'passed' THEN ${PASSED} WHEN 'marginal' THEN ${MARGINAL} WHEN 'rejected' THEN ${REJECTED} ELSE 0 END),
       CASE WHEN disqualified <> '[]' THEN disqualified END, return_pct, total_trades, score,
       CASE WHEN validation_status = 'rejected' THEN validation_details END, CASE WHEN status = 'failed' THEN substr(error, 1, 60) END,
       spread, execution_delay
     FROM experiments`,
  );
  const t = scan.total;
  const seen = new Map<string, { group: Group; timeframe: string }>();
  for (const row of stmt.raw(true).iterate() as IterableIterator<unknown[]>) {
    const [id, combo, flags, dq, ret, trades, score, details, error, spread, delay] = row as [
      number, string, number, string | null, number | null, number | null, number | null, string | null, string | null, number | null, number | null,
    ];
    let c = seen.get(combo);
    if (!c) {
      const [strategy, symbol, timeframe] = combo.split('\u0000');
      const key = `${strategy}\u0000${symbol}`;
      let group = scan.groups.get(key);
      if (!group) {
        group = { strategy, symbol, runs: 0, passed: 0, errors: 0, disqualified: 0, rejected: 0, viable: 0, timeframes: new Set(), returns: [], rules: new Map(), rejections: new Map(), errorTexts: new Map() };
        scan.groups.set(key, group);
      }
      group.timeframes.add(timeframe);
      let bySymbol = scan.tested.get(strategy);
      if (!bySymbol) scan.tested.set(strategy, (bySymbol = new Map()));
      bySymbol.set(symbol, (bySymbol.get(symbol) ?? new Set()).add(timeframe));
      scan.symbols.add(symbol);
      scan.timeframes.add(timeframe);
      seen.set(combo, (c = { group, timeframe }));
    }
    const g = c.group;
    const failed = (flags & FAILED) !== 0;
    const clean = (flags & DISQUALIFIED) === 0;
    const validation = flags & VALIDATION;
    t.n++;
    g.runs++;
    if (failed) (t.errors++, g.errors++, inc(g.errorTexts, error ?? 'no message'));
    else if (ret !== null) g.returns.push(ret);
    if (!failed && !clean) (t.disqualified++, g.disqualified++, inc(g.rules, dq!));
    if (validation === PASSED) (t.passed++, g.passed++);
    else if (validation === MARGINAL) t.marginal++;
    else if (validation === REJECTED) (t.rejected++, g.rejected++, inc(g.rejections, rejectionReason(details)));
    if (!failed && clean && validation !== REJECTED) g.viable++;

    const tier = TIERS[validation];
    if (tier && !failed && clean && trades !== null && trades >= minTrades && score !== null) {
      // Ranked only within the cost model; mixing keeps the best of each model apart, labelled.
      const inModel = !model || (spread === model.spread && (delay ?? 0) === model.executionDelay);
      if (!inModel) {
        inc(scan.otherModels, costModelLabel({ spread, executionDelay: delay }));
        continue;
      }
      const key = model ? combo : `${combo}\u0000${spread}\u0000${delay ?? 0}`;
      const best = scan.best.get(tier)!;
      const b = best.get(key);
      if (!b) best.set(key, { id, score, runs: 1 });
      else {
        b.runs++;
        if (score > b.score || (score === b.score && id < b.id)) (b.id = id, b.score = score);
      }
    }
  }
  return scan;
}

function rejectionReason(details: string | null): string {
  if (details === null) return 'no reason given';
  try {
    const d = JSON.parse(details) as Record<string, unknown>;
    const why = d?.rejectionReason ?? d?.reason ?? d?.rejection_reason;
    return why === undefined || why === null ? 'no reason given' : String(why);
  } catch {
    return 'no reason given';
  }
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** The best qualifying run per strategy/symbol/timeframe: passed, then marginal, then unvalidated. */
function topSection(src: Source, scan: Scan, maxResults: number, minTrades: number, model: CostModel | null): string[] {
  const tiers: [status: string, label: string][] = [['passed', 'PASSED'], ['marginal', 'MARGINAL'], ['pending', 'UNVALIDATED']];
  const lines: string[] = [];
  const listed = new Set<string>();
  const get = src.statement(`SELECT ${SELECT_COLUMNS} FROM experiments WHERE id = ?`);
  for (const [status, label] of tiers) {
    const ranked = [...scan.best.get(status)!].sort(([, a], [, b]) => b.score - a.score || a.id - b.id);
    for (const [combo, b] of ranked) {
      if (lines.length >= maxResults) break;
      if (listed.has(combo)) continue;
      listed.add(combo);
      const row = rowFromSql(get.get(b.id) as SqlRow);
      lines.push(`${lines.length + 1}. ${topLine(row, label, b.runs)}${model ? '' : ` [${costModelLabel(row)}]`}`);
    }
  }
  const scope = model ? `cost model ${costModelLabel(model)}` : 'every cost model, mixed: each line says its own';
  const head = `TOP STRATEGIES (${scope}; best run per strategy/symbol/timeframe with ≥ ${minTrades} trades that passes the disqualification rules; validated first):`;
  const out = lines.length ? [head, ...lines] : [`TOP STRATEGIES (${scope}): none yet (no run with ≥ ${minTrades} trades passes the disqualification rules).`];
  if (scan.otherModels.size) {
    const others = [...scan.otherModels].sort(([a, x], [b, y]) => y - x || byText(a, b));
    const total = others.reduce((acc, [, n]) => acc + n, 0);
    out.push(`Not ranked: ${plural(total, 'qualifying run')} under other cost models (${others.slice(0, MAX_REASONS).map(([k, n]) => `${k}: ${int(n)}`).join('; ')}${others.length > MAX_REASONS ? '; …' : ''}).`);
  }
  return out;
}

function topLine(r: ExperimentRow, label: string, runs: number): string {
  const m = r.metrics!;
  const oos = r.testReturnPct === undefined ? '' : `, out-of-sample ${signedPct(r.testReturnPct)}`;
  const params = paramsText(r.params, 60);
  const extra = [params, runs > 1 ? `best of ${plural(runs, 'run')}` : ''].filter(Boolean).join('; ');
  return `${r.strategy} on ${r.symbol} ${r.timeframe}: ${signedPct(m.annualisedReturn)} ann, Sharpe ${fixed(m.sharpe, 2)}, ` +
    `${plural(m.totalTrades, 'trade')}, ${label}${oos}${extra ? ` (${extra})` : ''}`;
}

/**
 * A strategy fails on a symbol when no run there passed validation and either the median run lost
 * money or every run errored, was disqualified or was rejected. The failing symbols of one strategy
 * make one line, with the counts of each reason.
 */
function failureSection(scan: Scan, maxResults: number): string[] {
  const failing = new Map<string, Group[]>();
  for (const g of scan.groups.values()) {
    if (g.passed > 0 || !(g.viable === 0 || median(g.returns) <= 0)) continue;
    const list = failing.get(g.strategy) ?? [];
    list.push(g);
    failing.set(g.strategy, list);
  }
  if (failing.size === 0) return ['NOTABLE FAILURES: none (every strategy/symbol has a validated run or a positive median return).'];
  const lines = [...failing].map(([strategy, groups]) => failureLine(scan, strategy, groups));
  lines.sort((a, b) => b.runs - a.runs || byText(a.strategy, b.strategy));
  const shown = lines.slice(0, maxResults).map((l, i) => `${i + 1}. ${l.text}`);
  if (lines.length > maxResults) shown.push(`… and ${lines.length - maxResults} more strategies`);
  return ['NOTABLE FAILURES (no validated run, and the median run lost or every run failed a check):', ...shown];
}

function failureLine(scan: Scan, strategy: string, groups: Group[]): { strategy: string; runs: number; text: string } {
  const sum = (f: (g: Group) => number) => groups.reduce((acc, g) => acc + f(g), 0);
  const merge = (f: (g: Group) => Map<string, number>) => {
    const out = new Map<string, number>();
    for (const g of groups) for (const [k, n] of f(g)) out.set(k, (out.get(k) ?? 0) + n);
    return out;
  };
  const runs = sum((g) => g.runs);
  const symbols = groups.map((g) => g.symbol).sort(byText);
  const tfs = [...new Set(groups.flatMap((g) => [...g.timeframes]))].sort(byTimeframe);
  const allTfs = new Set([...scan.tested.get(strategy)!.values()].flatMap((s) => [...s]));
  const where = tfs.length > 1 && tfs.length === allTfs.size ? 'all timeframes' : tfs.join('/');
  const returns = groups.flatMap((g) => g.returns);

  const counted = (m: Map<string, number>, quote = false) => {
    const top = [...m].sort(([a, x], [b, y]) => y - x || byText(a, b));
    return top.slice(0, MAX_REASONS).map(([k, n]) => `${quote ? JSON.stringify(k) : k} ${int(n)}`).join(', ') + (top.length > MAX_REASONS ? ', …' : '');
  };
  const parts = [`median return ${returns.length ? signedPct(median(returns)) : 'n/a (no completed run)'}`, `${int(sum((g) => g.passed))} passed`];
  const dq = sum((g) => g.disqualified);
  if (dq > 0) {
    const rules = new Map<string, number>();
    for (const [text, n] of merge((g) => g.rules)) {
      let names: unknown;
      try {
        names = JSON.parse(text);
      } catch {
        names = [text];
      }
      for (const rule of Array.isArray(names) ? names : [text]) rules.set(String(rule), (rules.get(String(rule)) ?? 0) + n);
    }
    parts.push(`${int(dq)} disqualified (${counted(rules)})`);
  }
  const rejected = sum((g) => g.rejected);
  if (rejected > 0) parts.push(`${int(rejected)} rejected by validation (${counted(merge((g) => g.rejections))})`);
  const errors = sum((g) => g.errors);
  if (errors > 0) parts.push(`${plural(errors, 'error')} (${counted(merge((g) => g.errorTexts), true)})`);
  return { strategy, runs, text: `${strategy} on ${listSymbols(symbols)} (${where}, ${plural(runs, 'run')}): ${parts.join(', ')}` };
}

/** Strategy × symbol × timeframe with no run, over the symbols and timeframes the table holds. */
function untestedSection(scan: Scan, maxResults: number, known: readonly string[]): string[] {
  const strategies = [...new Set([...scan.tested.keys(), ...known])].sort(byText);
  const symbols = [...scan.symbols].sort(byText);
  const timeframes = [...scan.timeframes].sort(byTimeframe);
  const lines: string[] = [];
  for (const s of strategies) {
    const tested = scan.tested.get(s);
    if (!tested) {
      lines.push(`${s}: never run`);
      continue;
    }
    const none: string[] = [];
    const partial: string[] = [];
    for (const sym of symbols) {
      const done = tested.get(sym);
      if (!done) none.push(sym);
      else {
        const missing = timeframes.filter((tf) => !done.has(tf));
        if (missing.length) partial.push(`${sym} ${missing.join('/')}`);
      }
    }
    const gaps: string[] = [];
    if (none.length) gaps.push(`not on ${listSymbols(none)}`);
    if (partial.length) gaps.push(partial.length <= MAX_SYMBOLS ? partial.join(', ') : `${partial.slice(0, MAX_SYMBOLS).join(', ')}, +${partial.length - MAX_SYMBOLS} more`);
    if (gaps.length) lines.push(`${s}: ${gaps.join('; ')}`);
  }
  const scope = `${symbols.length} symbols × ${timeframes.length} timeframes seen (${timeframes.join(', ')})`;
  if (lines.length === 0) return [`UNTESTED: nothing: every strategy has runs on all ${scope}.`];
  const shown = lines.slice(0, maxResults).map((l) => `- ${l}`);
  if (lines.length > maxResults) shown.push(`… and ${lines.length - maxResults} more strategies with gaps`);
  return [`UNTESTED (over the ${scope}):`, ...shown];
}

function totalsLine(scan: Scan): string {
  const t = scan.total;
  const pending = t.n - t.passed - t.marginal - t.rejected;
  const e = scan.experiments.size;
  return `TOTALS: ${plural(t.n, 'run')} in ${plural(e, 'experiment')} ` +
    `(${plural(scan.tested.size, 'strategy', 'strategies')} × ${plural(scan.symbols.size, 'symbol')} × ${plural(scan.timeframes.size, 'timeframe')}); ` +
    `${int(t.n - t.errors)} ok, ${plural(t.errors, 'error')}, ${int(t.disqualified)} disqualified; ` +
    `validation: ${int(t.passed)} passed, ${int(t.marginal)} marginal, ${int(t.rejected)} rejected, ${int(pending)} pending.`;
}
