import { StratlabError } from './errors';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Fixed-length timeframes in milliseconds. '1M' (calendar month) is variable and handled apart. */
const UNIT_MS: Record<string, number> = { s: 1000, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY };

export const MS = { MINUTE, HOUR, DAY } as const;

/** Milliseconds in a fixed timeframe label like '5m', '4h', '1d', '1w'. Throws for '1M' and bad labels. */
export function timeframeMs(tf: string): number {
  const m = /^(\d+)([smhdw])$/.exec(tf);
  if (!m) {
    throw new StratlabError('BAD_TIMEFRAME', `timeframe "${tf}" is not a fixed-length timeframe`, {
      hint: "use a number and a unit: s, m, h, d or w (e.g. '5m', '4h', '1d')",
    });
  }
  const n = Number(m[1]);
  if (n <= 0) throw new StratlabError('BAD_TIMEFRAME', `timeframe "${tf}" must be positive`);
  return n * UNIT_MS[m[2]];
}

/** The conventional label for a spacing in ms ('1d' for 86_400_000, '90s' for 90_000). */
export function labelForMs(ms: number): string {
  for (const [unit, size] of [['w', 7 * DAY], ['d', DAY], ['h', HOUR], ['m', MINUTE], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
