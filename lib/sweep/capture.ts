/**
 * What a sweep keeps of each run besides its metrics, when asked (`.capture(…)`; off by default):
 * the signal changes (bar and position sign each time the sign changes) and the trades, as typed
 * arrays for a whole chunk, so they cross the worker boundary as a few buffers, not as objects.
 */
import { StratlabError } from '../core/errors';
import { normaliseConditions, type ConditionInput, type ConditionSeries } from '../data/conditions';
import type { TradeLog } from '../engine/log';
import { EXIT } from '../engine/log';

export interface CaptureOptions {
  /** Signal changes of every run (default false). */
  traces?: boolean;
  /** Trades of every run (default false). */
  trades?: boolean;
  /** Equity curves of the N best-scoring runs (default 0). */
  equity?: number;
  /**
   * External series each trace row carries in its metadata, as of its time (lib/data/conditions.ts):
   * `{ VIX: vixBars | { time, value } }`. Kept for the run directory; the workers never see them.
   */
  conditions?: Record<string, ConditionInput | ConditionSeries>;
}

/** A run's signal changes: the bar, and the position sign after it (−1 short, 0 flat, 1 long). */
export interface SignalChanges {
  bar: Int32Array;
  val: Int8Array;
}

/** Trades as columns (the engine's TradeLog, trimmed to its length). */
export interface CapturedTrades {
  length: number;
  side: Int8Array;
  units: Float64Array;
  entryBar: Int32Array;
  exitBar: Int32Array;
  entryPrice: Float64Array;
  exitPrice: Float64Array;
  pnl: Float64Array;
  returnPct: Float64Array;
  commission: Float64Array;
  /** EXIT codes: 0 signal, 1 stopLoss, 2 takeProfit, 3 end. */
  exitReason: Uint8Array;
}

/** What one run left: views into its chunk's arrays (no copy per run). */
export interface RunCapture {
  traces?: SignalChanges;
  trades?: CapturedTrades;
  /** Only for the best `equity` runs of a sweep. */
  equity?: Float64Array;
}

/** A chunk's captures: run c's rows are [offsets[c], offsets[c + 1]). */
export interface ChunkCapture {
  traceOffsets?: Int32Array;
  traceBar?: Int32Array;
  traceVal?: Int8Array;
  tradeOffsets?: Int32Array;
  trades?: CapturedTrades;
}

export const EXIT_REASON_NAMES = ['signal', 'stopLoss', 'takeProfit', 'end', 'trailingStop', 'marginCall'] as const;

const TRADE_FIELDS = ['side', 'units', 'entryBar', 'exitBar', 'entryPrice', 'exitPrice', 'pnl', 'returnPct', 'commission', 'exitReason'] as const;
type TradeField = (typeof TRADE_FIELDS)[number];
type Column = Int8Array | Int32Array | Float64Array | Uint8Array;

function grown<T extends Column>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** Accumulates the captures of successive runs (one chunk, or one backtest) in growable columns. */
export class CaptureBuilder {
  private traceOffsets: number[] = [0];
  private traceBar = new Int32Array(256);
  private traceVal = new Int8Array(256);
  private traceLength = 0;
  private tradeOffsets: number[] = [0];
  private tradeCols: Record<TradeField, Column> = {
    side: new Int8Array(64), units: new Float64Array(64), entryBar: new Int32Array(64), exitBar: new Int32Array(64),
    entryPrice: new Float64Array(64), exitPrice: new Float64Array(64), pnl: new Float64Array(64), returnPct: new Float64Array(64),
    commission: new Float64Array(64), exitReason: new Uint8Array(64),
  };
  private tradeLength = 0;
  // Event keys (bar·4 + delta + 2), reused from run to run.
  private events = new Float64Array(128);

  constructor(readonly options: CaptureOptions) {}

  /** Records one run from its trade log (read at once: a sweep's log is scratch memory). */
  add(log: TradeLog): void {
    if (this.options.traces) this.addTraces(log);
    if (this.options.trades) this.addTrades(log);
  }

  /** Records a run that left nothing (it failed or was refused). */
  addEmpty(): void {
    if (this.options.traces) this.traceOffsets.push(this.traceLength);
    if (this.options.trades) this.tradeOffsets.push(this.tradeLength);
  }

