/**
 * What validating one candidate found: the verdict, the first reason against it, and every step's
 * figures. Shows itself as a compact table (HTML in a notebook, text elsewhere), and gives the
 * experiments table's validation_details JSON (snake_case, the four long-standing keys first: docs/experiments.md §4.2).
 */
import type { BacktestMetrics } from '../engine';
import { displayHtml } from '../viz/display';
import { htmlTable, textTable, type Row } from '../viz/table';
import type { HoldoutResult } from './holdout';
import type { MultiAssetResult } from './multi-asset';
import type { WalkForwardCheck } from './walk-forward';

export type ValidationVerdict = 'passed' | 'marginal' | 'rejected';
export type ValidationStep = 'disqualification' | 'holdout' | 'walkForward' | 'overfitting' | 'multiAsset';
/** The machine-readable cause behind `reason`. */
export type ReasonCode =
  | 'disqualified'
  | 'negative_out_of_sample'
  | 'walk_forward_failure'
  | 'walk_forward_skipped'
  | 'deflated_sharpe'
  | 'pbo'
  | 'sharpe_ci'
  | 'multi_asset'
  | 'multi_asset_no_related';

export interface DeflatedSharpeReport {
  dsr: number;
  psr: number;
  /** The Sharpe the best of nTrials skill-less trials would reach by luck (annualised, like every Sharpe here). */
  expectedMaxSharpe: number;
  nTrials: number;
  /** Variance of the trials' annualised Sharpes (0 with one trial). */
  sharpeVariance: number;
  /** The candidate's per-bar return moments the DSR used. */
  nObs: number;
  skew: number;
  kurtosis: number;
}

export interface BootstrapReport {
  /** Annualised Sharpe and its bootstrap confidence interval. */
  sharpe: number;
  low: number;
  high: number;
  confidence: number;
  standardError: number;
  iterations: number;
  /** Mean length of the resampled runs of bars. */
  blockSize: number;
}

export interface ValidationReportInit {
  status: ValidationVerdict;
  reason: string | null;
  reasonCode: ReasonCode | null;
  strategy: string;
  params: Record<string, unknown>;
  symbol: string;
  timeframe: string;
  period: string;
  steps: ValidationStep[];
  notes: string[];
  full: BacktestMetrics;
  disqualified: string[];
  holdout: HoldoutResult | null;
  walkForward: WalkForwardCheck | null;
  multiAsset: MultiAssetResult | null;
  deflatedSharpe: DeflatedSharpeReport | null;
  bootstrapSharpe: BootstrapReport | null;
  pbo: number | null;
  /** The thresholds the verdict was reached with. */
  thresholds: { minDsr: number; maxPbo: number; requirePositiveCi: boolean; minPassRate: number; multiAssetThreshold: number };
}

export interface ValidationReport extends ValidationReportInit {}

export class ValidationReport {
  constructor(init: ValidationReportInit) {
    Object.assign(this, init);
  }

  /** The headline of the verdict: 'REJECTED: negative_out_of_sample'. */
  get verdict(): string {
    return this.reason ? `${this.status.toUpperCase()}: ${this.reason}` : this.status.toUpperCase();
  }

