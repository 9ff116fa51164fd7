import { describe, expect, it } from 'vitest';
import { Random } from '../lib/data/random';
import { normalCdf } from '../lib/metrics';
import { returnBlocks } from '../lib/metrics/blocks';
import {
  annualisedToPeriod, bootstrapSharpe, deflatedSharpe, expectedMaxSharpe, pbo, pboFromBlocks, probabilisticSharpe, revolvingDoor,
} from '../lib/validation/stats';

const normals = (rng: Random, n: number, mu: number, sigma: number) => Float64Array.from({ length: n }, () => mu + sigma * rng.normal());

describe('deflated Sharpe ratio (Bailey & López de Prado 2014)', () => {
  // The paper's numerical example: the best of N = 100 independent trials has an annualised Sharpe of
  // 2.5 over T = 1250 daily returns (5 years of 250 days), with skewness −3 and kurtosis 10; the trials'
  // annualised Sharpes have variance 1/2. The paper gives E[max SR] ≈ 0.1132 (per day) and DSR ≈ 0.9004.
  const perDay = annualisedToPeriod({ sharpe: 2.5, sharpeVariance: 0.5 }, 250);
  const paper = { ...perDay, nTrials: 100, nObs: 1250, skew: -3, kurtosis: 10 };

  it('reproduces the paper\'s expected maximum Sharpe, 0.1132 a day', () => {
    expect(expectedMaxSharpe({ nTrials: 100, variance: perDay.sharpeVariance }).toFixed(4)).toBe('0.1132');
  });

  it('reproduces the paper\'s DSR, 0.9004', () => {
    const res = deflatedSharpe(paper);
    expect(res.dsr.toFixed(4)).toBe('0.9004');
    expect(res.expectedMaxSharpe.toFixed(4)).toBe('0.1132');
    expect(res.nTrials).toBe(100);
    // The same selection without deflation looks almost certain.
    expect(res.psr).toBeGreaterThan(0.9999);
  });

  it('is the PSR against the expected maximum, with the non-normal standard error', () => {
    const res = deflatedSharpe(paper);
    const sr = 2.5 / Math.sqrt(250);
    const se = Math.sqrt((1 + 3 * sr + (9 / 4) * sr * sr) / 1249); // 1 − γ3·SR + (γ4 − 1)/4·SR², over T − 1
    expect(res.sharpeStdError).toBeCloseTo(se, 15);
    expect(res.dsr).toBeCloseTo(normalCdf((sr - res.expectedMaxSharpe) / se), 15);
    expect(res.dsr).toBe(probabilisticSharpe({ sharpe: sr, benchmark: res.expectedMaxSharpe, nObs: 1250, skew: -3, kurtosis: 10 }));
  });

  it('converts annualised figures to per-period ones: SR / √ppy and Var / ppy', () => {
    expect(perDay.sharpe).toBeCloseTo(2.5 / Math.sqrt(250), 15);
    expect(perDay.sharpeVariance).toBeCloseTo(0.002, 15);
  });

  it('with one trial has no deflation: E[max] = 0 and DSR = PSR', () => {
    const res = deflatedSharpe({ ...paper, nTrials: 1, sharpeVariance: 0.7 });
    expect(res.expectedMaxSharpe).toBe(0);
    expect(res.dsr).toBe(res.psr);
    expect(expectedMaxSharpe({ nTrials: 1, variance: 3 })).toBe(0);
  });

  it('grows the expected maximum with the number of trials', () => {
    const e = [10, 100, 1000, 10_000].map((n) => expectedMaxSharpe({ nTrials: n, variance: 1 }));
    for (let i = 1; i < e.length; i++) expect(e[i]).toBeGreaterThan(e[i - 1]);
    // Close to the known E[max] of 10 standard normals, 1.5388.
    expect(e[0]).toBeCloseTo(1.5388, 1);
  });

  it('PSR: 0.5 at the benchmark; lower for negative skew and fat tails; higher with a longer record', () => {
    const base = { sharpe: 0.1, nObs: 500, skew: 0, kurtosis: 3 };
    expect(probabilisticSharpe({ ...base, benchmark: 0.1 })).toBe(0.5);
    const normal = probabilisticSharpe(base);
    expect(normal).toBeCloseTo(normalCdf((0.1 * Math.sqrt(499)) / Math.sqrt(1 + 0.1 ** 2 / 2)), 15);
    expect(probabilisticSharpe({ ...base, skew: -2, kurtosis: 9 })).toBeLessThan(normal);
    expect(probabilisticSharpe({ ...base, nObs: 2000 })).toBeGreaterThan(normal);
  });

  it('refuses excess kurtosis, too few observations and fewer than one trial', () => {
    expect(() => probabilisticSharpe({ sharpe: 0.1, nObs: 500, skew: -3, kurtosis: 7 })).toThrow(/kurtosis 7 is impossible with skew -3/);
    expect(() => probabilisticSharpe({ sharpe: 0.1, nObs: 1, skew: 0, kurtosis: 3 })).toThrow(/nObs must be an integer ≥ 2, got 1/);
    expect(() => deflatedSharpe({ ...paper, nTrials: 0 })).toThrow(/nTrials must be a number ≥ 1, got 0/);
    expect(() => expectedMaxSharpe({ nTrials: 10, variance: -1 })).toThrow(/variance must be ≥ 0/);
  });
});

