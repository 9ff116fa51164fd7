/** Overfitting statistics: deflated Sharpe, Probability of Backtest Overfitting, bootstrap Sharpe intervals. */
export {
  probabilisticSharpe, expectedMaxSharpe, deflatedSharpe, annualisedToPeriod, EULER_MASCHERONI,
  type ProbabilisticSharpeInput, type ExpectedMaxSharpeInput, type DeflatedSharpeInput, type DeflatedSharpeResult,
} from './deflated-sharpe';
export { pbo, pboFromBlocks, revolvingDoor, type PboMetric, type PboOptions, type PboResult } from './pbo';
export { bootstrapSharpe, type BootstrapSharpeOptions, type BootstrapSharpeResult } from './bootstrap';
