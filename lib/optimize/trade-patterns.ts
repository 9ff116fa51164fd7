/**
 * Pattern detection for analyzeResults(..., 'deep'): which features at entry (trade-features.ts)
 * separate winning trades (pnl > 0) from losing ones — reported only when it holds out of sample.
 *
 *  1. Trades in entry order; the first `trainShare` (70 %) train, the rest are held out. Held-out
 *     trades entered while a training trade was still open are dropped (purged), so no outcome
 *     straddles the cut.
 *  2. On the training trades only: for every feature the split with the most information gain
 *     (numeric: `x ≤ t` at one of the 5 %…95 % quantiles; category: `x = v` against the rest), and the
 *     second-level splits of a depth-2 decision tree grown from the same splits (each compared within
 *     its side of the root split). Each side of a split keeps at least 10 trades, or 3 % of the
 *     training trades if more (so a month or an hour of the day can be a rule).
 *  3. Each candidate rule is checked once on the held-out trades: its win rate inside against outside,
 *     by a pooled two-proportion z-test, one-sided in the direction training found (not tested, so
 *     never a finding, with fewer than 5 held-out trades on either side). A rule is a
 *     finding when the held-out difference has the training sign and p < alpha / (rules checked)
 *     (Bonferroni; alpha 0.05), so pure noise reports nothing 95 % of the time or more.
 *
 * Below `minTrades` (40) closed trades it reports nothing and says why. Deterministic: no randomness.
 */
import { StratlabError } from '../core/errors';
import type { BacktestResult } from '../engine';
import { informationGain, twoProportionZ } from '../metrics/proportions';
import { tradeFeatures, type TradeFeature } from './trade-features';

export interface PatternOptions {
  /** Share of the trades, oldest first, the rules are learnt on (default 0.7). */
  trainShare?: number;
  /** Fewer closed trades than this: nothing is reported (default 40). */
  minTrades?: number;
  /** Family-wise significance of the held-out check, split over the rules checked (default 0.05). */
  alpha?: number;
}

export interface RuleCondition {
  feature: string;
  op: '<=' | '>' | '=' | '!=';
  value: number;
  /** The category's name (weekday, month, side) when it has one. */
  label?: string;
}

export interface WinRates {
  /** Trades within `given` where the feature had a value; `inside` met the condition, `outside` did not. */
  trades: number;
  inside: { trades: number; winRate: number | null };
  outside: { trades: number; winRate: number | null };
  /** inside.winRate − outside.winRate (0–1 scale). */
  difference: number | null;
}

export interface PatternFinding {
  /** Readable rule, e.g. "weekday = Mon", or for a tree leaf "ADX(14) ≤ 21.3 among side = long". */
  rule: string;
  /** What the trades inside the rule meet (the others, among `given`, do not). */
  condition: RuleCondition;
  /** The trades the rule is compared within: none for a single split; the root side for a tree leaf. */
  given: RuleCondition[];
  /** 'split': the best single split of one feature; 'tree': a second-level split of the depth-2 tree. */
  source: 'split' | 'tree';
  /** Better or worse than the other trades. */
  direction: 'winners' | 'losers';
  /** Bits of outcome entropy the rule removes on the training trades. */
  informationGain: number;
  train: WinRates;
  heldOut: WinRates;
  /** The held-out z statistic and its one-sided p-value (in the training direction). */
  z: number | null;
  pValue: number | null;
}

export interface PatternAnalysis {
  status: 'ok' | 'tooFewTrades' | 'oneOutcome';
  /** Why nothing could be reported, or null. */
  note: string | null;
  method: string;
  trades: number;
  /** Chronological split: the training trades, then the held-out ones (after purging). */
  train: { trades: number; winRate: number | null; from: string | null; to: string | null };
  heldOut: { trades: number; winRate: number | null; from: string | null; to: string | null };
  purged: number;
  minTrades: number;
  trainShare: number;
  alpha: number;
  /** Rules checked on the held-out trades, and the per-rule p-value a finding must beat (alpha / rulesChecked). */
  rulesChecked: number;
  threshold: number | null;
  /** The features tested, and on how many trades each had a value. */
  features: { name: string; kind: 'numeric' | 'category'; coverage: number }[];
  /** Rules that held out, smallest p-value first. */
  findings: PatternFinding[];
  /** Rules learnt on training that did not hold out (same fields), for the curious; not findings. */
  rejected: PatternFinding[];
}

interface Split {
  given: RuleCondition[];
  condition: RuleCondition;
  gain: number;
}

const METHOD = 'best information-gain split per feature + depth-2 tree leaves, learnt on the first trades; '
  + 'kept when the held-out win-rate difference keeps its sign with one-sided two-proportion z-test p < alpha / rules checked';

