/**
 * Built-in strategies: `strategies.SmaCross`, … Each declares its parameters as a zod schema with
 * defaults, and its rules in the class comment (and in the README).
 */
export { SmaCross } from './sma-cross';
export { DonchianBreakout } from './donchian-breakout';
export { BollingerBreakout } from './bollinger-breakout';
export { MACDBollinger } from './macd-bollinger';
export { StochRSIMeanReversion } from './stoch-rsi-mean-reversion';
export { RegimeGated } from './regime-gated';
export { strategyByName, listStrategies, type StrategyInfo } from './registry';
