import { describe, expect, it } from 'vitest';
import {
  kurtosis, logGamma, mean, moments, normalCdf, normalQuantile, quantile, quantiles, skewness, std, studentTCdf, variance,
} from '../lib/metrics';

// Reference values: scipy 1.17.1 / numpy 2.4.6 (scipy.stats.norm, scipy.stats.t, scipy.stats.skew,
// scipy.stats.kurtosis(fisher=False), numpy.quantile), printed with repr, i.e. to the last digit.
const rel = (actual: number, expected: number, tol: number) => expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tol);

describe('sample moments', () => {
  const x = [1, 2, 3, 4, 10, -3, 0.5];

  it('computes the mean, the sample (n − 1) variance and std', () => {
    expect(mean(x)).toBe(2.5);
    rel(variance(x), 15.916666666666666, 1e-15);
    rel(std(x), 3.9895697345286076, 1e-15);
  });

  it('computes skewness from population moments and Pearson kurtosis (normal = 3, not excess)', () => {
    rel(skewness(x), 0.7016477968865665, 1e-14);
    rel(kurtosis(x), 3.150968997560374, 1e-14);
    const m = moments(Float64Array.from(x));
    expect(m.count).toBe(7);
    rel(m.kurtosis, 3.150968997560374, 1e-14);
  });

  it('gives a large normal sample a kurtosis near 3 and a skew near 0', () => {
    // Deterministic normals from the inverse CDF at evenly spaced probabilities.
    const n = 20_000;
    const z = Float64Array.from({ length: n }, (_, i) => normalQuantile((i + 0.5) / n));
    expect(Math.abs(skewness(z))).toBeLessThan(1e-12);
    expect(kurtosis(z)).toBeCloseTo(3, 1);
  });

  it('skips NaN and lets Infinity through', () => {
    expect(mean([1, NaN, 3])).toBe(2);
    expect(variance([1, NaN, 3])).toBe(2);
    expect(mean([1, Infinity])).toBe(Infinity);
    expect(mean([NaN])).toBeNaN();
    expect(variance([5])).toBeNaN();
    expect(skewness([2, 2, 2])).toBeNaN();
  });
});

describe('quantile (numpy linear interpolation)', () => {
  const x = [1, 2, 3, 4, 10, -3, 0.5];

  it('matches numpy.quantile', () => {
    expect(quantile(x, 0)).toBe(-3);
    expect(quantile(x, 0.1)).toBe(-0.8999999999999997);
    expect(quantile(x, 0.25)).toBe(0.75);
    expect(quantile(x, 0.5)).toBe(2);
    expect(quantile(x, 0.9)).toBe(6.400000000000002);
    expect(quantile(x, 1)).toBe(10);
    expect(quantiles(x, [0, 0.5, 1])).toEqual([-3, 2, 10]);
  });

  it('skips NaN like numpy.nanquantile and refuses q outside [0, 1]', () => {
    expect(quantile([...x, NaN], 0.33)).toBeCloseTo(0.99, 14);
    expect(quantile([], 0.5)).toBeNaN();
    expect(() => quantile(x, 1.5)).toThrow(/quantile: q must be between 0 and 1, got 1.5/);
  });
});

describe('normal distribution', () => {
  it('Φ matches scipy.stats.norm.cdf to ~1e-15 relative, in both tails', () => {
    expect(normalCdf(1.96)).toBe(0.9750021048517795);
    rel(normalCdf(-1.96), 0.024997895148220435, 1e-15);
    rel(normalCdf(1), 0.8413447460685429, 1e-15);
    rel(normalCdf(0.3), 0.6179114221889526, 1e-15);
    rel(normalCdf(-3), 0.0013498980316300933, 1e-14);
    rel(normalCdf(-8), 6.22096057427174e-16, 1e-13);
    rel(normalCdf(-20), 2.7536241186061556e-89, 1e-13);
    rel(normalCdf(5), 0.9999997133484281, 1e-15);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(NaN)).toBeNaN();
  });

  it('Φ⁻¹ matches scipy.stats.norm.ppf to ~1e-15', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 14);
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263478740408408, 14);
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 14);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232306167813, 14);
    expect(normalQuantile(0.3)).toBeCloseTo(-0.5244005127080409, 14);
    expect(normalQuantile(0.02425)).toBeCloseTo(-1.972961051311885, 14); // Acklam's region boundary
    rel(normalQuantile(1e-10), -6.361340902404056, 1e-14);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });

  it('Φ⁻¹ inverts Φ across the range', () => {
    // Far in the upper tail Φ(z) rounds to within 1e-16 of 1, which no inverse can undo: stop at 3.3 there.
    for (const z of [-30, -9, -5, -2.5, -1e-3, 0.7, 3.3]) rel(normalQuantile(normalCdf(z)), z, 1e-12);
  });

  it('refuses a probability outside [0, 1]', () => {
    expect(() => normalQuantile(1.2)).toThrow(/normalQuantile: p must be between 0 and 1, got 1.2/);
  });
});

