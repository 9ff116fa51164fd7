/**
 * Per-block moments of a return series: the series cut into S equal runs (block b holds returns
 * [⌊b·T/S⌋, ⌊(b+1)·T/S⌋)), each summarised by its sum, sum of squares and count. The Sharpe of any
 * union of blocks follows from these, which is all CSCV (the Probability of Backtest Overfitting)
 * needs — a sweep keeps 3·S numbers per configuration instead of its equity curve.
 * Layout: [sum_0..sum_{S−1}, sumSq_0..sumSq_{S−1}, count_0..count_{S−1}]. NaN returns are skipped.
 */
import { StratlabError } from '../core/errors';

export function returnBlocks(returns: ArrayLike<number>, blocks: number): Float64Array {
  checkBlocks(blocks);
  const out = new Float64Array(3 * blocks);
  accumulate((i) => returns[i], returns.length, blocks, out, 0);
  return out;
}

/** The same moments for the bar returns of an equity curve (equity[i] / equity[i−1] − 1), written into `out` at `at`. */
export function equityReturnBlocks(equity: ArrayLike<number>, blocks: number, out: Float64Array, at = 0): void {
  checkBlocks(blocks);
  accumulate((i) => equity[i + 1] / equity[i] - 1, Math.max(0, equity.length - 1), blocks, out, at);
}

function accumulate(ret: (i: number) => number, t: number, blocks: number, out: Float64Array, at: number): void {
  for (let b = 0; b < blocks; b++) {
    const end = Math.floor(((b + 1) * t) / blocks);
    let s = 0, q = 0, c = 0;
    for (let i = Math.floor((b * t) / blocks); i < end; i++) {
      const r = ret(i);
      if (r !== r) continue;
      s += r;
      q += r * r;
      c++;
    }
    out[at + b] = s;
    out[at + blocks + b] = q;
    out[at + 2 * blocks + b] = c;
  }
}

function checkBlocks(blocks: number): void {
  if (!Number.isInteger(blocks) || blocks < 2 || blocks % 2 !== 0) {
    throw new StratlabError('BAD_ARGUMENT', `returnBlocks: blocks must be an even whole number ≥ 2, got ${blocks}`, { location: { field: 'blocks' } });
  }
}
