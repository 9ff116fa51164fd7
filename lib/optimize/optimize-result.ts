/** What optimize() returns: the best parameters, every trial, the convergence curve, and display(). */
import type { BacktestMetrics } from '../engine';
import { displayFigure, displayHtml } from '../viz/display';
import type { Figure } from '../viz/plotly';
import { htmlTable, textTable, type Row } from '../viz/table';
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
  }

  get failedTrials(): number {
    return this.trials.filter((t) => t.state === 'failed').length;
  }

  /** Trials ranked best first (failed and non-finite last). */
  ranked(): OptimizeTrial[] {
    const key = (t: OptimizeTrial) => (Number.isFinite(t.value) ? (this.direction === 'maximize' ? -t.value : t.value) : Infinity);
    return this.trials.slice().sort((a, b) => key(a) - key(b) || a.number - b.number);
  }

  summary(): [string, string][] {
    const failed = this.failedTrials;
    const firstError = this.trials.find((t) => t.error)?.error;
    return [
      ['Strategy', `${this.strategy} on ${this.symbol}`],
      ['Objective', `${this.direction} ${this.metric} (${this.sampler})`],
      ['Trials', `${this.trials.length} (${failed} failed${this.resumedTrials ? `, ${this.resumedTrials} resumed from storage` : ''})`],
      ['Best value', Number.isFinite(this.bestValue) ? String(round(this.bestValue)) : 'none (every trial failed)'],
      ['Best parameters', this.bestParams ? JSON.stringify(this.bestParams) : '—'],
      ['Elapsed', `${(this.elapsedMs / 1000).toFixed(1)} s${this.timedOut ? ' (stopped by the timeout)' : ''}`],
      ...(failed && firstError ? [['First error', firstError] as [string, string]] : []),
    ];
  }

  /** The top `n` trials as rows: number, value, then each parameter. */
  topRows(n = 10): Row[] {
    return this.ranked().slice(0, n).map((t) => ({ trial: t.number, value: Number.isFinite(t.value) ? round(t.value) : t.state, ...t.params }));
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
      resumedTrials: this.resumedTrials, warnings: this.warnings,
      trials: this.trials.map((t) => ({ number: t.number, params: t.params, value: num(t.value), state: t.state, error: t.error, elapsedMs: t.elapsedMs })),
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
