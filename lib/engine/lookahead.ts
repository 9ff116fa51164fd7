/**
 * A look-ahead check for strategies: every indicator registered in init must be causal — its value
 * at bar k may depend on bars 0..k only. We compute the indicators on the full series and again on
 * prefixes of it; any value that changes when later bars are removed looked ahead.
 */
import { viewRows, type Bars } from '../core/bars';
import { StratlabError } from '../core/errors';
import { formatTime } from '../data/timestamps';
import { atrProvider, InitContext, type RegisteredIndicator } from './context';
import { strategyName, type StrategyClass } from './strategy';

export interface LookaheadReport {
  strategy: string;
  indicators: string[];
  /** The prefix lengths the indicators were recomputed on. */
  cuts: number[];
  ok: true;
}

export function checkLookahead(bars: Bars, S: StrategyClass, params: Record<string, unknown>, cuts = 8): LookaheadReport {
  const n = bars.close.length;
  const name = strategyName(S);
  const full = registered(bars, S, params);
  const points: number[] = [];
  for (let k = 1; k <= cuts; k++) points.push(Math.max(1, Math.round((n * k) / (cuts + 1))));
  for (const len of points) {
    const part = registered(viewRows(bars, 0, len), S, params);
    for (let j = 0; j < full.length; j++) {
      const a = full[j].values, b = part[j]?.values;
      if (!b) continue;
      for (let i = 0; i < len; i++) {
        if (!(a[i] === b[i] || (a[i] !== a[i] && b[i] !== b[i]))) {
          throw new StratlabError('LOOKAHEAD', `${name}: indicator '${full[j].name}' at bar ${i} (${formatTime(bars.time[i])}) is ${a[i]} on the full series but ${b[i]} on the bars up to ${len - 1}: it uses later bars`, {
            hint: 'compute indicators from bars at or before each bar only (no negative shifts, no whole-series statistics)',
          });
        }
      }
    }
  }
  return { strategy: name, indicators: full.map((x) => x.name), cuts: points, ok: true };
}

function registered(bars: Bars, S: StrategyClass, params: Record<string, unknown>): RegisteredIndicator[] {
  const ctx = new InitContext(bars, { i: 0 }, atrProvider(bars));
  new S(params).init(ctx);
  return ctx.indicators;
}
