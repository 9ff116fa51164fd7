/**
 * syntheticBars: realistic, exactly reproducible OHLCV bars for demos, tests and benchmarks.
 *
 * The model, bar by bar:
 * - volatility clusters: GARCH(1,1) variance h = ω + α·ε²(prev) + β·h(prev), long-run level from `annualVol`;
 * - a hidden Markov regime: trending up, trending down, or ranging (mean-reverting to where the range began);
 * - an intraday session (optional): no bars outside it, and a price gap at each open that grows with the gap;
 * - high/low stretch beyond open/close by a half-normal multiple of the bar's volatility;
 * - volume is lognormal and rises with |return|.
 */
import { z } from 'zod';
import type { Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { timeframeMs } from '../core/timeframe';
import { parseOptions, timeframeLabel } from './options';
import { Random } from './random';
import { parseTimestamp } from './timestamps';

const MINUTE = 60_000;
const DAY = 86_400_000;
const YEAR = 365.25 * DAY;

const clock = z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, "expected 'HH:MM' (UTC), e.g. '14:30'");

/** Options of syntheticBars. */
export interface SyntheticOptions {
  /** Number of bars. */
  n: number;
  /** Bar length, a fixed timeframe: '1m' (default), '5m', '1h', '1d', … */
  timeframe?: string;
  /** Same seed, same bars (default 1). */
  seed?: number;
  /** First bar: ISO string, Date or epoch ms (default '2020-01-01'); moved to the next session open if outside one. */
  start?: string | number | Date;
  /** Default 100. */
  startPrice?: number;
  /** Long-run annualised volatility (default 0.25). */
  annualVol?: number;
  /**
   * 'continuous' (default), 'weekdays' (Monday–Friday, all day), or trading hours in UTC:
   * `{ open: '14:30', close: '21:00', weekdays: [1, 2, 3, 4, 5] }` (0 = Sunday; a close before the open runs past midnight).
   */
  session?: 'continuous' | 'weekdays' | { open: string; close: string; weekdays?: number[] };
  /** Default 'SYNTH'. */
  symbol?: string;
}

const syntheticOptionsSchema = z
  .object({
    n: z.number().int().min(1).max(100_000_000),
    timeframe: timeframeLabel.refine((tf) => tf !== '1M', { message: "calendar months are not supported; use e.g. '1d' or '1w'" }).default('1m'),
    seed: z.number().int().default(1),
    start: z.union([z.string(), z.number(), z.date()]).default('2020-01-01'),
    startPrice: z.number().positive().default(100),
    annualVol: z.number().positive().max(10).default(0.25),
    session: z
      .union([
        z.enum(['continuous', 'weekdays']),
        z.object({ open: clock, close: clock, weekdays: z.array(z.number().int().min(0).max(6)).min(1).optional() }).strict(),
      ])
      .default('continuous'),
    symbol: z.string().min(1).default('SYNTH'),
  })
  .strict();


// Model constants.
const GARCH_ALPHA = 0.08;
const GARCH_BETA = 0.9;
const REGIME_MEAN_BARS = 500;
const TREND_DRIFT = 0.04; // per bar, in long-run standard deviations
const RANGE_PULL = 0.01; // share of the distance to the range anchor recovered per bar
const WICK = 0.6; // high/low excursion, in bar standard deviations
const GAP_VARIANCE_PER_BAR = 0.1; // closed-market variance per missing bar, in long-run bar variances

/**
 * ```ts
 * const bars = syntheticBars({ n: 10_000 });                                   // 1m, continuous, seed 1
 * const spy  = syntheticBars({ n: 50_000, timeframe: '5m', seed: 7, symbol: 'SPYX',
 *                              session: { open: '14:30', close: '21:00' } });   // NYSE hours in UTC
 * ```
 * The same options always give the same bars.
 */
