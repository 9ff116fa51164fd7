/**
 * Gaps: intervals between consecutive bars longer than the timeframe, and whether the market was
 * simply closed (a weekend, or the overnight break of an intraday session) or something is missing.
 */
import { timeframeMs } from '../core/timeframe';
import { isoTime } from './timestamps';

const DAY = 86_400_000;

export type GapKind = 'weekend' | 'closed' | 'other';

export interface Gap {
  /** The last bar before the gap (ISO). */
  from: string;
  /** The first bar after the gap (ISO). */
  to: string;
  /** How many bars of the timeframe fit in the gap. */
  missingBars: number;
  kind: GapKind;
}

export interface GapSummary {
  count: number;
  /** Weekends and overnight session breaks: the market was closed. */
  closedMarket: number;
  other: number;
  /** The largest gaps (by missing bars), largest first. */
  largest: Gap[];
}

/** Finds the gaps of sorted timestamps for a timeframe label ('1M' counts calendar months). */
export function findGaps(time: Float64Array, timeframe: string, largest = 5): GapSummary {
  const found: { i: number; missing: number }[] = [];
  const n = time.length;
  if (timeframe === '1M') {
    for (let i = 1; i < n; i++) {
      const missing = monthIndex(time[i]) - monthIndex(time[i - 1]) - 1;
      if (missing > 0) found.push({ i, missing });
    }
  } else {
    let step: number;
    try {
      step = timeframeMs(timeframe);
    } catch {
      return { count: 0, closedMarket: 0, other: 0, largest: [] };
    }
    for (let i = 1; i < n; i++) {
      const d = time[i] - time[i - 1];
      if (d > step) found.push({ i, missing: Math.ceil(d / step) - 1 });
    }
  }

  // An intraday session reopens at the same time of day after each overnight break.
  const sessionOpen = commonReopenTime(time, found.map((g) => g.i));
  const kindOf = (i: number): GapKind => {
    const a = time[i - 1], b = time[i];
    if (b - a <= 4.5 * DAY && coversSaturday(a, b)) return 'weekend';
    if (sessionOpen !== undefined && b - a < DAY && mod(b, DAY) === sessionOpen) return 'closed';
    return 'other';
  };

  let closedMarket = 0;
  const gaps: Gap[] = found.map(({ i, missing }) => {
    const kind = kindOf(i);
    if (kind !== 'other') closedMarket++;
    return { from: isoTime(time[i - 1]), to: isoTime(time[i]), missingBars: missing, kind };
  });
  const top = [...gaps].sort((x, y) => y.missingBars - x.missingBars).slice(0, largest);
  return { count: gaps.length, closedMarket, other: gaps.length - closedMarket, largest: top };
}

function monthIndex(t: number): number {
  const d = new Date(t);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** True when some part of a Saturday (UTC) lies strictly between the two bars. */
function coversSaturday(a: number, b: number): boolean {
  for (let day = Math.floor(a / DAY); day * DAY < b; day++) {
    if ((((day + 4) % 7) + 7) % 7 === 6 && (day + 1) * DAY > a && day * DAY < b) return true;
  }
  return false;
}

/** The time of day (ms) most gaps shorter than a day end at, if it is common enough to be a session open. */
function commonReopenTime(time: Float64Array, gapEnds: number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const i of gapEnds) {
    if (time[i] - time[i - 1] >= DAY) continue;
    const tod = mod(time[i], DAY);
    counts.set(tod, (counts.get(tod) ?? 0) + 1);
  }
  let best: number | undefined, bestCount = 2;
  for (const [tod, c] of counts) {
    if (c > bestCount) {
      best = tod;
      bestCount = c;
    }
  }
  return best;
}
