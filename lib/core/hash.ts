/**
 * A canonical hash of a parameter set, so the same combination is recognised however it was written:
 * keys sorted at every depth, numbers normalised (12 significant digits, −0 → 0, so 0.1 + 0.2 and
 * 0.3 agree), a strategy class given as a parameter replaced by its name, undefined values dropped.
 */
import crypto from 'node:crypto';

export function canonicalParams(value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    const x = Number(value.toPrecision(12));
    return Object.is(x, -0) ? 0 : x;
  }
  if (typeof value === 'function') return (value as { name: string }).name;
  if (Array.isArray(value)) return value.map(canonicalParams);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonicalParams(v);
    }
    return out;
  }
  return value;
}

/** The canonical JSON text of a parameter set (what is stored and what is hashed). */
export function canonicalJson(params: unknown): string {
  return JSON.stringify(canonicalParams(params));
}

// One-shot crypto.hash (Node ≥ 20.12) is several times faster than createHash for short texts: a
// sweep hashes every combination.
const sha256Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (t) => (crypto as unknown as { hash(alg: string, t: string, enc: string): string }).hash('sha256', t, 'hex')
    : (t) => crypto.createHash('sha256').update(t).digest('hex');

/** The hash of a canonical JSON text (what paramsHash returns for the params it came from). */
export function hashCanonicalJson(json: string): string {
  return sha256Hex(json).slice(0, 16);
}

/** 16 hex digits of SHA-256 over the canonical JSON: `paramsHash({ slow: 30, fast: 10 })`. */
export function paramsHash(params: unknown): string {
  return hashCanonicalJson(canonicalJson(params));
}
