/**
 * True range of one bar: the greatest of high − low, |high − prevClose| and |low − prevClose|,
 * with TA-Lib's TRANGE arithmetic and comparison order (so a NaN prevClose leaves high − low).
 * Shared by ATR, ADX and CHOP; V8 inlines it into their loops.
 */
export function trueRange(high: number, low: number, prevClose: number): number {
  let greatest = high - low;
  const up = Math.abs(prevClose - high);
  if (up > greatest) greatest = up;
  const down = Math.abs(prevClose - low);
  if (down > greatest) greatest = down;
  return greatest;
}