/** CSCV written out the slow way, for comparison: every split, every union of blocks concatenated. */
function naiveCscv(returns: Float64Array[], S: number) {
  const N = returns.length, T = returns[0].length;
  const sharpeOf = (r: Float64Array, blocks: number[]) => {
    const v: number[] = [];
    for (const b of blocks) for (let i = Math.floor((b * T) / S); i < Math.floor(((b + 1) * T) / S); i++) v.push(r[i]);
    const m = v.reduce((a, x) => a + x, 0) / v.length;
    return m / Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1));
  };
  const splits: number[][] = [];
  const pick = (from: number, cur: number[]) => {
    if (cur.length === S / 2) return void splits.push([...cur]);
    for (let b = from; b < S; b++) pick(b + 1, [...cur, b]);
  };
  pick(0, []);
  const logits: number[] = [];
  let overfit = 0;
  for (const is of splits) {
    const oos = Array.from({ length: S }, (_, b) => b).filter((b) => !is.includes(b));
    const inS = returns.map((r) => sharpeOf(r, is)), outS = returns.map((r) => sharpeOf(r, oos));
    const best = inS.indexOf(Math.max(...inS));
    const rank = outS.filter((v) => v < outS[best]).length + 1; // no ties in continuous data
    logits.push(Math.log(rank / (N + 1) / (1 - rank / (N + 1))));
    if (rank <= (N + 1) / 2) overfit++;
  }
  return { pbo: overfit / splits.length, logits: logits.sort((a, b) => a - b) };
}