/** Pattern detection over one backtest's closed trades (analyzeResults 'deep' → `patterns`). */
export function detectPatterns(result: BacktestResult, opts: PatternOptions = {}): PatternAnalysis {
  const trainShare = opts.trainShare ?? 0.7, minTrades = opts.minTrades ?? 40, alpha = opts.alpha ?? 0.05;
  if (!(trainShare > 0 && trainShare < 1)) throw new StratlabError('BAD_ARGUMENT', `analyzeResults: patterns.trainShare must be between 0 and 1, got ${trainShare}`, { hint: 'e.g. { patterns: { trainShare: 0.7 } }' });
  if (!(Number.isInteger(minTrades) && minTrades >= 10)) throw new StratlabError('BAD_ARGUMENT', `analyzeResults: patterns.minTrades must be an integer ≥ 10, got ${minTrades}`, { hint: 'the default is 40' });
  if (!(alpha > 0 && alpha < 1)) throw new StratlabError('BAD_ARGUMENT', `analyzeResults: patterns.alpha must be between 0 and 1, got ${alpha}`, { hint: 'the default is 0.05' });

  const tf = tradeFeatures(result);
  const n = tf.order.length, log = result.tradeLog, time = result.time;
  const cut = Math.floor(n * trainShare);
  let lastTrainExit = -1;
  for (let j = 0; j < cut; j++) lastTrainExit = Math.max(lastTrainExit, log.exitBar[tf.order[j]]);
  const train: number[] = [], held: number[] = [];
  for (let j = 0; j < n; j++) {
    if (j < cut) train.push(j);
    else if (log.entryBar[tf.order[j]] >= lastTrainExit) held.push(j); // entering as the last one exits is no overlap
  }
  const span = (idx: number[]) => ({
    trades: idx.length,
    winRate: idx.length ? idx.reduce((s, j) => s + tf.win[j], 0) / idx.length : null,
    from: idx.length ? new Date(time[log.entryBar[tf.order[idx[0]]]]).toISOString() : null,
    to: idx.length ? new Date(time[log.entryBar[tf.order[idx[idx.length - 1]]]]).toISOString() : null,
  });
  const out: PatternAnalysis = {
    status: 'ok', note: null, method: METHOD, trades: n, train: span(train), heldOut: span(held), purged: n - cut - held.length,
    minTrades, trainShare, alpha, rulesChecked: 0, threshold: null,
    features: tf.features.map((f) => ({ name: f.name, kind: f.kind, coverage: countFinite(f.values) })),
    findings: [], rejected: [],
  };
  if (n < minTrades || held.length < 10) {
    out.status = 'tooFewTrades';
    out.note = n < minTrades
      ? `${n} closed trades, fewer than ${minTrades}: too few to tell a pattern from noise, so none is reported`
      : `only ${held.length} trades left to hold out after ${out.purged} overlapping ones were purged: nothing is reported`;
    return out;
  }
  const trainWins = train.reduce((s, j) => s + tf.win[j], 0);
  if (trainWins === 0 || trainWins === train.length) {
    out.status = 'oneOutcome';
    out.note = `every training trade ${trainWins ? 'won' : 'lost'}: there is nothing to separate`;
    return out;
  }

  const minLeaf = Math.max(10, Math.ceil(train.length * 0.03));
  const byName = new Map(tf.features.map((f) => [f.name, f]));
  const candidates: { split: Split; source: 'split' | 'tree' }[] = [];
  const seen = new Set<string>();
  const add = (split: Split, source: 'split' | 'tree') => {
    const key = ruleText(split);
    if (!seen.has(key)) (seen.add(key), candidates.push({ split, source }));
  };
  for (const f of tf.features) {
    const s = bestSplit(f, train, tf.win, minLeaf);
    if (s) add(s, 'split');
  }
  // Depth-2 tree: the best root split, then the best split inside each of its two sides.
  let root: Split | null = null;
  for (const c of candidates) if (!root || c.split.gain > root.gain) root = c.split;
  // Each second-level split is compared within its side of the root (not against every other trade,
  // which would rediscover the root's own effect).
  if (root) {
    const cond = root.condition, f = byName.get(cond.feature)!;
    for (const side of [cond, negate(cond)]) {
      const sub = train.filter((j) => holds(f.values[j], side));
      let best: Split | null = null;
      for (const g of tf.features) {
        if (g === f) continue;
        const s = bestSplit(g, sub, tf.win, minLeaf);
        if (s && (!best || s.gain > best.gain)) best = s;
      }
      if (best) add({ given: [side], condition: best.condition, gain: best.gain }, 'tree');
    }
  }

  out.rulesChecked = candidates.length;
  out.threshold = candidates.length ? alpha / candidates.length : null;
  for (const { split, source } of candidates) {
    const tr = winRates(split, train, tf.win, byName), ho = winRates(split, held, tf.win, byName);
    const sign = Math.sign(tr.difference ?? 0);
    let z: number | null = null, p: number | null = null;
    if (ho.inside.trades >= 5 && ho.outside.trades >= 5 && sign !== 0) {
      const w = (r: WinRates['inside']) => Math.round((r.winRate ?? 0) * r.trades);
      const test = twoProportionZ(w(ho.inside), ho.inside.trades, w(ho.outside), ho.outside.trades);
      if (Number.isFinite(test.z)) {
        z = test.z;
        p = sign > 0 ? test.pUpper : 1 - test.pUpper;
      }
    }
    const finding: PatternFinding = {
      rule: ruleText(split), condition: split.condition, given: split.given, source, direction: sign > 0 ? 'winners' : 'losers',
      informationGain: split.gain, train: tr, heldOut: ho, z, pValue: p,
    };
    const kept = p !== null && Math.sign(ho.difference ?? 0) === sign && p < out.threshold!;
    (kept ? out.findings : out.rejected).push(finding);
  }
  out.findings.sort((a, b) => a.pValue! - b.pValue!);
  return out;
}