describe('Student-t CDF', () => {
  it('matches scipy.stats.t.cdf', () => {
    rel(studentTCdf(2, 10), 0.9633059826146299, 1e-14);
    rel(studentTCdf(2.228138851986274, 10), 0.975, 1e-14); // the t-table's 2.228 for 10 df
    rel(studentTCdf(-1.5, 3), 0.11529193262241147, 1e-13);
    rel(studentTCdf(3, 2.5), 0.9637119522254841, 1e-14);
    rel(studentTCdf(1, 30), 0.8373456922869849, 1e-14);
    rel(studentTCdf(-4, 7), 0.0025949566746484064, 1e-13);
    rel(studentTCdf(-30, 3), 4.067640213581979e-5, 1e-13);
    rel(studentTCdf(-6, 12), 3.108369432429282e-5, 1e-13);
    rel(studentTCdf(-2.5, 200), 0.006611586320850391, 1e-13);
    rel(studentTCdf(0.7, 1.5), 0.7117808795586567, 1e-14);
    rel(studentTCdf(0.1, 0.5), 0.5268341894356968, 1e-14);
    rel(studentTCdf(1e-8, 5), 0.5000000037960669, 1e-15);
  });

  it('keeps its precision with many degrees of freedom and tends to the normal', () => {
    rel(studentTCdf(2, 1000), 0.9771148267533741, 1e-13);
    rel(studentTCdf(2, 1e6), 0.9772497330743404, 1e-13);
    expect(studentTCdf(2, Infinity)).toBe(normalCdf(2));
  });

  it('equals the closed forms for 1 and 2 degrees of freedom', () => {
    // Absolute tolerance: the closed forms themselves cancel (0.5 − 0.4998…) in the lower tail.
    for (const t of [-50, -3, -0.2, 0, 0.5, 4, 1e3]) {
      expect(Math.abs(studentTCdf(t, 1) - (0.5 + Math.atan(t) / Math.PI))).toBeLessThan(2e-16); // Cauchy
      expect(Math.abs(studentTCdf(t, 2) - (0.5 + t / (2 * Math.sqrt(2 + t * t))))).toBeLessThan(2e-16);
    }
  });

  it('refuses non-positive degrees of freedom', () => {
    expect(() => studentTCdf(1, 0)).toThrow(/studentTCdf: df must be positive, got 0/);
  });
});

describe('logGamma', () => {
  it('matches scipy.special.gammaln, factorials and Γ(½) = √π', () => {
    const scipy: [number, number][] = [
      [0.1, 2.252712651734206], [1.5, -0.12078223763524526], [3.7, 1.428072326665388], [7.25, 7.0521854507385395],
      [14.9, 24.924132002217277], [15, 25.191221182738683], [100.5, 361.43554046777757], [1e-5, 11.512919692895826],
    ];
    for (const [x, v] of scipy) expect(Math.abs(logGamma(x) - v)).toBeLessThan(2e-15 * Math.max(1, Math.abs(v)));
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-15);
    expect(Math.abs(logGamma(2))).toBeLessThan(1e-15);
    rel(logGamma(10), Math.log(362_880), 1e-15);
    rel(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-15);
    rel(logGamma(171), 706.5730622457874, 1e-15); // ln 170!
  });
});
