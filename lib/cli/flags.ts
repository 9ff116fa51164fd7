/**
 * Strict parsers for flag values. Each mistake is one CLI_USAGE error that names the flag and the
 * value as typed: `--spread "abc" is not a number`, `--size 2 is out of range: …`.
 */
import { StratlabError } from '../core/errors';
import { nearest } from '../data/options';
import { isDateOnly, parseTimestamp } from '../data/timestamps';

const DAY = 86_400_000;

export function usageError(message: string, hint?: string): StratlabError {
  return new StratlabError('CLI_USAGE', message, { hint });
}

/** A string flag's value, or undefined when the flag was not given. */
export function stringFlag(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A number parsed with Number() (no partial parses: "5x" and "" are refused), then checked by `ok`;
 * `expected` says what `ok` wants: `--cash -5 is out of range: expected an amount > 0`.
 */
export function numberFlag(name: string, raw: string | undefined, ok: (x: number) => boolean, expected: string): number | undefined {
  if (raw === undefined) return undefined;
  const x = raw.trim() === '' ? NaN : Number(raw);
  if (Number.isNaN(x)) throw usageError(`--${name} ${JSON.stringify(raw)} is not a number`, `expected ${expected}`);
  if (!Number.isFinite(x) || !ok(x)) throw usageError(`--${name} ${raw} is out of range: expected ${expected}`);
  return x;
}

/** One of `choices`, spelled exactly; a near miss gets a suggestion. */
export function choiceFlag<T extends string>(name: string, raw: string | undefined, choices: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  const list = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}` : choices[0];
  const near = nearest(raw, choices);
  throw usageError(`--${name} ${JSON.stringify(raw)} must be ${list}`, near ? `did you mean ${near}?` : undefined);
}

/**
 * An ISO date or datetime as epoch ms, read as slice() reads it; naive datetimes are wall-clock
 * times in `timeZone` (as the data file's are), dates are calendar days. A date-only `end` bound
 * covers that whole day.
 */
export function dateFlag(name: string, raw: string | undefined, bound: 'start' | 'end', timeZone?: string): number | undefined {
  if (raw === undefined) return undefined;
  // Only ISO strings: a bare number would be read as epoch seconds ("2020" → 1970), never what was meant.
  const ms = /^\s*\d{4}-\d{1,2}-\d{1,2}/.test(raw) ? parseTimestamp(raw, timeZone) : NaN;
  if (!Number.isFinite(ms)) {
    throw usageError(`--${name} ${JSON.stringify(raw)} is not a date`, 'use an ISO date or datetime such as 2020-01-31 or 2020-01-31T15:30:00Z');
  }
  return bound === 'end' && isDateOnly(raw) ? ms + DAY - 1 : ms;
}

/** A JSON object given on the command line; where the JSON breaks, the message says so. */
export function jsonObjectFlag(name: string, raw: string | undefined, example: string): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw usageError(`--${name}: not valid JSON (${jsonProblem(raw, (e as Error).message)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `${typeof value} ${JSON.stringify(value)}`;
    throw usageError(`--${name}: expected a JSON object such as '${example}', got ${got}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Strategy parameters: `fast=10,slow=30` (numbers, true/false, else text) or a JSON object
 * `{"fast":10,"slow":30}`. A mistake names the pair: `--params "fast10": expected name=value …`.
 */
export function paramsFlag(name: string, raw: string | undefined, example: string): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  if (!raw.includes('=') && (/^\s*[{[]/.test(raw) || isJson(raw))) return jsonObjectFlag(name, raw, example);
  const out: Record<string, unknown> = {};
  for (const part of raw.split(',')) {
    if (part.trim() === '' && raw.trim() === '') break;
    const m = /^\s*([A-Za-z_][\w-]*)\s*=\s*(.*?)\s*$/.exec(part);
    if (!m || m[2] === '') {
      throw usageError(`--${name} ${JSON.stringify(part.trim())}: expected name=value pairs such as fast=10,slow=30 (or a JSON object such as '${example}')`);
    }
    if (m[1] in out) throw usageError(`--${name}: ${m[1]} is given twice`);
    out[m[1]] = scalarText(m[2]);
  }
  return out;
}

function isJson(raw: string): boolean {
  try {
    JSON.parse(raw);
    return true;
  } catch {
    return false;
  }
}

/** `10` → 10, `true` → true, `'x'`/`"x"` → x, anything else stays text. */
function scalarText(v: string): unknown {
  if (v === 'true' || v === 'false') return v === 'true';
  const x = Number(v);
  if (Number.isFinite(x)) return x;
  const quoted = /^(['"])(.*)\1$/.exec(v);
  return quoted ? quoted[2] : v;
}

/**
 * V8's JSON.parse message, on one line and with a position. Node 20 says where for most mistakes
 * ("… in JSON at position 7") but not for an unexpected token ("Unexpected token 'x', "{…}" is not
 * valid JSON"); there the position is where the shortest failing prefix ends.
 */
function jsonProblem(text: string, message: string): string {
  const token = /^Unexpected token '(.*?)', ".*" is not valid JSON$/s.exec(message);
  if (token) {
    for (let p = 1; p <= text.length; p++) {
      try {
        JSON.parse(text.slice(0, p));
      } catch (e) {
        if ((e as Error).message.startsWith('Unexpected token')) return `Unexpected token '${token[1]}' at position ${p - 1}`;
      }
    }
    return `Unexpected token '${token[1]}'`;
  }
  return message.replace(/ in JSON at position/, ' at position').replace(/\s+/g, ' ');
}
