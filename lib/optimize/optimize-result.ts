/** What optimize() returns: the best parameters, every trial, the convergence curve, and display(). */
import type { BacktestMetrics, BacktestResult } from '../engine';
import type { DisqualificationRules } from '../sweep/score';
import { displayFigure, displayHtml } from '../viz/display';
import type { Figure } from '../viz/plotly';
import { htmlTable, textTable, type Row } from '../viz/table';
import { StratlabError } from '../core/errors';
import type { Params } from './space';
import type { TrialState } from './storage';
import type { Direction, SamplerName, Study } from './study';

export interface OptimizeTrial {
  number: number;
  /** The sampled parameters (fixed ones are not repeated here). */
  params: Params;
  /** The metric; NaN for a failed trial. */
  value: number;
  state: TrialState;
  error?: string;
  /** The disqualification rules a 'disqualified' trial broke. */
  disqualified?: string[];
  elapsedMs: number;
  metrics?: BacktestMetrics;
}

export interface OptimizeProgress {
  done: number;
  total: number;
  /** Best value so far (NaN before the first success). */
  best: number;
  elapsedMs: number;
}

export interface OptimizeResultInit {
  strategy: string;
  symbol: string;
  metric: string;
  direction: Direction;
  sampler: SamplerName;
  fixedParams: Record<string, unknown>;
  trials: OptimizeTrial[];
  elapsedMs: number;
  timedOut: boolean;
  resumedTrials: number;
  warnings: string[];
  study: Study;
  rules?: Partial<DisqualificationRules>;
  /** The initial result's parameters (search-space part), run as a trial. */
  initialParams?: Params;
  /** Backtests trial parameters again on the study's bars and settings. */
  rerun?: (params: Params) => BacktestResult;
}

/** The initial result's parameters as a trial of this study (result chaining: docs/optimization.md §4.2). */
export interface InitialTrial {
  /** The trial that ran them (undefined if it never ran: a timeout before the first batch). */
  trial: OptimizeTrial | undefined;
  params: Params;
  /** Their metric on this study's bars and settings (NaN if failed). */
  value: number;
}

export class OptimizeResult {
  readonly strategy: string;
  readonly symbol: string;
  readonly metric: string;
  readonly direction: Direction;
  readonly sampler: SamplerName;
  readonly trials: OptimizeTrial[];
  readonly elapsedMs: number;
  readonly timedOut: boolean;
  /** Trials read back from storage rather than run now. */
  readonly resumedTrials: number;
  /** Storage lines ignored, and the like. */
  readonly warnings: string[];
  /** The best trial's full parameters, fixed ones included (what to hand the engine); undefined if every trial failed. */
  readonly bestParams: Record<string, unknown> | undefined;
  readonly bestValue: number;
  readonly bestTrial: OptimizeTrial | undefined;
  /** Best value so far after each trial (NaN until the first success). */
  readonly convergence: Float64Array;
  /** The ask/tell study behind the run (ask it for more, if you like). */
  readonly study: Study;
  /** The disqualification rules applied (undefined: none). */
  readonly rules: Partial<DisqualificationRules> | undefined;
  /** The initialResult's parameters and how they did here; undefined without an initialResult. */
  readonly initial: InitialTrial | undefined;
  /**
   * How much better the best trial is than the initial parameters, in the metric's units and the
   * study's direction (≥ 0; 0 when they stayed best; NaN without an initialResult or a finite value).
   */
  readonly improvement: number;
  private readonly rerun?: (params: Params) => BacktestResult;

  constructor(init: OptimizeResultInit) {
    this.strategy = init.strategy;
    this.symbol = init.symbol;
    this.metric = init.metric;
    this.direction = init.direction;
    this.sampler = init.sampler;
    this.trials = init.trials;
    this.elapsedMs = init.elapsedMs;
    this.timedOut = init.timedOut;
    this.resumedTrials = init.resumedTrials;
    this.warnings = init.warnings;
    this.study = init.study;
    this.rules = init.rules;
    this.rerun = init.rerun;
    const better = (a: number, b: number) => (init.direction === 'maximize' ? a > b : a < b);
    this.convergence = new Float64Array(init.trials.length);
    let best: OptimizeTrial | undefined;
    init.trials.forEach((t, i) => {
      if (t.state === 'complete' && Number.isFinite(t.value) && (!best || better(t.value, best.value))) best = t;
      this.convergence[i] = best ? best.value : NaN;
    });
    this.bestTrial = best;
    this.bestValue = best ? best.value : NaN;
    this.bestParams = best ? { ...init.fixedParams, ...best.params } : undefined;
    if (init.initialParams) {
      const key = (p: Params) => JSON.stringify(Object.keys(init.initialParams!).map((n) => p[n]));
      const trial = init.trials.find((t) => key(t.params) === key(init.initialParams!));
      const value = trial && trial.state !== 'failed' ? trial.value : NaN;
      this.initial = { trial, params: init.initialParams, value };
      // A disqualified or failed start is improved on by any qualified best: measure from its value all the same.
      this.improvement = Number.isFinite(value) && Number.isFinite(this.bestValue)
        ? Math.max(0, init.direction === 'maximize' ? this.bestValue - value : value - this.bestValue)
        : NaN;
    } else {
      this.initial = undefined;
      this.improvement = NaN;
    }
  }

  get disqualifiedTrials(): number {
    return this.trials.filter((t) => t.state === 'disqualified').length;
  }

  /** The best parameters backtested again on the study's bars and settings (what analyzeResults(optimizeResult) reads). */
  bestResult(): BacktestResult | undefined {
    if (!this.bestTrial) return undefined;
    if (!this.rerun) throw new StratlabError('BAD_ARGUMENT', 'OptimizeResult.bestResult(): this result was not made by optimize() and cannot run again');
    return this.rerun(this.bestTrial.params);
  }

