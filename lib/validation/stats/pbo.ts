/**
 * Probability of Backtest Overfitting by Combinatorially Symmetric Cross-Validation (Bailey, Borwein,
 * López de Prado & Zhu, "The Probability of Backtest Overfitting", Journal of Computational Finance,
 * 2017).
 *
 * The T bars of N configurations' returns are cut into S equal blocks. Each of the C(S, S/2) ways to
 * pick half the blocks is a split: the chosen half is in-sample (IS), the rest out-of-sample (OOS).
 * In each split the IS-best configuration is found, and its OOS rank among all N gives the relative
 * rank ω = rank / (N + 1) and the logit λ = ln(ω / (1 − ω)). PBO is the share of splits with λ ≤ 0:
 * the configuration that looked best in-sample did no better than the median out-of-sample.
 *
 * Conventions (the paper leaves them open):
 *  - OOS ranks run from 1 (worst) to N (best); tied OOS values share their average rank.
 *  - λ = 0 (the IS-best exactly at the OOS median: odd N, or ties) counts as overfit, since PBO is
 *    the share with λ ≤ 0.
 *  - Ties for the IS-best go to the configuration listed first.
 *  - A union of blocks with fewer than 2 returns, or no variance, has Sharpe 0 (as returnStats).
 *  - Metrics are per bar (not annualised); ranks do not depend on the scale.
 *
 * Speed: a configuration is reduced to per-block moments (sum, sum of squares, count), so the Sharpe
 * of any union of blocks comes from summed moments. Splits are visited as complementary pairs (the
 * OOS half of one is the IS half of the other, so one pass over the configurations serves both), in
 * a revolving-door order where consecutive halves differ by one block in and one out: updating the
 * running moments reads 2 block rows, not S/2.
 */
import { StratlabError } from '../../core/errors';
import { returnBlocks } from '../../metrics/blocks';
import { RETURN_BLOCKS } from '../../sweep/types';

export type PboMetric = 'sharpe' | 'mean';

export interface PboOptions {
  /** Number of blocks S, even (default 16, as in the paper and the sweep's RETURN_BLOCKS). */
  blocks?: number;
  /** Performance measure: per-bar Sharpe (default) or mean return per bar. */
  metric?: PboMetric;
}

export interface PboResult {
  /** Share of splits whose IS-best ranks at or below the OOS median (λ ≤ 0). */
  pbo: number;
  /** λ of each split, in the order the splits were visited. */
  logits: Float64Array;
  nSplits: number;
  nConfigs: number;
  blocks: number;
  metric: PboMetric;
  /** Least-squares line of the IS-best's OOS metric on its IS metric across splits (NaN when IS never varies). */
  degradation: { slope: number; intercept: number; r2: number };
  /** Share of splits in which the IS-best has an OOS metric below 0. */
  probabilityOfLoss: number;
  /** The IS-best's IS metric and OOS metric in each split (aligned with logits), for a degradation plot. */
  inSample: Float64Array;
  outOfSample: Float64Array;
}

const MAX_BLOCKS = 24;

/**
 * PBO from whole return series: one per configuration, all the same length (NaN returns are skipped
 * inside their block). Cuts them into blocks with metrics' `returnBlocks`, the same cut a sweep stores
 * in ExperimentRecord.blocks, and calls `pboFromBlocks`.
 */
export function pbo(returns: readonly ArrayLike<number>[], opts: PboOptions = {}): PboResult {
  const blocks = opts.blocks ?? RETURN_BLOCKS;
  checkBlocks('pbo', blocks);
  if (!Array.isArray(returns) || returns.length < 2) {
    throw new StratlabError('BAD_ARGUMENT', `pbo: returns must hold at least 2 configurations' return series, got ${Array.isArray(returns) ? returns.length : typeof returns}`);
  }
  const t = returns[0].length;
  for (let k = 1; k < returns.length; k++) {
    if (returns[k].length !== t) {
      throw new StratlabError('BAD_ARGUMENT', `pbo: returns[${k}] has ${returns[k].length} values but returns[0] has ${t}; every configuration needs the same bars`);
    }
  }
  if (t < 2 * blocks) throw new StratlabError('BAD_ARGUMENT', `pbo: ${t} returns are too few for ${blocks} blocks (at least 2 per block)`);
  return pboFromBlocks(returns.map((r) => returnBlocks(r, blocks)), { blocks, metric: opts.metric });
}

/**
 * PBO from per-block moments, one Float64Array of 3·S values per configuration, laid out as
 * [sum_0..sum_{S−1}, sumSq_0..sumSq_{S−1}, count_0..count_{S−1}] (ExperimentRecord.blocks,
 * metrics' returnBlocks); S defaults to configs[0].length / 3. Allocates only before the split loop.
 */
