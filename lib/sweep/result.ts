/** What a sweep returns: every combination ranked by score, with what ran, what resumed and what failed. */
import type { Figure } from '../viz';
import { displayFigure, displayHtml } from '../viz/display';
import { fixedLine, splitParams, strategyLabel } from '../viz/labels';
import { htmlTable, textTable, type Row } from '../viz/table';
import { toDataFrame, type DataFrame } from '../viz/dataframe';
import type { Bars } from '../core/bars';
import type { BacktestMetrics, EngineSettings } from '../engine';
import type { CaptureOptions, RunCapture } from './capture';
import type { ExperimentMetrics } from './types';
import { byScore } from './ranked';
import { sweepHeatmap, type SweepHeatmapOptions } from './heatmap';

export interface SweepRow {
  symbol: string;
  timeframe: string;
  params: Record<string, unknown>;
  paramsHash: string;
  score: number;
  /** The full metrics of a run done now; the tracker's subset for a combination resumed from it. */
  metrics: ExperimentMetrics & Partial<BacktestMetrics>;
  /** Names of the disqualification rules failed; empty when it passed them all. */
  disqualified: string[];
  status: 'ok' | 'failed';
  error?: string;
  /** True when the result was already in the tracker and did not run again. */
  resumed: boolean;
  /** Per-block return moments (ExperimentRecord.blocks), for the Probability of Backtest Overfitting. */
  blocks?: Float64Array;
  /** Signal changes, trades and (for the best) equity, when the sweep captured them (`.capture()`). */
  capture?: RunCapture;
}

/** What a capturing sweep keeps beside its rows, for writing a run directory. */
export interface SweepCaptured {
  options: CaptureOptions;
  /** The bars each symbol/timeframe ran on (after between() and timeframes()): bar indexes in captures refer to these. */
  bars: Bars[];
  settings: EngineSettings;
  /** When the sweep started. */
  startedAt: Date;
}

export interface SweepSummary {
  strategy: string;
  experimentId: string | null;
  /** Combinations in the grid after the constraint, over every symbol and timeframe. */
  combinations: number;
  ran: number;
  resumed: number;
  failed: number;
  /** Grid points the strategy's schema refused (never run), with their reasons: the first 100. */
  invalid: { params: Record<string, unknown>; error: string }[];
  /** How many grid points the schema refused (all of them; `invalid` lists the first 100). */
  refused: number;
  workers: number;
  /** True when the strategy ran in the caller's thread (a class workers cannot load). */
  inProcess: boolean;
  interrupted: boolean;
  elapsedMs: number;
  notes: string[];
  /** The grid's parameter names, in order (for heatmaps). */
  gridKeys: string[];
}

const TABLE_KEYS = ['returnPct', 'sharpe', 'maxDrawdown', 'totalTrades', 'winRate', 'profitFactor'] as const;

export class SweepResult implements SweepSummary {
  readonly strategy!: string;
  readonly experimentId!: string | null;
  readonly combinations!: number;
  readonly ran!: number;
  readonly resumed!: number;
  readonly failed!: number;
  readonly invalid!: { params: Record<string, unknown>; error: string }[];
  readonly refused!: number;
  readonly workers!: number;
  readonly inProcess!: boolean;
  readonly interrupted!: boolean;
  readonly elapsedMs!: number;
  readonly notes!: string[];
  readonly gridKeys!: string[];
  /**
   * Every combination, best score first (failed ones last) — or, past `.keep(n)` rows (10,000 by
   * default), the best n only; `notes` then says so, and the tracker holds every row.
   */
  readonly results: SweepRow[];
  /** Set when the sweep captured traces, trades or equity (`.capture()`). */
  captured?: SweepCaptured;

  /** `sorted`: the rows are ranked already (a sweep's RankedRows), so they are taken as they are. */
  constructor(rows: SweepRow[], summary: SweepSummary, sorted = false) {
    Object.assign(this, summary);
    this.results = sorted ? rows : [...rows].sort(byScore);
  }

  /** The best-scoring combination (undefined when nothing ran). */
  get best(): SweepRow | undefined {
    return this.results[0];
  }

  /** The n best; `qualified: true` keeps only those that passed every disqualification rule. */
  top(n = 10, opts: { qualified?: boolean; symbol?: string; timeframe?: string } = {}): SweepRow[] {
    return this.results
      .filter((r) => r.status === 'ok' && (!opts.qualified || r.disqualified.length === 0) && (!opts.symbol || r.symbol === opts.symbol) && (!opts.timeframe || r.timeframe === opts.timeframe))
      .slice(0, n);
  }

  /** The symbol/timeframe pairs swept. */
  get datasets(): { symbol: string; timeframe: string }[] {
    const seen = new Map<string, { symbol: string; timeframe: string }>();
    for (const r of this.results) seen.set(`${r.symbol}\u0000${r.timeframe}`, { symbol: r.symbol, timeframe: r.timeframe });
    return [...seen.values()];
  }

