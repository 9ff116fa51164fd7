/**
 * The margin model. `margin` m is the initial margin as a fraction of position value (1 = no
 * leverage, 0.5 = 2×, as backtesting.py's `margin`): after an entry, |units| × price ≤ equity / m.
 * `maintenance` mm (default m / 2) is what equity must keep covering: when equity falls below
 * mm × |units| × price, a margin call closes the whole position.
 *
 * With cash C and signed units u, equity at price p is C + u·p, so the call comes at one price:
 *   long:  C + u·p = mm·u·p   →  p = −C / (u·(1 − mm))   (none while C ≥ 0: a long paid in full)
 *   short: C + u·p = −mm·u·p  →  p = C / (|u|·(1 + mm))
 * The broker works it out after every fill and checks it against each bar like a stop.
 */
import { StratlabError } from '../core/errors';

/** The price at which equity meets the maintenance requirement, or NaN when no price does. */
export function marginCallPrice(cash: number, units: number, maintenance: number): number {
  if (units > 0) return cash < 0 ? -cash / (units * (1 - maintenance)) : NaN;
  if (units < 0) return cash > 0 ? cash / (-units * (1 + maintenance)) : 0;
  return NaN;
}

export function checkMargin(margin: number, maintenance: number | undefined): void {
  if (!(margin > 0 && margin <= 1)) {
    throw new StratlabError('BAD_ARGUMENT', `engine.margin(${margin}): expected 0 < margin ≤ 1 (1 = no leverage, 0.5 = 2×)`, { location: { field: 'margin' } });
  }
  if (maintenance !== undefined && !(maintenance >= 0 && maintenance <= margin)) {
    throw new StratlabError('BAD_ARGUMENT', `engine.margin(${margin}, { maintenance: ${maintenance} }): expected 0 ≤ maintenance ≤ margin`, {
      hint: 'maintenance is the fraction of position value equity must keep covering, at most the initial margin',
      location: { field: 'maintenance' },
    });
  }
}
