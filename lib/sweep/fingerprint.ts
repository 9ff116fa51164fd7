/**
 * Identities for the tracker: a fingerprint of the bars a result was computed on (part of the
 * result's identity, so results over other data never resume one another) and the key of a sweep's
 * chunk plan, which concurrent sweeps of one experiment share to claim chunks.
 */
import crypto from 'node:crypto';
import type { Bars } from '../core/bars';
import { canonicalJson } from '../core/hash';

const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** 16 hex digits of SHA-256 over the bars' six columns (their bytes: any change of a value changes it). */
export function dataFingerprint(bars: Bars): string {
  const h = crypto.createHash('sha256');
  for (const c of COLUMNS) {
    const col = bars[c];
    h.update(new Uint8Array(col.buffer, col.byteOffset, col.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * The key of a sweep's chunks on one dataset: two processes with the same key cut the same
 * combinations into the same chunks, so chunk n means the same work to both.
 */
export function sweepKey(parts: Record<string, unknown>): string {
  return crypto.createHash('sha256').update(canonicalJson(parts)).digest('hex').slice(0, 24);
}
