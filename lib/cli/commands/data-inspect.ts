import { formatInspectReport, inspectBars } from '../../data';
import type { CommandSpec } from '../args';

export const dataInspect: CommandSpec = {
  name: 'data inspect',
  summary: 'Rows, time range, detected timeframe, gaps and problems of a CSV, Parquet or JSON bar file.',
  usage: 'stratlab data inspect FILE [--json]',
  options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  details: ['Exits 0 when the file loads cleanly, 1 when problems were found (they are listed, not thrown).'],
  async run(values, positionals, io) {
    if (positionals.length !== 1) {
      io.err('stratlab data inspect: expected exactly one FILE (usage: stratlab data inspect FILE [--json])');
      return 2;
    }
    const report = await inspectBars(positionals[0]);
    io.out(values.json ? JSON.stringify(report, null, 2) : formatInspectReport(report));
    return report.problems.total > 0 ? 1 : 0;
  },
};