export function pboFromBlocks(configs: readonly Float64Array[], opts: PboOptions = {}): PboResult {
  const metric = opts.metric ?? 'sharpe';
  if (metric !== 'sharpe' && metric !== 'mean') throw new StratlabError('BAD_ARGUMENT', `pbo: metric must be 'sharpe' or 'mean', got '${String(metric)}'`);
  if (!Array.isArray(configs) || configs.length < 2) {
    throw new StratlabError('BAD_ARGUMENT', `pboFromBlocks: configs must hold at least 2 configurations, got ${Array.isArray(configs) ? configs.length : typeof configs}`);
  }
  const S = opts.blocks ?? configs[0]?.length / 3;
  if (opts.blocks === undefined && !Number.isInteger(S)) {
    throw new StratlabError('BAD_ARGUMENT', `pboFromBlocks: configs[0] has ${configs[0]?.length} values, not 3 per block (sums, sums of squares, counts)`);
  }
  checkBlocks('pboFromBlocks', S);
  const N = configs.length;

  // Block-major, interleaved copies: rows[(b·N + n)·3 + 0..2] = sum, sumSq, count of block b of
  // configuration n, so a block swap streams two rows and each configuration's moments sit together.
  // Row S stays zero: swapping it in and out is the no-op the first split needs.
  const rows = new Float64Array((S + 1) * N * 3), tot = new Float64Array(N * 3);
  for (let n = 0; n < N; n++) {
    const m = configs[n];
    if (!m || m.length !== 3 * S) {
      throw new StratlabError('BAD_ARGUMENT', `pboFromBlocks: configs[${n}] has ${m?.length} values, expected 3 × ${S} blocks = ${3 * S} (sums, sums of squares, counts)`);
    }
    for (let b = 0; b < S; b++) {
      const s = m[b], q = m[S + b], c = m[2 * S + b];
      if (!Number.isFinite(s) || !Number.isFinite(q) || !(c >= 0)) {
        throw new StratlabError('BAD_ARGUMENT', `pboFromBlocks: configs[${n}] block ${b} is not finite moments (sum ${s}, sumSq ${q}, count ${c})`);
      }
      const j = (b * N + n) * 3;
      rows[j] = s;
      rows[j + 1] = q;
      rows[j + 2] = c;
      tot[n * 3] += s;
      tot[n * 3 + 1] += q;
      tot[n * 3 + 2] += c;
    }
  }
  return cscv(rows, tot, N, S, metric);
}