  /** One row per step: what it measured and whether it held. Steps not reached say so. */
  rows(): Row[] {
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} %`;
    const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x));
    const ran = (s: ValidationStep) => this.steps.includes(s);
    const outcome = (s: ValidationStep, failed: boolean) => (!ran(s) ? 'not run' : failed ? 'fail' : 'pass');
    const m = this.full;
    const rows: Row[] = [
      {
        step: 'disqualification',
        outcome: outcome('disqualification', this.disqualified.length > 0),
        detail: `${m.totalTrades} trades (${f2(m.tradesPerYear)}/yr), return ${pct(m.returnPct)}, Sharpe ${f2(m.sharpe)}, max DD ${f2(m.maxDrawdown)} %, PF ${f2(m.profitFactor)}, win ${(m.winRate * 100).toFixed(1)} %`,
      },
    ];
    const h = this.holdout;
    rows.push({
      step: 'holdout',
      outcome: outcome('holdout', this.reasonCode === 'negative_out_of_sample'),
      detail: h ? `train ${h.trainPeriod} ${pct(h.train.returnPct)} (Sharpe ${f2(h.train.sharpe)}); test ${h.testPeriod} ${pct(h.test.returnPct)} (Sharpe ${f2(h.test.sharpe)}); degradation (train − test, per year) ann. return ${f2(h.degradation.annualisedReturn)} pp, Sharpe ${f2(h.degradation.sharpe)}, max DD ${f2(h.degradation.maxDrawdown)} pp, trades/yr ${f2(h.degradation.tradesPerYear)}` : '',
    });
    const w = this.walkForward;
    rows.push({
      step: 'walk-forward',
      outcome: this.reasonCode === 'walk_forward_skipped' ? 'skipped' : outcome('walkForward', this.reasonCode === 'walk_forward_failure'),
      detail: w ? `${w.windows.filter((x) => x.testReturn > 0).length}/${w.windows.length} test periods positive (pass rate ${f2(w.passRate)}, need ${w.minPassRate})` : '',
    });
    const d = this.deflatedSharpe;
    const b = this.bootstrapSharpe;
    const overfitFailed = this.reasonCode === 'deflated_sharpe' || this.reasonCode === 'pbo' || this.reasonCode === 'sharpe_ci';
    const parts: string[] = [];
    if (d) parts.push(`DSR ${d.dsr.toFixed(3)} (PSR ${d.psr.toFixed(3)}, ${d.nTrials} trial${d.nTrials === 1 ? '' : 's'}, E[max SR] ${f2(d.expectedMaxSharpe)})`);
    if (this.pbo !== null) parts.push(`PBO ${this.pbo.toFixed(2)}`);
    if (b) parts.push(`Sharpe ${f2(b.sharpe)}, ${Math.round(b.confidence * 100)} % CI [${f2(b.low)}, ${f2(b.high)}]`);
    rows.push({ step: 'overfitting', outcome: outcome('overfitting', overfitFailed), detail: parts.join('; ') });
    const a = this.multiAsset;
    rows.push({
      step: 'multi-asset',
      outcome: this.reasonCode === 'multi_asset_no_related' ? 'no data' : outcome('multiAsset', this.reasonCode === 'multi_asset'),
      detail: a ? Object.entries(a.results).map(([s, r]) => `${s} ${pct(r)}`).join(', ') + ` (${a.positiveCount}/${Object.keys(a.results).length} positive)` : '',
    });
    return rows;
  }

  private title(): string {
    const params = JSON.stringify(this.params);
    return `Validation of ${this.strategy} ${params} on ${this.symbol} ${this.timeframe} (${this.period}): ${this.verdict}`;
  }

  toString(): string {
    const lines = [this.title(), textTable(this.rows())];
    if (this.notes.length) lines.push(...this.notes.map((n) => `note: ${n}`));
    return lines.join('\n');
  }

  /** In a notebook: the step table, then the walk-forward windows; text elsewhere. */
  display(): void {
    if (!displayHtml(htmlTable(this.rows(), { caption: this.title() }), this.toString())) {
      console.log(this.toString());
      return;
    }
    if (this.walkForward) displayHtml(htmlTable(this.walkForward.windows as unknown as Row[], { caption: 'Walk-forward windows (returns in %)' }), '[walk-forward windows]');
    if (this.notes.length) displayHtml(`<ul>${this.notes.map((n) => `<li>${escape(n)}</li>`).join('')}</ul>`, this.notes.join('\n'));
  }

  /**
   * The experiments table's validation_details (docs/experiments.md §4.2): the four long-standing keys (holdout_degradation — annualised
   * return, train − test, so periods of different lengths compare —
   * walk_forward_pass_rate, multi_asset_positive_rate, rejection_reason), then the statistics and the
   * per-window table. Steps not reached are null; non-finite numbers become null.
   */
  details(): Record<string, unknown> {
    const h = this.holdout, w = this.walkForward, a = this.multiAsset, d = this.deflatedSharpe, b = this.bootstrapSharpe;
    return clean({
      // The long-standing key, as a per-period measure: annualised return, train − test, in percentage points (docs/validation.md §4.3).
      holdout_degradation: h?.degradation.annualisedReturn ?? null,
      holdout_degradation_measures: h?.degradation.measures ?? null,
      walk_forward_pass_rate: w?.passRate ?? null,
      multi_asset_positive_rate: a?.positiveRate ?? null,
      rejection_reason: this.status === 'rejected' ? this.reason : null,
      status: this.status,
      reason: this.reason,
      reason_code: this.reasonCode,
      steps: this.steps,
      disqualified: this.disqualified,
      train_return_pct: h?.train.returnPct ?? null,
      test_return_pct: h?.test.returnPct ?? null,
      holdout_sharpe_degradation: h?.degradation.sharpe ?? null,
      holdout_max_drawdown_degradation: h?.degradation.maxDrawdown ?? null,
      holdout_trades_per_year_degradation: h?.degradation.tradesPerYear ?? null,
      deflated_sharpe: d?.dsr ?? null,
      psr: d?.psr ?? null,
      expected_max_sharpe: d?.expectedMaxSharpe ?? null,
      n_trials: d?.nTrials ?? null,
      pbo: this.pbo,
      sharpe_ci_low: b?.low ?? null,
      sharpe_ci_high: b?.high ?? null,
      sharpe_ci_confidence: b?.confidence ?? null,
      multi_asset_results: a?.results ?? null,
      walk_forward_windows: w
        ? w.windows.map((x) => ({
            train_period: x.trainPeriod, test_period: x.testPeriod, train_return: x.trainReturn, test_return: x.testReturn,
            train_sharpe: x.trainSharpe, test_sharpe: x.testSharpe, train_trades: x.trainTrades, test_trades: x.testTrades,
          }))
        : null,
      notes: this.notes,
    }) as Record<string, unknown>;
  }

  /** camelCase JSON of the whole report (for --json and the bridge); non-finite numbers become null. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) out[k] = v;
    return clean(out) as Record<string, unknown>;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ValidationReport\n${this.toString()}`;
  }
}

function clean(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = clean(x);
    return out;
  }
  return v;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