/** The split of one feature with the most information gain over trades `idx`; null if none leaves minLeaf on both sides. */
function bestSplit(f: TradeFeature, idx: number[], win: Uint8Array, minLeaf: number): Split | null {
  const have = idx.filter((j) => f.values[j] === f.values[j]);
  const m = have.length;
  if (m < 2 * minLeaf) return null;
  const wins = have.reduce((s, j) => s + win[j], 0);
  // Weighted by coverage, so a feature missing on half the trades does not win on the half it has.
  const score = (wins1: number, n1: number) => (informationGain(wins, m, wins1, n1) * m) / idx.length;
  let best: Split | null = null;
  const consider = (cond: RuleCondition, wins1: number, n1: number) => {
    if (n1 < minLeaf || m - n1 < minLeaf) return;
    const gain = score(wins1, n1);
    if (gain > 1e-12 && (!best || gain > best.gain)) best = { given: [], condition: cond, gain };
  };
  if (f.kind === 'category') {
    const counts = new Map<number, [number, number]>();
    for (const j of have) {
      const c = counts.get(f.values[j]) ?? [0, 0];
      c[0]++;
      c[1] += win[j];
      counts.set(f.values[j], c);
    }
    // Sorted so ties go to the smaller value, whatever the trades' order.
    for (const v of [...counts.keys()].sort((a, b) => a - b)) {
      const [n1, w1] = counts.get(v)!;
      consider(categoryCondition(f, v, '='), w1, n1);
    }
    return best;
  }
  const sorted = have.slice().sort((a, b) => f.values[a] - f.values[b]);
  const prefixWins = new Int32Array(m + 1);
  for (let r = 0; r < m; r++) prefixWins[r + 1] = prefixWins[r] + win[sorted[r]];
  for (let q = 1; q < 20; q++) {
    let r = Math.floor((q * m) / 20); // first r values go below the threshold
    const lo = f.values[sorted[r - 1]];
    while (r < m && f.values[sorted[r]] === lo) r++; // never cut between equal values
    if (r >= m) continue;
    consider({ feature: f.name, op: '<=', value: between(lo, f.values[sorted[r]]) }, prefixWins[r], r);
  }
  return best;
}

/** A readable threshold between two values: their midpoint to the fewest significant digits (from 3) that stay between them. */
function between(lo: number, hi: number): number {
  const mid = (lo + hi) / 2;
  for (let digits = 3; digits < 17; digits++) {
    const t = Number(mid.toPrecision(digits));
    if (t >= lo && t < hi) return t;
  }
  return mid;
}

function categoryCondition(f: TradeFeature, v: number, op: '=' | '!='): RuleCondition {
  const label = f.labels?.[v];
  return label === undefined ? { feature: f.name, op, value: v } : { feature: f.name, op, value: v, label };
}

/** Win rates inside and outside `split.condition`, among the trades of `idx` that meet every `split.given`. */
function winRates(split: Split, idx: number[], win: Uint8Array, byName: Map<string, TradeFeature>): WinRates {
  let inN = 0, inW = 0, outN = 0, outW = 0;
  const values = byName.get(split.condition.feature)!.values;
  for (const j of idx) {
    if (!split.given.every((g) => holds(byName.get(g.feature)!.values[j], g))) continue;
    const x = values[j];
    if (x !== x) continue;
    if (holds(x, split.condition)) (inN++, inW += win[j]);
    else (outN++, outW += win[j]);
  }
  const inside = { trades: inN, winRate: inN ? inW / inN : null }, outside = { trades: outN, winRate: outN ? outW / outN : null };
  return { trades: inN + outN, inside, outside, difference: inN && outN ? inW / inN - outW / outN : null };
}

function holds(x: number, c: RuleCondition): boolean {
  switch (c.op) {
    case '<=': return x <= c.value;
    case '>': return x > c.value;
    case '=': return x === c.value;
    case '!=': return x === x && x !== c.value;
  }
}

function negate(c: RuleCondition): RuleCondition {
  const op = ({ '<=': '>', '>': '<=', '=': '!=', '!=': '=' } as const)[c.op];
  return { ...c, op };
}

function ruleText(split: Split): string {
  const sym = { '<=': '≤', '>': '>', '=': '=', '!=': '≠' };
  const text = (c: RuleCondition) => `${c.feature} ${sym[c.op]} ${c.label ?? c.value}`;
  return split.given.length ? `${text(split.condition)} among ${split.given.map(text).join(' and ')}` : text(split.condition);
}

function countFinite(v: Float64Array): number {
  let k = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) k++;
  return k;
}
