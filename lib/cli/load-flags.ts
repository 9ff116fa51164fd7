/** The flags that say how to read a bars file (`--symbol`, `--timeframe`, `--timezone`), for any command that loads one. */
import type { LoadOptions } from '../data';
import { timeframeLabel, timeZoneName } from '../data/options';
import type { CommandSpec } from './args';
import { stringFlag, usageError } from './flags';

export const LOAD_FLAGS: CommandSpec['options'] = {
  symbol: { type: 'string' },
  timeframe: { type: 'string' },
  timezone: { type: 'string' },
};

export const LOAD_FLAGS_HELP = [
  '  --symbol NAME      the symbol to report (default: from the file name, GOOG.csv → GOOG)',
  "  --timeframe TF     the bars' timeframe when detection gets it wrong: 1m, 5m, 1h, 1d, 1w, 1M (labels, does not resample)",
  '  --timezone ZONE    the IANA zone naive datetimes are written in (default UTC), e.g. America/New_York',
];

/** loadBars options from the flags, each checked here so the error names the flag. */
export function loadOptionsFromFlags(values: Record<string, unknown>): LoadOptions {
  const opts: LoadOptions = {};
  const symbol = stringFlag(values, 'symbol');
  if (symbol !== undefined) {
    if (symbol.trim() === '') throw usageError('--symbol: expected a symbol name, got ""');
    opts.symbol = symbol;
  }
  const timeframe = stringFlag(values, 'timeframe');
  if (timeframe !== undefined) {
    if (!timeframeLabel.safeParse(timeframe).success) {
      throw usageError(`--timeframe ${JSON.stringify(timeframe)} is not a timeframe`, "expected a timeframe such as '1m', '5m', '1h', '1d', '1w' or '1M'");
    }
    opts.timeframe = timeframe;
  }
  const timezone = stringFlag(values, 'timezone');
  if (timezone !== undefined) {
    if (!timeZoneName.safeParse(timezone).success) {
      throw usageError(`--timezone ${JSON.stringify(timezone)} is not a time zone`, "expected an IANA time zone such as 'America/New_York'");
    }
    opts.timezone = timezone;
  }
  return opts;
}
