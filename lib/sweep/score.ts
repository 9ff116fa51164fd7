/**
 * Scoring and the disqualification rules. The default score is the Sharpe ratio, −999 under
 * 30 trades (docs/validation.md §1.1); composite scores plug in as functions of the metrics.
 * Rules are hard filters, checked exactly as stated (docs/validation.md §2.2): a result is disqualified by
 * every rule whose threshold it is on the wrong side of (a value on the threshold passes).
 */
import type { ExperimentMetrics } from './types';

export interface DisqualificationRules {
  minTrades: number;
  minTradesPerYear: number;
  /** Largest drawdown allowed, in percent (a positive number: 25 means −25 %). */
  maxDrawdown: number;
  minProfitFactor: number;
  minWinRate: number;
  maxWinRate: number;
}

/** The disqualification thresholds, and why each: docs/validation.md §2.1. */
export const DISQUALIFICATION_RULES: Readonly<DisqualificationRules> = Object.freeze({
  minTrades: 30,
  minTradesPerYear: 6,
  maxDrawdown: 25.0,
  minProfitFactor: 1.1,
  minWinRate: 0.35,
  maxWinRate: 0.85,
});

/** The score given to a result with too few trades to mean anything. */
export const DISQUALIFIED_SCORE = -999;

/** The names of the rules `m` fails, in the order above; empty when it passes them all. */
export function disqualify(m: ExperimentMetrics, rules: Partial<DisqualificationRules> = {}): string[] {
  const r = { ...DISQUALIFICATION_RULES, ...rules };
  const failed: string[] = [];
  if (!(m.totalTrades >= r.minTrades)) failed.push('minTrades');
  if (!(m.tradesPerYear >= r.minTradesPerYear)) failed.push('minTradesPerYear');
  if (!(-m.maxDrawdown <= r.maxDrawdown)) failed.push('maxDrawdown');
  if (!(m.profitFactor >= r.minProfitFactor)) failed.push('minProfitFactor');
  if (!(m.winRate >= r.minWinRate)) failed.push('minWinRate');
  if (!(m.winRate <= r.maxWinRate)) failed.push('maxWinRate');
  return failed;
}

/** Why each rule failed, for people: 'totalTrades 12 < 30'. */
export function explainDisqualification(m: ExperimentMetrics, failed: readonly string[], rules: Partial<DisqualificationRules> = {}): string[] {
  const r = { ...DISQUALIFICATION_RULES, ...rules };
  const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3));
  const text: Record<string, string> = {
    minTrades: `trades ${m.totalTrades} < ${r.minTrades}`,
    minTradesPerYear: `trades/year ${f(m.tradesPerYear)} < ${r.minTradesPerYear}`,
    maxDrawdown: `max drawdown ${f(-m.maxDrawdown)}% > ${r.maxDrawdown}%`,
    minProfitFactor: `profit factor ${f(m.profitFactor)} < ${r.minProfitFactor}`,
    minWinRate: `win rate ${f(m.winRate)} < ${r.minWinRate}`,
    maxWinRate: `win rate ${f(m.winRate)} > ${r.maxWinRate}`,
  };
  return failed.map((k) => text[k] ?? k);
}

/** A score from a result's metrics (and its parameters); higher is better. */
export type ScoreFunction = (m: ExperimentMetrics, params: Readonly<Record<string, unknown>>) => number;

/** The default score: Sharpe, or −999 under `minTrades` trades. Never NaN (a flat equity scores 0). docs/validation.md §1.1 */
export function sharpeScore(m: ExperimentMetrics, minTrades = DISQUALIFICATION_RULES.minTrades): number {
  if (m.totalTrades < minTrades) return DISQUALIFIED_SCORE;
  return Number.isFinite(m.sharpe) ? m.sharpe : 0;
}

/**
 * Built-in scores, each −999 under 30 trades like the default:
 *   sharpe        the default
 *   calmarSharpe  Sharpe × min(1, 10 / max drawdown %): penalises deep drawdowns
 *   penalised     Sharpe − 0.05 per numeric parameter (a complexity penalty, docs/validation.md §1.2:
 *                 fewer parameters, less room to overfit)
 *   returnPct     total return, for comparison with raw-return rankings
 */
export const SCORES: Readonly<Record<'sharpe' | 'calmarSharpe' | 'penalised' | 'returnPct', ScoreFunction>> = Object.freeze({
  sharpe: (m: ExperimentMetrics) => sharpeScore(m),
  calmarSharpe: (m: ExperimentMetrics) => {
    const s = sharpeScore(m);
    if (s === DISQUALIFIED_SCORE) return s;
    const dd = -m.maxDrawdown;
    return dd > 10 ? s * (10 / dd) : s;
  },
  penalised: (m: ExperimentMetrics, params: Readonly<Record<string, unknown>>) => {
    const s = sharpeScore(m);
    if (s === DISQUALIFIED_SCORE) return s;
    return s - 0.05 * Object.values(params).filter((v) => typeof v === 'number').length;
  },
  returnPct: (m: ExperimentMetrics) => (m.totalTrades < DISQUALIFICATION_RULES.minTrades ? DISQUALIFIED_SCORE : m.returnPct),
});
