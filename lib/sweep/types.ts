/**
 * What a sweep produces for each combination, and the store it writes to. The tracker (to the right)
 * implements ExperimentStore; the sweep only knows this interface.
 */

/** The metrics the experiments table keeps (docs/experiments.md §1.2), in the engine's units. */
export interface ExperimentMetrics {
  returnPct: number;
  annualisedReturn: number;
  /** ≤ 0, in percent, as the engine reports it (−12.5 is a 12.5 % drawdown). */
  maxDrawdown: number;
  totalTrades: number;
  tradesPerYear: number;
  /** A fraction, 0..1. */
  winRate: number;
  profitFactor: number;
  sharpe: number;
}

/** One combination's outcome: a row of the experiments table before it has an id. */
export interface ExperimentRecord {
  /** Groups related runs: 'sweep_001', 'llm_iter_003'. */
  experimentId: string;
  strategy: string;
  /** 'existing' (built-in or module), 'composable', 'llm_generated', 'notebook'. */
  strategySource: string;
  symbol: string;
  timeframe: string;
  /** Validated parameters, defaults filled in, as plain JSON values. */
  params: Record<string, unknown>;
  /** paramsHash(params): the canonical hash. */
  paramsHash: string;
  /** 'failed' when the backtest threw; `error` then says why and metrics are absent. */
  status: 'ok' | 'failed';
  error?: string;
  metrics?: ExperimentMetrics;
  /** Sharpe, or the sweep's composite score; −999 when disqualified by too few trades, NaN-free. */
  score: number;
  /** The names of the disqualification rules the result failed (empty when it passed them all). */
  disqualified: string[];
  /** The data period the run covered, 'YYYY-MM-DD:YYYY-MM-DD'. */
  trainPeriod?: string;
  testPeriod?: string;
  spread: number;
  /** 0: fills at the signal bar's close; 1: at the next bar's open. */
  executionDelay: 0 | 1;
  /** Commission, a fraction of notional per fill (default 0). */
  commission?: number;
  /**
   * A hash of the bars the run saw (a sweep sets it: see dataFingerprint in lib/sweep/fingerprint.ts);
   * without one the stored row is identified by its trainPeriod.
   */
  dataFingerprint?: string;
  parentExperimentId?: string;
  /**
   * The run's per-bar returns summed over RETURN_BLOCKS equal blocks of bars, for the Probability
   * of Backtest Overfitting (CSCV needs only these moments, not whole equity curves). Layout:
   * [sum_0..sum_{S−1}, sumSq_0..sumSq_{S−1}, count_0..count_{S−1}].
   */
  blocks?: Float64Array;
}

/** How many blocks a sweep cuts each run's returns into for CSCV (an even number; 16 as in the paper). */
export const RETURN_BLOCKS = 16;

/** Identifies a slice of the search space for resuming: which combinations are already stored. */
export interface TestedQuery {
  strategy: string;
  symbol: string;
  timeframe: string;
  /** When given, only rows over this data period (trainPeriod) count. */
  period?: string;
  spread?: number;
  executionDelay?: 0 | 1;
  commission?: number;
  /** When given, only rows over these bars (or, for rows without a fingerprint, over `period`) count. */
  dataFingerprint?: string;
}

/** Where a sweep commits its results; the tracker is one. */
export interface ExperimentStore {
  /** Stores records in one transaction (all or none). */
  saveMany(records: readonly ExperimentRecord[]): unknown;
  /** The stored records of that slice, by params hash (the latest row wins). */
  testedRecords(query: TestedQuery): Map<string, ExperimentRecord>;
  /** The stored records of that slice among these params hashes only (a sweep asks chunk by chunk, so memory stays flat). */
  storedRecords?(query: TestedQuery, hashes: readonly string[]): Map<string, ExperimentRecord>;
  /** Chunk claims, so that concurrent sweeps of one experiment share the work (see ChunkClaims). */
  claims?(): ChunkClaims;
}

/** What claiming a chunk found: it is ours to run, another live sweep is running it, or it is done. */
export type ClaimState = 'mine' | 'busy' | 'done';

/**
 * Chunks of a sweep, claimed through the store so that several processes running the same sweep
 * split it. A claim is a lease renewed while the chunk runs; a claim whose lease ran out, or whose
 * process is gone, is taken over.
 */
export interface ChunkClaims {
  /** Claims chunk `chunk` of the sweep `key` for this owner, unless someone else holds a live claim or it is done. */
  claim(key: string, chunk: number): ClaimState;
  /** Extends this owner's leases on these chunks. */
  renew(key: string, chunks: readonly number[]): void;
  /** Gives up this owner's claims on chunks that did not finish (an interrupted sweep), so others need not wait for the lease. */
  release(key: string, chunks: readonly number[]): void;
  /** Saves records and marks chunks done, in one transaction. */
  saveAndFinish(records: readonly ExperimentRecord[], done: readonly { key: string; chunk: number }[]): void;
  /** Forgets a finished sweep's claims unless another sweep still holds one (the results are in the experiments table). */
  forget(key: string): void;
}
