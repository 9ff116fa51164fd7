/** Whole-unit arithmetic for order sizing. */

/**
 * ⌊x / y⌋ computed exactly for positive x, y, as Python's `x // y` does. Plain Math.floor(x / y)
 * is one unit too high when the rounded quotient lands on a whole number the exact one is just
 * below; sizing by `equity // price` must never buy a unit the cash cannot pay for.
 */
export function floorDiv(x: number, y: number): number {
  const mod = x % y; // fmod is exact
  const div = (x - mod) / y;
  const floor = Math.floor(div);
  return div - floor > 0.5 ? floor + 1 : floor;
}
