/**
 * Timestamps: everything becomes epoch milliseconds UTC. Naive datetimes mean UTC; bare numbers are
 * epoch seconds, milliseconds, microseconds or nanoseconds, decided by magnitude.
 */
const DAY = 86_400_000;

/** Epoch number → ms: < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds, else nanoseconds. */
export function epochToMs(n: number): number {
  const a = Math.abs(n);
  if (a < 1e11) return n * 1000;
  if (a < 1e14) return n;
  if (a < 1e17) return Math.round(n / 1e3);
  return Math.round(n / 1e6);
}

/** The same rule as a SQL expression over a DOUBLE expression `x`. */
export function epochToMsSql(x: string): string {
  return `(CASE WHEN abs(${x}) < 1e11 THEN ${x} * 1000 WHEN abs(${x}) < 1e14 THEN ${x} WHEN abs(${x}) < 1e17 THEN round(${x} / 1e3) ELSE round(${x} / 1e6) END)`;
}

const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;
const NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Parses an ISO date or datetime (with or without a zone) or an epoch number (as a number or numeric
 * string). A naive datetime is UTC, or wall-clock time in `timeZone` when given; a calendar date is
 * always midnight UTC. Returns NaN when the value is not a timestamp.
 */
export function parseTimestamp(value: unknown, timeZone?: string): number {
  if (typeof value === 'number') return Number.isFinite(value) ? epochToMs(value) : NaN;
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return NaN;
  const s = value.trim();
  if (NUMBER.test(s)) return epochToMs(Number(s));
  const m = ISO.exec(s);
  if (!m) return NaN;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute > 0 || second > 0))) return NaN;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000 + 1e-6) : 0;
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (!zone && timeZone && m[4] !== undefined) return wallClockToUtc(t, timeZone);
  if (zone && zone !== 'Z' && zone !== 'z' && zone !== 'UTC' && zone !== 'GMT') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    t -= sign * offset * 60_000;
  }
  return t;
}

const QUARTER_HOUR = 900_000;
const offsetCaches = new Map<string, { fmt: Intl.DateTimeFormat; byQuarter: Map<number, number> }>();

/**
 * How far `timeZone`'s wall clock is ahead of UTC at the instant `utcMs`, in ms. Intl is slow (µs a
 * call), so offsets are cached per UTC quarter hour: today's zones change offset only on quarter-hour
 * instants.
 */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  let cache = offsetCaches.get(timeZone);
  if (!cache) {
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    cache = { fmt, byQuarter: new Map() };
    offsetCaches.set(timeZone, cache);
  }
  const quarter = Math.floor(utcMs / QUARTER_HOUR);
  let offset = cache.byQuarter.get(quarter);
  if (offset === undefined) {
    const at = quarter * QUARTER_HOUR;
    const p: Record<string, number> = {};
    for (const part of cache.fmt.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - at;
    cache.byQuarter.set(quarter, offset);
  }
  return offset;
}

/**
 * The UTC instant at which `timeZone`'s clock shows `wallMs` (a wall time written as if it were UTC).
 * Around a DST change it agrees with DuckDB's `timezone()`: a repeated hour means its later instant,
 * and a skipped time is read with the offset from before the jump (02:30 New York on the spring-forward
 * day is 07:30 UTC).
 */
export function wallClockToUtc(wallMs: number, timeZone: string): number {
  const before = zoneOffsetMs(wallMs - DAY, timeZone);
  const after = zoneOffsetMs(wallMs + DAY, timeZone);
  const t1 = wallMs - before;
  if (before === after) return t1;
  const t2 = wallMs - after;
  const ok1 = zoneOffsetMs(t1, timeZone) === before;
  const ok2 = zoneOffsetMs(t2, timeZone) === after;
  if (ok1 !== ok2) return ok1 ? t1 : t2;
  return Math.max(t1, t2);
}

/** True when the string is a date without a time of day (`2020-01-31`). */
export function isDateOnly(s: string): boolean {
  return /^\d{4}-\d{1,2}-\d{1,2}$/.test(s.trim());
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Full ISO 8601 in UTC: `2004-08-19T00:00:00.000Z`. */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

/** Short human form: `2004-08-19` at midnight UTC, else `2017-04-19T09:00:00Z` (ms only when non-zero). */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const iso = new Date(ms).toISOString();
  if (ms % DAY === 0) return iso.slice(0, 10);
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}
