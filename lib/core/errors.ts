/**
 * The one error type stratlab throws at its boundaries (files, configs, CLI flags).
 * The message always says where (file, row, field) and what was expected; `hint` says what to do.
 */
export type ErrorCode =
  | 'FILE_NOT_FOUND'
  | 'UNSUPPORTED_FORMAT'
  | 'PARSE_ERROR'
  | 'MISSING_COLUMN'
  | 'BAD_TIMESTAMP'
  | 'MIXED_TIME_ZONES'
  | 'UNSORTED'
  | 'DUPLICATE_TIMESTAMP'
  | 'MISSING_VALUE'
  | 'NOT_A_NUMBER'
  | 'NON_POSITIVE_PRICE'
  | 'PRICE_OUT_OF_RANGE'
  | 'HIGH_BELOW'
  | 'LOW_ABOVE'
  | 'NEGATIVE_VOLUME'
  | 'EMPTY_DATA'
  | 'BAD_ARGUMENT'
  | 'BAD_TIMEFRAME'
  | 'SETUP'
  | 'NOTEBOOK'
  | 'CLI_USAGE'
  | 'BAD_PARAMETER'
  | 'UNKNOWN_STRATEGY'
  | 'STRATEGY_ERROR'
  | 'LOOKAHEAD'
  | 'DATABASE'
  /** SQL over a run that is not one read-only SELECT (a write, an escape, a setting, several statements). */
  | 'READ_ONLY'
  /** A run query stopped at a limit: time, memory or result rows. */
  | 'QUERY_LIMIT'
  /** A run's files no longer match the row counts and hashes its run.json recorded. */
  | 'TAMPERED_RUN';

export interface ErrorLocation {
  file?: string;
  /** 1-based data row (the header is not counted). */
  row?: number;
  field?: string;
}

export class StratlabError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly location: ErrorLocation;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; location?: ErrorLocation } = {}) {
    super(message);
    this.name = 'StratlabError';
    this.code = code;
    this.hint = opts.hint;
    this.location = opts.location ?? {};
  }

  /** One line for a terminal: the message, then the hint in parentheses. */
  oneLine(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

export function isStratlabError(e: unknown): e is StratlabError {
  return e instanceof StratlabError;
}