/** The split loop: no allocation inside, every array typed. */
function cscv(rows: Float64Array, tot: Float64Array, N: number, S: number, metric: PboMetric): PboResult {
  const last = S - 1, zero = S * N * 3;
  const combos = revolvingDoor(last, S / 2 - 1); // the IS halves that hold the last block; their complements are the rest
  const nPairs = combos.length, nSplits = 2 * nPairs;
  const acc = new Float64Array(N * 3), perf = new Float64Array(N * 2);
  const logits = new Float64Array(nSplits), inSample = new Float64Array(nSplits), outOfSample = new Float64Array(nSplits);
  const sharpe = metric === 'sharpe';
  let mask = 0, overfit = 0, losses = 0;

  for (let p = 0; p < nPairs; p++) {
    const next = (combos[p] | (1 << last)) >>> 0;
    let inOff = zero, outOff = zero;
    if (p === 0) {
      for (let b = 0; b < S; b++) if ((next >>> b) & 1) for (let j = 0; j < N * 3; j++) acc[j] += rows[b * N * 3 + j];
    } else {
      // Revolving-door order: exactly one block comes in and one goes out.
      const diff = next ^ mask;
      inOff = (31 - Math.clz32(diff & next)) * N * 3;
      outOff = (31 - Math.clz32(diff & mask)) * N * 3;
    }
    mask = next;

    // Half A (the blocks in `mask`) and half B (the rest): each is IS in one split of the pair.
    let bestA = 0, bestB = 0, maxA = -Infinity, maxB = -Infinity;
    for (let n = 0, j = 0; n < N; n++, j += 3) {
      const sA = acc[j] + rows[inOff + j] - rows[outOff + j];
      const qA = acc[j + 1] + rows[inOff + j + 1] - rows[outOff + j + 1];
      const cA = acc[j + 2] + rows[inOff + j + 2] - rows[outOff + j + 2];
      acc[j] = sA;
      acc[j + 1] = qA;
      acc[j + 2] = cA;
      const sB = tot[j] - sA, qB = tot[j + 1] - qA, cB = tot[j + 2] - cA;
      let a: number, b: number;
      if (sharpe) {
        // mean / sample std = s·√((c − 1) / (c·(c·q − s²))). Ranks and the argmax only need a monotone
        // key, sign·Sharpe² (no root); the Sharpe itself is taken for the two IS-bests below.
        const dA = cA * qA - sA * sA, dB = cB * qB - sB * sB;
        a = cA > 1 && dA > 0 ? (sA * Math.abs(sA) * (cA - 1)) / (cA * dA) : 0;
        b = cB > 1 && dB > 0 ? (sB * Math.abs(sB) * (cB - 1)) / (cB * dB) : 0;
      } else {
        a = cA > 0 ? sA / cA : 0;
        b = cB > 0 ? sB / cB : 0;
      }
      perf[2 * n] = a;
      perf[2 * n + 1] = b;
      if (a > maxA) {
        maxA = a;
        bestA = n;
      }
      if (b > maxB) {
        maxB = b;
        bestB = n;
      }
    }

    // OOS ranks: A's IS-best among the B values, B's IS-best among the A values.
    const xB = perf[2 * bestA + 1], xA = perf[2 * bestB];
    let lessB = 0, eqB = 0, lessA = 0, eqA = 0;
    for (let j = 0; j < 2 * N; j += 2) {
      const a = perf[j], b = perf[j + 1];
      lessA += a < xA ? 1 : 0;
      eqA += a === xA ? 1 : 0;
      lessB += b < xB ? 1 : 0;
      eqB += b === xB ? 1 : 0;
    }
    const k = 2 * p;
    // Average rank of a tie group: less + (eq + 1) / 2; doubled to stay in integers for the λ ≤ 0 test.
    const rank2B = 2 * lessB + eqB + 1, rank2A = 2 * lessA + eqA + 1;
    logits[k] = logit(rank2B, N);
    logits[k + 1] = logit(rank2A, N);
    if (rank2B <= N + 1) overfit++;
    if (rank2A <= N + 1) overfit++;
    if (xB < 0) losses++;
    if (xA < 0) losses++;
    inSample[k] = sharpe ? signedRoot(maxA) : maxA;
    outOfSample[k] = sharpe ? signedRoot(xB) : xB;
    inSample[k + 1] = sharpe ? signedRoot(maxB) : maxB;
    outOfSample[k + 1] = sharpe ? signedRoot(xA) : xA;
  }

  return {
    pbo: overfit / nSplits,
    logits,
    nSplits,
    nConfigs: N,
    blocks: S,
    metric,
    degradation: regression(inSample, outOfSample),
    probabilityOfLoss: losses / nSplits,
    inSample,
    outOfSample,
  };
}

/** The Sharpe back from its key sign·Sharpe². */
function signedRoot(key: number): number {
  return key < 0 ? -Math.sqrt(-key) : Math.sqrt(key);
}

/** λ = ln(ω / (1 − ω)) with ω = rank / (N + 1), from twice the rank. */
function logit(rank2: number, n: number): number {
  return Math.log(rank2 / (2 * (n + 1) - rank2));
}

function regression(x: Float64Array, y: Float64Array): { slope: number; intercept: number; r2: number } {
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const slope = sxx > 0 ? sxy / sxx : NaN;
  return { slope, intercept: my - slope * mx, r2: sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : NaN };
}

/**
 * Every k-subset of {0..n−1} as a bitmask, in revolving-door order (Knuth, TAOCP 7.2.1.3): each
 * differs from the one before by one element out and one in. R(n, k) = R(n−1, k), then R(n−1, k−1)
 * reversed with element n−1 added.
 */
export function revolvingDoor(n: number, k: number): Uint32Array {
  const out = new Uint32Array(binomial(n, k));
  let at = 0;
  const walk = (m: number, j: number, reversed: boolean, high: number): void => {
    if (j === 0) {
      out[at++] = high;
      return;
    }
    if (j === m) {
      out[at++] = (high | ((1 << m) - 1)) >>> 0;
      return;
    }
    const bit = 1 << (m - 1);
    if (!reversed) {
      walk(m - 1, j, false, high);
      walk(m - 1, j - 1, true, high | bit);
    } else {
      walk(m - 1, j - 1, false, high | bit);
      walk(m - 1, j, true, high);
    }
  };
  walk(n, k, false, 0);
  return out;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

function checkBlocks(fn: string, blocks: number): void {
  if (!Number.isInteger(blocks) || blocks < 2 || blocks % 2 !== 0 || blocks > MAX_BLOCKS) {
    throw new StratlabError('BAD_ARGUMENT', `${fn}: blocks must be an even integer from 2 to ${MAX_BLOCKS}, got ${blocks}`);
  }
}
