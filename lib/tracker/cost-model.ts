/**
 * Cost models in the experiments table: the `spread` and `execution_delay` columns (docs/experiments.md §3).
 * Rankings (getTopCandidates, getSummaryForLLM, `stratlab top`) compare rows of one cost model only — by
 * default the live-matched one (spread 0.0003, fills at the signal bar's close) — because a run
 * with no spread outranks the same strategy run honestly. Mixing is asked for with 'all', and then
 * every row carries its cost model. Commission is part of a row's identity (schema version 2) but not
 * of the cost model rankings filter on, so two runs that differ only in commission share one here.
 */
import { ENGINE_DEFAULTS } from '../engine/builder';

export interface CostModel {
  /** Bid-ask spread as a fraction of price (NaN: not recorded, an older row). */
  spread: number;
  /** 0: fills at the signal bar's close; 1: at the next bar's open. */
  executionDelay: 0 | 1;
}

/** 'live' (the default): the live-matched model; 'all': every model, each row labelled; or one model. */
export type CostModelOption = 'live' | 'all' | { spread: number; executionDelay?: 0 | 1 };

/** The live-matched model: spread 0.0003, delay 0 (the engine's defaults; docs/execution.md §2.1). */
export const LIVE_COST_MODEL: Readonly<CostModel> = Object.freeze({ spread: ENGINE_DEFAULTS.spread, executionDelay: ENGINE_DEFAULTS.fill === 'close' ? 0 : 1 });

/** The one model an option ranks in, or null for 'all'. */
export function resolveCostModel(option: CostModelOption | undefined): CostModel | null {
  if (option === undefined || option === 'live') return LIVE_COST_MODEL;
  if (option === 'all') return null;
  return { spread: option.spread, executionDelay: option.executionDelay ?? 0 };
}

/** 'spread 0.0003, fill close'; '(live-matched)' is added for the default model. */
export function costModelLabel(m: { spread: number | null; executionDelay: number | null }): string {
  const spread = m.spread === null || Number.isNaN(m.spread) ? 'spread unknown' : `spread ${m.spread}`;
  const fill = m.executionDelay === 1 ? 'fill next_open' : 'fill close';
  const live = m.spread === LIVE_COST_MODEL.spread && (m.executionDelay ?? 0) === LIVE_COST_MODEL.executionDelay;
  return `${spread}, ${fill}${live ? ' (live-matched)' : ''}`;
}

/** The short label of a table cell: '0.0003 close'. */
export function costCell(m: { spread: number; executionDelay: number }): string {
  return `${Number.isNaN(m.spread) ? '?' : m.spread} ${m.executionDelay === 1 ? 'next_open' : 'close'}`;
}
