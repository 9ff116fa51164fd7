/**
 * `stratlab validate (--id ID | --top N) --config FILE`: the validation pipeline of docs/validation.md §3 (disqualification,
 * holdout, walk-forward, overfitting statistics, related symbols) on tracked experiments, with the
 * config's data and validation options; each verdict is written back to the tracker.
 */
import type { Bars } from '../../core/bars';
import { StratlabError } from '../../core/errors';
import { resample } from '../../data';
import type { EngineOptions } from '../../engine';
import type { ExperimentRow, ExperimentTracker } from '../../tracker';
import { validateExperiment, type ValidateExperimentOptions, type ValidationReport } from '../../validation';
import type { CommandSpec } from '../args';
import { configCostModel } from './top';
import { loadConfig, loadConfigData, openExistingTracker, trackerPathFor, type ResearchConfig } from '../config';
import { choiceFlag, numberFlag, stringFlag, usageError } from '../flags';

export const validate: CommandSpec = {
  name: 'validate',
  summary: 'Validate tracked experiments (holdout, walk-forward, deflated Sharpe, PBO, related symbols) and record the verdicts.',
  usage: 'stratlab validate (--id ID | --top N) --config FILE [--db PATH] [--experiment ID] [--status pending|any] [--json]',
  options: {
    id: { type: 'string' },
    top: { type: 'string' },
    config: { type: 'string' },
    db: { type: 'string' },
    experiment: { type: 'string' },
    status: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    '  --id ID            validate this experiment row (ids: stratlab top)',
    '  --top N            validate the N best rows by score that pass the disqualification rules',
    '  --config FILE      the research config: its data (+ validation.data for related symbols), rules, settings and',
    '                     validation options (holdout, walkForward, related, multiAsset, overfitting)',
    '  --db PATH          the experiments database (default: the config\'s tracker, else $STRATLAB_DB, else ./research.db)',
    '  --experiment ID    with --top: rows of this experiment (default: the config\'s experiment)',
    '  --status S         with --top: pending (default: not validated yet) or any (validate again)',
    '  --json             { tracker, reports: [{ id, status, reason, holdout, walkForward, … }] }',
    '  -h, --help         this help',
    '',
    'Rows are validated with the costs they were swept with (their spread and fill). When the data runs past',
    'the period a row was swept on (config between), the holdout tests on the data after it.',
    'Example: stratlab validate --top 5 --config configs/sma-cross-goog.yaml && stratlab top --status passed',
    'Exit codes: 0 validated (whatever the verdicts); 1 the data or the database failed; 2 a flag or the config is wrong.',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'see stratlab validate --help');
    const id = numberFlag('id', stringFlag(values, 'id'), (x) => Number.isInteger(x) && x >= 1, 'an experiment id (a whole number ≥ 1)');
    const n = numberFlag('top', stringFlag(values, 'top'), (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
    if ((id === undefined) === (n === undefined)) throw usageError(id === undefined ? 'say which rows: --id ID or --top N' : 'give --id or --top, not both');
    const status = choiceFlag('status', stringFlag(values, 'status'), ['pending', 'any'] as const) ?? 'pending';
    if (values.status !== undefined && id !== undefined) throw usageError('--status goes with --top (--id validates that row whatever its status)');
    const file = stringFlag(values, 'config');
    if (!file) throw usageError('--config FILE is required: validation needs the data the rows were swept on', 'see stratlab validate --help');
    const config = loadConfig(file);
    const dbPath = trackerPathFor(stringFlag(values, 'db'), config);
    const experimentId = stringFlag(values, 'experiment') ?? config.experiment;

    const tracker = openExistingTracker(dbPath);
    try {
      let rows: ExperimentRow[];
      if (id !== undefined) {
        const row = tracker.get(id);
        if (!row) throw new StratlabError('BAD_ARGUMENT', `--id ${id}: ${dbPath} has no experiment with that id`, { hint: 'ids are in the first column of stratlab top' });
        rows = [row];
      } else {
        // The config's cost model: the rows its sweep wrote, not others run with other costs.
        rows = [...tracker.getTopCandidates(n!, { validationStatus: status, experimentId, minTrades: config.rules?.minTrades, costModel: configCostModel(config) })];
        if (rows.length === 0) {
          const what = `${status === 'pending' ? 'not-yet-validated ' : ''}rows${experimentId ? ` of ${experimentId}` : ''} passing the disqualification rules`;
          io.out(values.json ? JSON.stringify({ tracker: dbPath, reports: [] }, null, 2) : `nothing to validate: no ${what} in ${dbPath}${status === 'pending' ? ' (--status any validates again)' : ''}`);
          return 0;
        }
      }
      const data = await loadConfigData([...config.data, ...config.validationData]);
      const reports = validateRows(tracker, rows, data, config);
      if (values.json) {
        io.out(JSON.stringify({ tracker: dbPath, reports: reports.map(({ row, report }) => ({ id: row.id, experimentId: row.experimentId, ...report.toJSON() })) }, null, 2));
      } else {
        io.out(reports.map(({ row, report }) => `#${row.id} (${row.experimentId})  ${report.toString()}`).join('\n\n'));
        const count = (s: string) => reports.filter((r) => r.report.status === s).length;
        io.out(`\nValidated ${reports.length}: ${count('passed')} passed, ${count('marginal')} marginal, ${count('rejected')} rejected; recorded in ${dbPath}`);
      }
      return 0;
    } finally {
      tracker.close();
    }
  },
};

function validateRows(tracker: ExperimentTracker, rows: ExperimentRow[], loaded: Record<string, Bars>, config: ResearchConfig) {
  const v = config.validation;
  // The row's own spread and fill are how it was swept; the config's other settings (cash, size, …) apply.
  const { spread: _spread, fill: _fill, ...settings } = config.settings as EngineOptions;
  const opts: Omit<ValidateExperimentOptions, 'data'> = {
    settings,
    rules: config.rules,
    ...(v.holdout ? { holdout: v.holdout } : {}),
    ...(v.walkForward !== undefined ? { walkForward: v.walkForward } : {}),
    ...(v.related ? { universe: v.related } : {}),
    ...(v.multiAsset ? { multiAsset: v.multiAsset } : {}),
    ...(v.overfitting ? { overfitting: v.overfitting } : {}),
  };
  const byTimeframe = new Map<string, Record<string, Bars>>();
  return rows.map((row) => {
    const symbol = Object.keys(loaded).find((s) => s.toUpperCase() === row.symbol.toUpperCase());
    if (!symbol) {
      throw new StratlabError('BAD_ARGUMENT', `experiment ${row.id} is on ${row.symbol}, which ${config.file} has no data for (it has ${Object.keys(loaded).join(', ')})`, {
        hint: `add ${row.symbol} under data or validation.data`,
      });
    }
    let data = byTimeframe.get(row.timeframe);
    if (!data) byTimeframe.set(row.timeframe, (data = atTimeframe(loaded, row.timeframe)));
    if (!data[symbol]) {
      throw new StratlabError('BAD_ARGUMENT', `experiment ${row.id} was swept on ${row.symbol} ${row.timeframe}; the config's ${row.symbol} data (${loaded[symbol].timeframe}) cannot be resampled to it`);
    }
    const report: ValidationReport = validateExperiment(tracker, row.id, { ...opts, data });
    return { row, report };
  });
}

/** The bars of every symbol at `tf` (resampled when coarser); symbols that cannot be are left out. */
function atTimeframe(loaded: Record<string, Bars>, tf: string): Record<string, Bars> {
  const out: Record<string, Bars> = {};
  for (const [symbol, bars] of Object.entries(loaded)) {
    if (bars.timeframe === tf) out[symbol] = bars;
    else {
      try {
        out[symbol] = resample(bars, tf);
      } catch {
        // a finer timeframe than the file's: not usable for this row
      }
    }
  }
  return out;
}
