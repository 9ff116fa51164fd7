/**
 * The rows a sweep keeps in memory: the best `keep` by score, so that a sweep of 10⁷ combinations
 * holds 10⁴ result objects, not 10⁷ (every result is in the tracker when the sweep is tracked).
 * Rows are buffered and, past twice the bound, sorted and cut back: O(n log keep) overall.
 */
import type { SweepRow } from './result';

/** Best first; failed runs after ok ones of the same score. Stable: ties keep their arrival order. */
export const byScore = (a: SweepRow, b: SweepRow): number =>
  b.score - a.score || (a.status === 'failed' ? 1 : 0) - (b.status === 'failed' ? 1 : 0);

export class RankedRows {
  private rows: SweepRow[] = [];
  /** Rows seen, kept or not. */
  seen = 0;

  constructor(readonly keep: number) {}

  add(row: SweepRow): void {
    this.seen++;
    this.rows.push(row);
    if (this.rows.length >= 2 * this.keep && this.rows.length > 1024) this.cut();
  }

  /** True when some rows were dropped (more were seen than are kept). */
  get truncated(): boolean {
    return this.seen > this.keep;
  }

  /** The kept rows, best first. */
  sorted(): SweepRow[] {
    this.rows.sort(byScore);
    if (this.rows.length > this.keep) this.cut();
    return this.rows;
  }

  private cut(): void {
    this.rows.sort(byScore);
    this.rows.length = Math.min(this.rows.length, this.keep);
    // A kept row's blocks view its chunk's whole output: copy them, so dropped rows' chunks are freed.
    for (const r of this.rows) if (r.blocks && r.blocks.byteLength !== r.blocks.buffer.byteLength) r.blocks = r.blocks.slice();
  }
}
