/** Hand-made bars and a strategy that does what each test scripts, bar by bar. */
import { z } from 'zod';
import type { Bars } from '../../lib/core/bars';
import { Strategy, type BarContext, type InitContext } from '../../lib/engine';

const DAY = 86_400_000;

/** Daily bars from rows of [open, high, low, close], starting 2024-01-01 (every day, so the calendar is fixed by the test). */
export function makeBars(rows: [number, number, number, number][], symbol = 'TEST'): Bars {
  const n = rows.length;
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]);
  return {
    symbol,
    timeframe: '1d',
    time: Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * DAY),
    open: col(0), high: col(1), low: col(2), close: col(3),
    volume: new Float64Array(n).fill(1000),
  };
}

/** Flat bars at `price` (open = high = low = close) — prices that never move. */
export function flatRows(n: number, price = 100): [number, number, number, number][] {
  return Array.from({ length: n }, () => [price, price, price, price]);
}

export type Script = Record<number, (ctx: BarContext) => void>;

/** A strategy class whose onBar runs script[i] at bar i, and records what it saw. */
export function scripted(script: Script, onInit?: (ctx: InitContext) => void) {
  return class Scripted extends Strategy<Record<string, never>> {
    static params = z.object({});
    seen: number[] = [];
    init(ctx: InitContext): void {
      onInit?.(ctx);
    }
    onBar(ctx: BarContext): void {
      this.seen.push(ctx.i);
      script[ctx.i]?.(ctx);
    }
  };
}