  get failedTrials(): number {
    return this.trials.filter((t) => t.state === 'failed').length;
  }

  /** Trials ranked best first: qualified ones by value, then disqualified ones by value, then failed and non-finite. */
  ranked(): OptimizeTrial[] {
    const tier = (t: OptimizeTrial) => (t.state === 'complete' && Number.isFinite(t.value) ? 0 : t.state === 'disqualified' && Number.isFinite(t.value) ? 1 : 2);
    const key = (t: OptimizeTrial) => (tier(t) < 2 ? (this.direction === 'maximize' ? -t.value : t.value) : 0);
    return this.trials.slice().sort((a, b) => tier(a) - tier(b) || key(a) - key(b) || a.number - b.number);
  }

  summary(): [string, string][] {
    const failed = this.failedTrials, dq = this.disqualifiedTrials;
    const firstError = this.trials.find((t) => t.error)?.error;
    const rules = this.rules ? Object.entries(this.rules).map(([k, v]) => `${k} ${v}`).join(', ') : '';
    return [
      ['Strategy', `${this.strategy} on ${this.symbol}`],
      ['Objective', `${this.direction} ${this.metric} (${this.sampler})`],
      ['Trials', `${this.trials.length} (${failed} failed${this.rules ? `, ${dq} disqualified` : ''}${this.resumedTrials ? `, ${this.resumedTrials} resumed from storage` : ''})`],
      ...(this.rules ? [['Rules', `${rules || 'the defaults'}${rules ? ' over the defaults' : ''}`] as [string, string]] : []),
      ['Best value', Number.isFinite(this.bestValue) ? String(round(this.bestValue)) : `none (every trial ${dq ? 'failed or was disqualified' : 'failed'})`],
      ['Best parameters', this.bestParams ? JSON.stringify(this.bestParams) : '—'],
      ['Elapsed', `${(this.elapsedMs / 1000).toFixed(1)} s${this.timedOut ? ' (stopped by the timeout)' : ''}`],
      ...(this.initial ? [['Initial parameters', `${JSON.stringify(this.initial.params)}: ${Number.isFinite(this.initial.value) ? round(this.initial.value) : this.initial.trial?.state ?? 'not run'}${this.initial.trial?.state === 'disqualified' ? ' (disqualified)' : ''}; improvement ${Number.isFinite(this.improvement) ? round(this.improvement) : 'n/a'}`] as [string, string]] : []),
      ...(failed && firstError ? [['First error', firstError] as [string, string]] : []),
    ];
  }

  /** The top `n` trials as rows: number, value, then each parameter. */
  topRows(n = 10): Row[] {
    return this.ranked().slice(0, n).map((t) => ({
      trial: t.number, value: Number.isFinite(t.value) ? round(t.value) : t.state,
      ...(this.rules ? { disqualified: t.disqualified?.join(', ') ?? '' } : {}), ...t.params,
    }));
  }

  toString(): string {
    const rows = this.summary();
    const w = Math.max(...rows.map((r) => r[0].length));
    return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n\n' + textTable(this.topRows());
  }

  /** Every trial's value and the best so far, by trial number. */
  convergenceFigure(): Figure {
    const x = this.trials.map((t) => t.number);
    const y = this.trials.map((t) => (Number.isFinite(t.value) ? t.value : null));
    const best = Array.from(this.convergence, (v) => (Number.isFinite(v) ? v : null));
    return {
      data: [
        { type: 'scatter', mode: 'markers', name: 'trial', x, y, marker: { size: 5, color: '#7f7f7f' } },
        { type: 'scatter', mode: 'lines', name: 'best so far', x, y: best, line: { color: '#1f77b4', width: 2, shape: 'hv' } },
      ],
      layout: {
        title: { text: `Convergence: ${this.strategy} ${this.metric} (${this.direction})` },
        height: 360,
        xaxis: { title: { text: 'trial' } },
        yaxis: { title: { text: this.metric } },
        legend: { orientation: 'h', x: 0, y: 1, yanchor: 'bottom' },
      },
    };
  }

  /** In a notebook: the summary, the top trials and the convergence chart; text elsewhere. */
  display(opts: { top?: number; charts?: boolean } = {}): void {
    const summary = this.summary().map(([metric, value]) => ({ metric, value }));
    const html = htmlTable(summary, { caption: `optimize ${this.strategy}` }) + htmlTable(this.topRows(opts.top), { caption: 'Top trials' });
    if (!displayHtml(html, this.toString())) {
      console.log(this.toString());
      return;
    }
    if (opts.charts !== false) displayFigure(this.convergenceFigure());
  }

  toJSON(): Record<string, unknown> {
    const num = (x: number) => (Number.isFinite(x) ? x : null);
    return {
      strategy: this.strategy, symbol: this.symbol, metric: this.metric, direction: this.direction, sampler: this.sampler,
      bestParams: this.bestParams ?? null, bestValue: num(this.bestValue), elapsedMs: this.elapsedMs, timedOut: this.timedOut,
      resumedTrials: this.resumedTrials, warnings: this.warnings, rules: this.rules ?? null,
      initial: this.initial ? { params: this.initial.params, value: num(this.initial.value), trial: this.initial.trial?.number ?? null, state: this.initial.trial?.state ?? null } : null,
      improvement: num(this.improvement),
      trials: this.trials.map((t) => ({ number: t.number, params: t.params, value: num(t.value), state: t.state, error: t.error, disqualified: t.disqualified, elapsedMs: t.elapsedMs })),
      convergence: Array.from(this.convergence, num),
    };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `OptimizeResult\n${this.toString()}`;
  }
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}
