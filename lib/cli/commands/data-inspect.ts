import { formatInspectReport, inspectBars } from '../../data';
import type { CommandSpec } from '../args';

export const dataInspect: CommandSpec = {
  name: 'data inspect',
  summary: 'Rows, time range, detected timeframe, gaps and problems of a CSV, Parquet or JSON bar file.',
  usage: 'stratlab data inspect FILE [--timezone ZONE] [--json]',
  options: { timezone: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  details: [
    'Exits 0 when the file loads cleanly, 1 when problems were found (they are listed, not thrown).',
    '--timezone: the IANA zone naive datetimes are written in (default UTC), e.g. America/New_York.',
  ],
  async run(values, positionals, io) {
    if (positionals.length !== 1) {
      io.err(`stratlab data inspect: expected exactly one FILE (usage: ${this.usage})`);
      return 2;
    }
    const report = await inspectBars(positionals[0], { timezone: values.timezone as string | undefined });
    io.out(values.json ? JSON.stringify(report, null, 2) : formatInspectReport(report));
    return report.problems.total > 0 ? 1 : 0;
  },
};
