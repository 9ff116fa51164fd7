/** Built-in strategies by name, for the CLI, configs and sweeps. */
import { StratlabError } from '../core/errors';
import { nearest } from '../data/options';
import { parameterDefaults, type StrategyClass } from '../engine';
import { BollingerBreakout } from './bollinger-breakout';
import { DonchianBreakout } from './donchian-breakout';
import { MACDBollinger } from './macd-bollinger';
import { RegimeGated } from './regime-gated';
import { SmaCross } from './sma-cross';
import { StochRSIMeanReversion } from './stoch-rsi-mean-reversion';

let BUILT_IN: Record<string, StrategyClass> | undefined;

/**
 * Every built-in strategy by name. Built on first use, not at load: regime-gated.ts imports this
 * module (to resolve the strategy it wraps), so when it is loaded first this module runs before
 * the RegimeGated class exists.
 */
function builtIns(): Record<string, StrategyClass> {
  return (BUILT_IN ??= {
    SmaCross,
    DonchianBreakout,
    BollingerBreakout,
    MACDBollinger,
    StochRSIMeanReversion,
    RegimeGated,
  });
}

/** The built-in strategy called `name` (case-insensitive), or UNKNOWN_STRATEGY with a suggestion. */
export function strategyByName(name: string): StrategyClass {
  const all = builtIns();
  // SmaCross, smaCross, sma_cross, sma-cross and SMA_CROSS all name the same strategy.
  const key = (k: string) => k.toLowerCase().replace(/[-_\s]/g, '');
  const hit = Object.keys(all).find((k) => key(k) === key(name));
  if (hit) return all[hit];
  const near = nearest(name, Object.keys(all));
  throw new StratlabError('UNKNOWN_STRATEGY', `unknown strategy '${name}'.` + (near ? ` Did you mean '${near}'?` : ''), {
    hint: `built-in strategies: ${Object.keys(all).join(', ')}`,
  });
}

export interface StrategyInfo {
  name: string;
  description: string;
  defaults: Record<string, unknown>;
}

/** Every built-in strategy with its one-line description and default parameters. */
export function listStrategies(): StrategyInfo[] {
  return Object.entries(builtIns()).map(([name, S]) => ({ name, description: S.description ?? '', defaults: parameterDefaults(S) }));
}

