/**
 * Comparing two win rates: the pooled two-proportion z-test, and the entropy a split of trades
 * into winners and losers removes (information gain). Used by analyzeResults' pattern detection.
 */
import { normalCdf } from './distribution';

export interface ProportionTest {
  /** (p1 − p2) / √(p̂(1 − p̂)(1/n1 + 1/n2)), p̂ the pooled rate; NaN when a group is empty or every trade has one outcome. */
  z: number;
  /** P(Z ≥ z): one-sided, for a difference expected above zero (pass −z for below). */
  pUpper: number;
}

/** Pooled two-proportion z-test of wins1/n1 against wins2/n2. */
export function twoProportionZ(wins1: number, n1: number, wins2: number, n2: number): ProportionTest {
  if (n1 <= 0 || n2 <= 0) return { z: NaN, pUpper: NaN };
  const p = (wins1 + wins2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return { z: NaN, pUpper: NaN };
  const z = (wins1 / n1 - wins2 / n2) / se;
  return { z, pUpper: 1 - normalCdf(z) };
}

/** Binary entropy in bits of a win rate. */
export function binaryEntropy(p: number): number {
  return p <= 0 || p >= 1 ? 0 : -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}

/** Bits of outcome entropy removed by splitting (wins, n) into (wins1, n1) and the rest. */
export function informationGain(wins: number, n: number, wins1: number, n1: number): number {
  const n2 = n - n1;
  if (n1 <= 0 || n2 <= 0) return 0;
  return binaryEntropy(wins / n) - (n1 / n) * binaryEntropy(wins1 / n1) - (n2 / n) * binaryEntropy((wins - wins1) / n2);
}