describe('Probability of Backtest Overfitting (CSCV, Bailey, Borwein, López de Prado & Zhu)', () => {
  it('is near 0.5 for configurations that are pure noise', () => {
    // One data set's PBO varies a lot (its 12,870 splits share the same data: 0.15 to 0.94 over
    // these seeds); what noise guarantees is a mean of 0.5 over data sets.
    const values: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const rng = new Random(seed);
      const res = pbo(Array.from({ length: 50 }, () => normals(rng, 2000, 0, 0.01)));
      expect(res.nSplits).toBe(12_870);
      expect(res.nConfigs).toBe(50);
      values.push(res.pbo);
    }
    const avg = values.reduce((a, b) => a + b) / values.length;
    expect(avg).toBeGreaterThan(0.4);
    expect(avg).toBeLessThan(0.6);
  });

  it('is near 0 when one configuration has a true edge among noise', () => {
    const rng = new Random(42);
    const returns = Array.from({ length: 50 }, (_, k) => normals(rng, 2000, k === 17 ? 0.002 : 0, 0.01)); // per-bar Sharpe 0.2
    const res = pbo(returns);
    expect(res.pbo).toBeLessThan(0.01);
    expect(res.probabilityOfLoss).toBe(0);
    // Selected every time, it is also the best out of sample: λ = ln(50 / 1).
    expect(Math.min(...res.logits)).toBeCloseTo(Math.log(50), 12);
  });

  it('gives the hand-computed answer on 3 configurations and 4 blocks', () => {
    // Block sums (one return per block, metric 'mean', so a half's mean is its sum / 2):
    //          b0 b1 b2 b3
    //   c0  [   3, 1, 0, 3 ]
    //   c1  [   4, 2, 4, 1 ]
    //   c2  [   1, 4, 0, 1 ]
    // IS blocks | IS sums (c0 c1 c2) | best | OOS sums (c0 c1 c2) | OOS rank of best | ω    | λ
    // {0,1}     | 4 6 5              | c1   | 3 5 1                | 3                | 3/4  | ln 3
    // {0,2}     | 3 8 1              | c1   | 4 3 5                | 1                | 1/4  | −ln 3
    // {0,3}     | 6 5 2              | c0   | 1 6 4                | 1                | 1/4  | −ln 3
    // {1,2}     | 1 6 4              | c1   | 6 5 2                | 2                | 2/4  | 0  (counts as overfit)
    // {1,3}     | 4 3 5              | c2   | 3 8 1                | 1                | 1/4  | −ln 3
    // {2,3}     | 3 5 1              | c1   | 4 6 5                | 3                | 3/4  | ln 3
    // λ ≤ 0 in 4 of 6 splits: PBO = 2/3. The IS-best loses out of sample in none: probabilityOfLoss = 0.
    const sums = [[3, 1, 0, 3], [4, 2, 4, 1], [1, 4, 0, 1]];
    const configs = sums.map((s) => Float64Array.from([...s, ...s.map((x) => x * x), 1, 1, 1, 1]));
    const res = pboFromBlocks(configs, { metric: 'mean' });
    expect(res.nSplits).toBe(6);
    expect(res.pbo).toBe(4 / 6);
    expect(res.probabilityOfLoss).toBe(0);
    const ln3 = Math.log(3);
    const sorted = Array.from(res.logits).sort((a, b) => a - b);
    [-ln3, -ln3, -ln3, 0, ln3, ln3].forEach((v, i) => expect(sorted[i]).toBeCloseTo(v, 14));
    // The IS-best's (IS mean, OOS mean) pairs, one per split.
    const pairs = Array.from(res.inSample, (x, i) => `${x}:${res.outOfSample[i]}`).sort();
    expect(pairs).toEqual(['3:2.5', '4:1.5', '3:0.5', '3:2.5', '2.5:0.5', '2.5:3'].sort());
  });

  it('shares the average rank among tied configurations: identical ones sit at the median, λ = 0', () => {
    const rng = new Random(5);
    const r = normals(rng, 400, 0.001, 0.01);
    const res = pbo([r, Float64Array.from(r)], { blocks: 8 });
    expect(Array.from(res.logits).every((l) => l === 0)).toBe(true);
    expect(res.pbo).toBe(1);
  });

  it('agrees with CSCV computed from the concatenated returns of every split', () => {
    const rng = new Random(11);
    for (let k = 0; k < 3; k++) {
      const returns = Array.from({ length: 7 }, () => normals(rng, 120 + k, 0.0005, 0.01));
      const fast = pbo(returns, { blocks: 6 }), slow = naiveCscv(returns, 6);
      expect(fast.pbo).toBe(slow.pbo);
      const sorted = Array.from(fast.logits).sort((a, b) => a - b);
      sorted.forEach((v, i) => expect(v).toBeCloseTo(slow.logits[i], 12));
    }
  });

  it('pbo(returns) equals pboFromBlocks on the same returns cut into blocks', () => {
    const rng = new Random(9);
    const returns = Array.from({ length: 20 }, () => normals(rng, 1000, 0.0002, 0.01));
    const a = pbo(returns, { blocks: 10 });
    const b = pboFromBlocks(returns.map((r) => returnBlocks(r, 10)));
    expect(b.blocks).toBe(10);
    expect(a.pbo).toBe(b.pbo);
    expect(Array.from(a.logits)).toEqual(Array.from(b.logits));
    expect(a.degradation).toEqual(b.degradation);
  });

  it('fits the degradation of the IS-best out of sample, and counts its OOS losses', () => {
    const rng = new Random(3);
    const res = pbo(Array.from({ length: 30 }, () => normals(rng, 800, 0, 0.01)), { blocks: 8 });
    const x = res.inSample, y = res.outOfSample, n = x.length;
    const mx = x.reduce((a, v) => a + v, 0) / n, my = y.reduce((a, v) => a + v, 0) / n;
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) ** 2;
      syy += (y[i] - my) ** 2;
    }
    expect(res.degradation.slope).toBeCloseTo(sxy / sxx, 12);
    expect(res.degradation.intercept).toBeCloseTo(my - (sxy / sxx) * mx, 12);
    expect(res.degradation.r2).toBeCloseTo((sxy * sxy) / (sxx * syy), 12);
    expect(res.probabilityOfLoss).toBe(Array.from(y).filter((v) => v < 0).length / n);
    // Noise: what looked best in sample is ordinary out of sample.
    expect(my).toBeLessThan(mx);
  });

  it('reads the per-block layout a sweep stores: sums, sums of squares, counts (NaN skipped)', () => {
    const r = [0.01, -0.02, NaN, 0.03, 0.04, -0.01];
    const m = returnBlocks(r, 2); // blocks [0, 3) and [3, 6)
    expect(m.length).toBe(6);
    [-0.01, 0.06, 0.0005, 0.0026].forEach((v, i) => expect(m[i]).toBeCloseTo(v, 15));
    expect([m[4], m[5]]).toEqual([2, 3]);
  });

  it('visits the splits in revolving-door order: one block in, one out', () => {
    const combos = revolvingDoor(15, 7);
    expect(combos.length).toBe(6435); // C(15, 7): half of C(16, 8), the other half are the complements
    expect(new Set(combos).size).toBe(6435);
    for (let i = 1; i < combos.length; i++) {
      let d = combos[i] ^ combos[i - 1], bits = 0;
      for (; d; d &= d - 1) bits++;
      expect(bits).toBe(2);
    }
  });

  it('refuses an odd number of blocks, fewer than 2 configurations and unequal lengths', () => {
    const rng = new Random(1);
    const r = normals(rng, 100, 0, 0.01);
    expect(() => pbo([r, r], { blocks: 5 })).toThrow(/pbo: blocks must be an even integer from 2 to 24, got 5/);
    expect(() => pbo([r])).toThrow(/pbo: returns must hold at least 2 configurations' return series, got 1/);
    expect(() => pbo([r, r.subarray(1)], { blocks: 4 })).toThrow(/pbo: returns\[1\] has 99 values but returns\[0\] has 100/);
    expect(() => pbo([r, r], { blocks: 64 })).toThrow(/blocks must be an even integer/);
    expect(() => pboFromBlocks([new Float64Array(48), new Float64Array(45)])).toThrow(/configs\[1\] has 45 values, expected 3 × 16 blocks = 48/);
    expect(() => pboFromBlocks([new Float64Array(48)])).toThrow(/at least 2 configurations, got 1/);
  });

  it('handles 4,851 configurations × all 12,870 splits of 16 blocks', () => {
    const S = 16, N = 4851, rng = new Random(7);
    const configs = Array.from({ length: N }, () => {
      const m = new Float64Array(3 * S);
      for (let b = 0; b < S; b++) {
        for (let i = 0; i < 100; i++) {
          const x = 0.01 * rng.normal();
          m[b] += x;
          m[S + b] += x * x;
        }
        m[2 * S + b] = 100;
      }
      return m;
    });
    pboFromBlocks(configs.slice(0, 200)); // warm the JIT
    const res = pboFromBlocks(configs);
    expect(res.nSplits).toBe(12_870); // its speed (≈ 0.4 s) is a benchmark figure, not a test
    expect(res.pbo).toBeGreaterThanOrEqual(0);
    expect(res.pbo).toBeLessThanOrEqual(1);
  });
});

