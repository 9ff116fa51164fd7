/**
 * UTC offsets written in a time column. Every zoned timestamp is converted to UTC on load, so a New
 * York file that switches from -05:00 to -04:00 at the DST change loads as one even series; the
 * survey says which offsets were seen, so the conversion is reported rather than silent. A column
 * mixing naive times with offsets other than UTC is ambiguous (are the naive ones UTC or local?) and
 * is refused unless `{ timezone }` says where the naive ones are.
 */

/** A datetime that ends in a zone, after a time of day (the '-02' of a plain date never counts). Group 3 is the zone. */
export const ZONED_TEXT = String.raw`\d:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(:?\d{2})?)$`;
const ZONED = new RegExp(ZONED_TEXT);
/** Epoch numbers carry no zone, and are neither zoned nor naive. */
export const EPOCH_TEXT = String.raw`^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$`;
const EPOCH = new RegExp(EPOCH_TEXT);

export interface ZoneSurvey {
  /** The distinct offsets as ±HH:MM ('Z' for UTC), in order of first appearance. */
  offsets: string[];
  /** 0-based index and text of the first zoned and the first naive timestamp (absent when there is none). */
  firstZoned?: { index: number; text: string };
  firstNaive?: { index: number; text: string };
}

/** One group of timestamps that share a zone as written ('' for naive): where it first appears. */
export interface ZoneGroup {
  zone: string;
  first: number;
  text: string;
}

/** '-0500', '-05', '-05:00' → '-05:00'; 'Z', 'UTC', 'GMT' → 'Z'. */
export function normaliseOffset(zone: string): string {
  if (/^(Z|UTC|GMT)$/i.test(zone)) return 'Z';
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2) || '00'}`;
}

/** The zone a timestamp text is written in: '' when naive, null when it is not a datetime text (an epoch number, empty). */
export function zoneOf(text: string): string | null {
  const t = text.trim();
  if (t === '' || EPOCH.test(t)) return null;
  return ZONED.exec(t)?.[3] ?? '';
}

/** The survey from groups (one per zone as written), as the SQL scan returns them. */
export function surveyFromGroups(groups: readonly ZoneGroup[]): ZoneSurvey {
  const survey: ZoneSurvey = { offsets: [] };
  const firstOf = new Map<string, number>();
  for (const g of groups) {
    const slot = g.zone === '' ? 'firstNaive' : 'firstZoned';
    if (!survey[slot] || g.first < survey[slot]!.index) survey[slot] = { index: g.first, text: g.text };
    if (g.zone === '') continue;
    const offset = normaliseOffset(g.zone);
    firstOf.set(offset, Math.min(firstOf.get(offset) ?? Infinity, g.first));
  }
  survey.offsets = [...firstOf].sort((a, b) => a[1] - b[1]).map(([o]) => o);
  return survey;
}

/** The survey of timestamps held in JS (JSON files): strings are surveyed, numbers and dates are not. */
export function surveyValues(values: readonly unknown[]): ZoneSurvey {
  const groups = new Map<string, ZoneGroup>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'string') continue;
    const zone = zoneOf(v);
    if (zone === null || groups.has(zone)) continue;
    groups.set(zone, { zone, first: i, text: v.trim() });
  }
  return surveyFromGroups([...groups.values()]);
}

/**
 * The row (0-based) where zoned and naive timestamps first meet, or -1: the first row unlike the
 * first row. Naive times mean UTC, so a column whose only zone is UTC ('Z') is not mixed.
 */
export function firstMixedRow(survey: ZoneSurvey): number {
  const { firstZoned: z, firstNaive: n } = survey;
  if (!z || !n || survey.offsets.every((o) => o === 'Z')) return -1;
  return Math.max(z.index, n.index);
}

/** What a load says about the conversion, or undefined when there was none (no offsets, or UTC only). */
export function offsetNote(survey: ZoneSurvey | undefined, column: string): string | undefined {
  if (!survey || survey.offsets.length === 0 || (survey.offsets.length === 1 && survey.offsets[0] === 'Z')) return undefined;
  const several = survey.offsets.length > 1;
  return `column "${column}": UTC offset${several ? 's' : ''} ${survey.offsets.join(', ')} normalised to UTC`;
}
