/** Periods as the experiments table writes them ('2020-01-01:2023-12-31', both days included). */
import { StratlabError } from '../core/errors';
import type { TimeLike } from '../data/slice';
import { isDateOnly, parseTimestamp } from '../data/timestamps';

/** 'YYYY-MM-DD:YYYY-MM-DD' (both days included), or { from, to } (both inclusive; a date-only `to` includes that day). */
export type PeriodSpec = string | { from: TimeLike; to: TimeLike };

/** A period in epoch ms, both ends inclusive, and its label. */
export interface Period {
  from: number;
  to: number;
  label: string;
}

const DAY = 86_400_000;
const LABEL = /^(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})$/;

export function resolvePeriod(spec: PeriodSpec, field: string): Period {
  let from: TimeLike, to: TimeLike;
  if (typeof spec === 'string') {
    const m = LABEL.exec(spec.trim());
    if (!m) {
      throw new StratlabError('BAD_ARGUMENT', `${field}: ${JSON.stringify(spec)} is not a period`, {
        hint: "write 'YYYY-MM-DD:YYYY-MM-DD' (both days included) or { from, to }",
        location: { field },
      });
    }
    [, from, to] = m;
  } else if (spec && typeof spec === 'object' && 'from' in spec && 'to' in spec) {
    ({ from, to } = spec);
  } else {
    throw new StratlabError('BAD_ARGUMENT', `${field}: expected 'YYYY-MM-DD:YYYY-MM-DD' or { from, to }, got ${JSON.stringify(spec)}`, { location: { field } });
  }
  const a = toMs(from, `${field}.from`, false);
  const b = toMs(to, `${field}.to`, true);
  if (!(a <= b)) {
    throw new StratlabError('BAD_ARGUMENT', `${field}: starts (${day(a)}) after it ends (${day(b)})`, { location: { field } });
  }
  return { from: a, to: b, label: `${day(a)}:${day(b)}` };
}

function toMs(x: TimeLike, field: string, endOfDay: boolean): number {
  const ms = parseTimestamp(x);
  if (!Number.isFinite(ms)) {
    throw new StratlabError('BAD_ARGUMENT', `${field}: ${JSON.stringify(x)} is not a date`, {
      hint: "use a Date, epoch milliseconds or an ISO string such as '2020-01-31'",
      location: { field },
    });
  }
  return endOfDay && typeof x === 'string' && isDateOnly(x) ? ms + DAY - 1 : ms;
}

export function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