  /**
   * Rows for a table, labelled by strategy and the parameters that vary between them
   * ("SmaCross fast=10 slow=30"); symbol and timeframe get columns only when they vary too.
   * What every row shares is in `tableNote(n)`, said once above the table.
   */
  rows(n = this.results.length): Row[] {
    const shown = this.results.slice(0, n);
    const { varying } = splitParams(shown.map((r) => r.params));
    const many = (key: 'symbol' | 'timeframe') => new Set(shown.map((r) => r[key])).size > 1;
    const bySymbol = many('symbol'), byTimeframe = many('timeframe');
    return shown.map((r, k) => {
      const row: Row = { rank: k + 1, strategy: strategyLabel(this.strategy, r.params, varying) };
      if (bySymbol) row.symbol = r.symbol;
      if (byTimeframe) row.timeframe = r.timeframe;
      row.score = round(r.score);
      for (const key of TABLE_KEYS) row[key] = round(r.metrics?.[key]);
      row.disqualified = r.status === 'failed' ? `error: ${r.error}` : r.disqualified.join(', ');
      return row;
    });
  }

  /** What the first n rows share, said once above their table: `GOOG 1d; same in every row: longOnly=false`. */
  tableNote(n = this.results.length): string {
    const shown = this.results.slice(0, n);
    if (shown.length === 0) return '';
    const one = (key: 'symbol' | 'timeframe') => (new Set(shown.map((r) => r[key])).size === 1 ? shown[0][key] : null);
    const data = [one('symbol'), one('timeframe')].filter((x) => x !== null).join(' ');
    return [data, fixedLine(splitParams(shown.map((r) => r.params)).fixed)].filter(Boolean).join('; ');
  }

  /**
   * A heatmap of a metric (default the score) over two grid parameters (default the first two numeric
   * ones) for one dataset (default the best row's), the other parameters aggregated ('max' or 'mean');
   * disqualified cells grey, outside the colour scale. Null when there are not two parameters to draw.
   * The older call `heatmap(symbol, timeframe)` still works.
   */
  heatmap(opts: SweepHeatmapOptions | string = {}, timeframe?: string): Figure | null {
    return sweepHeatmap(this, typeof opts === 'string' ? { symbol: opts, timeframe } : opts);
  }

  /** Shows `heatmap({ x, y, metric, ...opts })` in a notebook (a one-line note elsewhere); snake_case names accepted. */
  plotHeatmap(x?: string, y?: string, metric = 'score', opts: Omit<SweepHeatmapOptions, 'x' | 'y' | 'metric'> = {}): void {
    const fig = this.heatmap({ ...opts, x, y, metric });
    if (!fig) console.log(`${this.strategy}: no heatmap (the sweep varied fewer than two parameters)`);
    else if (!displayFigure(fig)) console.log(`[Plotly chart: ${(fig.layout?.title as { text: string }).text}; display it in a tslab notebook]`);
  }

  /** One paragraph: what ran, how fast, what failed. */
  headline(): string {
    const rate = this.ran > 0 ? ` (${Math.round((this.ran / Math.max(1e-9, this.elapsedMs)) * 1000).toLocaleString('en-US')}/s)` : '';
    const parts = [
      `${this.strategy}: ${this.combinations.toLocaleString('en-US')} combinations`,
      `${this.ran.toLocaleString('en-US')} ran in ${(this.elapsedMs / 1000).toFixed(2)} s${rate} on ${this.inProcess ? 'the calling thread' : `${this.workers} worker${this.workers === 1 ? '' : 's'}`}`,
    ];
    if (this.resumed) parts.push(`${this.resumed.toLocaleString('en-US')} already in the tracker`);
    if (this.failed) parts.push(`${this.failed} failed`);
    if (this.refused) parts.push(`${this.refused} refused by the schema (${this.invalid[0].error})`);
    if (this.interrupted) parts.push('INTERRUPTED');
    const qualified = this.results.filter((r) => r.status === 'ok' && r.disqualified.length === 0).length;
    parts.push(`${qualified} pass the disqualification rules`);
    return parts.join('; ');
  }

  toString(): string {
    const note = this.tableNote(10);
    return `${this.headline()}\n${[...this.notes].map((n) => `note: ${n}\n`).join('')}\n${note ? `${note}\n` : ''}${textTable(this.rows(10))}`;
  }

  /** The headline, the 20 best and a score heatmap in a notebook; text elsewhere. */
  display(opts: { top?: number; charts?: boolean } = {}): void {
    const text = this.toString();
    const top = opts.top ?? 20;
    const html = `<p>${escape(this.headline())}</p>` + this.notes.map((n) => `<p><i>note: ${escape(n)}</i></p>`).join('') + htmlTable(this.rows(top), { caption: this.tableNote(top) || undefined });
    if (!displayHtml(html, text)) {
      console.log(text);
      return;
    }
    const fig = opts.charts === false ? null : this.heatmap();
    if (fig) displayFigure(fig);
  }

  /**
   * Every result as a danfojs DataFrame: symbol, timeframe, each parameter, score, every metric (full
   * precision), status and the rules it failed. danfojs loads on first call.
   */
  toDataFrame(): DataFrame {
    return toDataFrame(this.results.map((r) => ({
      symbol: r.symbol, timeframe: r.timeframe, ...r.params, score: r.score, ...r.metrics,
      status: r.status, disqualified: r.disqualified.join(', '),
    } as Row)));
  }

  toJSON(): Record<string, unknown> {
    const { results, captured: _captured, ...summary } = this;
    return {
      ...summary,
      results: results.map(({ blocks: _blocks, capture: _capture, metrics, ...r }) => ({ ...r, metrics: finite(metrics) })),
    };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function round(v: number | undefined): number | undefined {
  return v === undefined || !Number.isFinite(v) ? v : Math.round(v * 1e4) / 1e4;
}

function finite(o: object | undefined): Record<string, unknown> | undefined {
  if (!o) return o;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  return out;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