describe('bootstrap Sharpe interval', () => {
  // i.i.d. normal daily returns with a per-bar Sharpe of 0.05 (0.79 a year over 252 days).
  const mu = 0.0005, sigma = 0.01, T = 2000, ppy = 252;
  const trueSharpe = (mu / sigma) * Math.sqrt(ppy);
  // Lo (2002): the standard error of a per-bar Sharpe SR over T i.i.d. returns is √((1 + SR²/2) / T).
  const loSe = Math.sqrt((1 + (mu / sigma) ** 2 / 2) / T) * Math.sqrt(ppy);
  const returns = normals(new Random(2024), T, mu, sigma);

  it('covers the true Sharpe, with the width and standard error Lo\'s formula predicts (within 20 %)', () => {
    const res = bootstrapSharpe(returns, { periodsPerYear: ppy, seed: 3 });
    expect(res.low).toBeLessThan(trueSharpe);
    expect(res.high).toBeGreaterThan(trueSharpe);
    expect(res.low).toBeLessThan(res.sharpe);
    expect(res.high).toBeGreaterThan(res.sharpe);
    expect(Math.abs(res.standardError / loSe - 1)).toBeLessThan(0.2);
    expect(Math.abs((res.high - res.low) / (2 * 1.959963984540054 * loSe) - 1)).toBeLessThan(0.2);
    expect(res.iterations).toBe(2000);
  });

  it('reports the sample Sharpe as returnStats would (mean / sample std × √ppy)', () => {
    const m = returns.reduce((a, x) => a + x, 0) / T;
    const sd = Math.sqrt(returns.reduce((a, x) => a + (x - m) ** 2, 0) / (T - 1));
    expect(bootstrapSharpe(returns, { periodsPerYear: ppy, iterations: 10 }).sharpe).toBeCloseTo((m / sd) * Math.sqrt(ppy), 12);
  });

  it('is deterministic with a seed', () => {
    const a = bootstrapSharpe(returns, { periodsPerYear: ppy, seed: 7, iterations: 500 });
    const b = bootstrapSharpe(returns, { periodsPerYear: ppy, seed: 7, iterations: 500 });
    const c = bootstrapSharpe(returns, { periodsPerYear: ppy, seed: 8, iterations: 500 });
    expect(b).toEqual(a);
    expect(c.low).not.toBe(a.low);
  });

  it('widens the interval for autocorrelated returns when resampling blocks', () => {
    // AR(1) with φ = 0.5: the variance of the mean is (1 + φ)/(1 − φ) = 3 times the i.i.d. one.
    const rng = new Random(77);
    const ar = new Float64Array(4000);
    let e = 0;
    for (let i = 0; i < ar.length; i++) {
      e = 0.5 * e + 0.01 * rng.normal();
      ar[i] = 0.0003 + e;
    }
    const iid = bootstrapSharpe(ar, { periodsPerYear: ppy, iterations: 1000 });
    const block = bootstrapSharpe(ar, { periodsPerYear: ppy, iterations: 1000, blockSize: 30 });
    expect(block.blockSize).toBe(30);
    expect(block.standardError / iid.standardError).toBeGreaterThan(1.4); // √3 ≈ 1.73 in theory
  });

  it('refuses bad options', () => {
    expect(() => bootstrapSharpe(returns, { periodsPerYear: 0 })).toThrow(/bootstrapSharpe: periodsPerYear must be a positive number, got 0/);
    expect(() => bootstrapSharpe(returns, { periodsPerYear: 252, confidence: 1 })).toThrow(/confidence must be between 0 and 1, got 1/);
    expect(() => bootstrapSharpe(returns, { periodsPerYear: 252, blockSize: 0.5 })).toThrow(/blockSize must be ≥ 1, got 0.5/);
    expect(() => bootstrapSharpe([0.01], { periodsPerYear: 252 })).toThrow(/at least 2 values/);
  });
});