export function syntheticBars(options: SyntheticOptions): Bars {
  const o = parseOptions(syntheticOptionsSchema, options, 'syntheticBars options');
  const n = o.n;
  const dt = timeframeMs(o.timeframe);
  const startMs = o.start instanceof Date ? o.start.getTime() : parseTimestamp(o.start);
  if (!Number.isFinite(startMs)) {
    throw new StratlabError('BAD_ARGUMENT', `syntheticBars options: start: ${JSON.stringify(o.start)} is not a date`, {
      hint: "use an ISO date such as '2020-01-01', a Date or epoch milliseconds",
      location: { field: 'start' },
    });
  }
  const session = makeSession(o.session, dt);
  const rnd = new Random(o.seed);

  const time = new Float64Array(n), open = new Float64Array(n), high = new Float64Array(n);
  const low = new Float64Array(n), close = new Float64Array(n), volume = new Float64Array(n);

  const v0 = (o.annualVol * o.annualVol) / session.barsPerYear; // long-run variance of one bar's log return
  const sd0 = Math.sqrt(v0);
  const omega = v0 * (1 - GARCH_ALPHA - GARCH_BETA);
  const switchProb = 1 / REGIME_MEAN_BARS;
  const baseVolume = 500 * Math.pow(dt / MINUTE, 0.8);

  let t = session.inSession(startMs) ? startMs : session.nextOpen(startMs);
  let h = v0;
  let prevEps = 0;
  let logC = Math.log(o.startPrice);
  let pc = o.startPrice;
  let regime = 2; // 0 up, 1 down, 2 range
  let anchor = logC;
  let prevT = t;
  for (let i = 0; i < n; i++) {
    if (rnd.uniform() < switchProb) {
      regime = (regime + 1 + (rnd.uniform() < 0.5 ? 0 : 1)) % 3;
      anchor = logC;
    }
    let logO = logC;
    let po = pc;
    const missing = i === 0 ? 0 : Math.round((t - prevT) / dt) - 1;
    if (missing > 0) {
      logO += Math.sqrt(v0 * GAP_VARIANCE_PER_BAR * Math.min(missing, 100_000)) * rnd.normal();
      po = Math.exp(logO);
    }

    h = omega + GARCH_ALPHA * prevEps * prevEps + GARCH_BETA * h;
    const sd = Math.sqrt(h);
    const eps = sd * rnd.normal();
    const drift = regime === 0 ? TREND_DRIFT * sd0 : regime === 1 ? -TREND_DRIFT * sd0 : -RANGE_PULL * (logO - anchor);
    const r = drift + eps;
    logC = logO + r;
    pc = po * Math.exp(r);
    prevEps = eps;

    time[i] = t;
    open[i] = po;
    close[i] = pc;
    // Wicks: (1 + x) and 1 / (1 + x) with x ≥ 0 keep high ≥ max(open, close) and 0 < low ≤ min(open, close).
    high[i] = (po > pc ? po : pc) * (1 + WICK * sd * Math.abs(rnd.normal()));
    low[i] = (po < pc ? po : pc) / (1 + WICK * sd * Math.abs(rnd.normal()));
    volume[i] = Math.round(baseVolume * Math.exp(0.4 * rnd.normal() + 0.5 * (Math.abs(eps) / sd0 - 0.8)));

    prevT = t;
    const next = t + dt;
    t = session.continuous || session.inSession(next) ? next : session.nextOpen(next);
  }
  return { symbol: o.symbol, timeframe: o.timeframe, time, open, high, low, close, volume };
}

interface Session {
  continuous: boolean;
  inSession(t: number): boolean;
  /** The first session open at or after t. */
  nextOpen(t: number): number;
  barsPerYear: number;
}

/** Day of week of an epoch day number, 0 = Sunday (1970-01-01 was a Thursday). */
function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function makeSession(spec: 'continuous' | 'weekdays' | { open: string; close: string; weekdays?: number[] }, dt: number): Session {
  if (spec === 'continuous') {
    return { continuous: true, inSession: () => true, nextOpen: (t) => t, barsPerYear: YEAR / dt };
  }
  const days = new Set(spec === 'weekdays' ? [1, 2, 3, 4, 5] : spec.weekdays ?? [1, 2, 3, 4, 5]);
  const openMs = spec === 'weekdays' ? 0 : minutesOf(spec.open) * MINUTE;
  const closeMsRaw = spec === 'weekdays' ? DAY : minutesOf(spec.close) * MINUTE;
  const closeMs = closeMsRaw <= openMs ? closeMsRaw + DAY : closeMsRaw; // a session may run past midnight
  const length = closeMs - openMs;

  const inSession = (t: number) => {
    // The session that would contain t opened on t's day or the day before.
    const day = Math.floor(t / DAY);
    for (const d of [day, day - 1]) {
      const from = d * DAY + openMs;
      if (t >= from && t < from + length && days.has(weekday(d))) return true;
    }
    return false;
  };
  const nextOpen = (t: number) => {
    const day = Math.floor(t / DAY);
    for (let d = day - 1; d <= day + 8; d++) {
      const from = d * DAY + openMs;
      if (from >= t && days.has(weekday(d))) return from;
    }
    return t;
  };
  const barsPerDay = Math.max(1, Math.ceil(length / dt));
  return { continuous: false, inSession, nextOpen, barsPerYear: barsPerDay * days.size * (YEAR / (7 * DAY)) };
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}