  /**
   * The position sign after each bar follows from the trades: an entry adds its side at its entry
   * bar, an exit takes it back at its exit bar. Positions are netted (never long and short at once),
   * so counting sides gives the sign exactly, with no float residue from fractional units. A close
   * forced by the end of the data ('end') is not a signal and is left out.
   */
  private addTraces(log: TradeLog): void {
    const T = log.length;
    this.events = grown(this.events, 2 * T);
    const ev = this.events;
    let m = 0;
    for (let k = 0; k < T; k++) {
      const s = log.side[k];
      ev[m++] = log.entryBar[k] * 4 + s + 2;
      if (log.exitReason[k] !== EXIT.end) ev[m++] = log.exitBar[k] * 4 - s + 2;
    }
    const sorted = ev.subarray(0, m).sort();
    let open = 0, prev = 0;
    for (let j = 0; j < m; ) {
      const bar = Math.floor(sorted[j] / 4);
      while (j < m && Math.floor(sorted[j] / 4) === bar) open += (sorted[j++] % 4) - 2;
      const sign = open > 0 ? 1 : open < 0 ? -1 : 0;
      if (sign !== prev) {
        const at = this.traceLength++;
        this.traceBar = grown(this.traceBar, at + 1);
        this.traceVal = grown(this.traceVal, at + 1);
        this.traceBar[at] = bar;
        this.traceVal[at] = sign;
        prev = sign;
      }
    }
    this.traceOffsets.push(this.traceLength);
  }

  private addTrades(log: TradeLog): void {
    const T = log.length, at = this.tradeLength;
    for (const f of TRADE_FIELDS) {
      const col = (this.tradeCols[f] = grown(this.tradeCols[f], at + T));
      col.set((log[f] as Column).subarray(0, T), at);
    }
    this.tradeLength += T;
    this.tradeOffsets.push(this.tradeLength);
  }

  /** The columns, trimmed to their length (copies: small next to the runs, and transferable). */
  finish(): ChunkCapture {
    const out: ChunkCapture = {};
    if (this.options.traces) {
      out.traceOffsets = Int32Array.from(this.traceOffsets);
      out.traceBar = this.traceBar.slice(0, this.traceLength);
      out.traceVal = this.traceVal.slice(0, this.traceLength);
    }
    if (this.options.trades) {
      out.tradeOffsets = Int32Array.from(this.tradeOffsets);
      const t = {} as Record<TradeField, Column>;
      for (const f of TRADE_FIELDS) t[f] = this.tradeCols[f].slice(0, this.tradeLength);
      out.trades = { length: this.tradeLength, ...(t as Omit<CapturedTrades, 'length'>) };
    }
    return out;
  }
}

/** Run k's part of a chunk's captures, as views. */
export function runCaptureAt(c: ChunkCapture, k: number): RunCapture {
  const out: RunCapture = {};
  if (c.traceOffsets && c.traceBar && c.traceVal) {
    const a = c.traceOffsets[k], b = c.traceOffsets[k + 1];
    out.traces = { bar: c.traceBar.subarray(a, b), val: c.traceVal.subarray(a, b) };
  }
  if (c.tradeOffsets && c.trades) {
    const a = c.tradeOffsets[k], b = c.tradeOffsets[k + 1], t = c.trades;
    const v = <T extends Column>(x: T) => x.subarray(a, b) as T;
    out.trades = {
      length: b - a, side: v(t.side), units: v(t.units), entryBar: v(t.entryBar), exitBar: v(t.exitBar), entryPrice: v(t.entryPrice),
      exitPrice: v(t.exitPrice), pnl: v(t.pnl), returnPct: v(t.returnPct), commission: v(t.commission), exitReason: v(t.exitReason),
    };
  }
  return out;
}

/** One backtest's captures from its trade log (what a sweep would have kept for it). */
export function captureRun(log: TradeLog, options: CaptureOptions = { traces: true, trades: true }): RunCapture {
  const b = new CaptureBuilder(options);
  b.add(log);
  return runCaptureAt(b.finish(), 0);
}

/** Checks .capture() options; returns null when nothing is captured. */
export function normaliseCapture(o: CaptureOptions | boolean): CaptureOptions | null {
  const opts = o === true ? { traces: true, trades: true, equity: 10 } : o === false ? {} : o;
  const equity = opts.equity ?? 0;
  if (!Number.isInteger(equity) || equity < 0) throw new StratlabError('BAD_ARGUMENT', `sweep.capture({ equity }): expected a whole number ≥ 0, got ${String(opts.equity)}`);
  const conditions = normaliseConditions(opts.conditions, 'sweep.capture({ conditions })');
  const out: CaptureOptions = { traces: !!opts.traces, trades: !!opts.trades, equity };
  if (Object.keys(conditions).length > 0) out.conditions = conditions;
  return out.traces || out.trades || equity > 0 ? out : null;
}
