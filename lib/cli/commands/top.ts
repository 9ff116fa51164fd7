/**
 * `stratlab top`: the tracker's best candidates by score, as a table, JSON, or the plain-text digest
 * written for an LLM prompt (--summary). Reads the database only; it never creates one.
 */
import { listStrategies } from '../../strategies/registry';
import { DISQUALIFICATION_RULES } from '../../sweep';
import { costModelLabel, resolveCostModel, VALIDATION_STATUSES, type CostModelOption, type ExperimentRow, type ValidationStatus } from '../../tracker';
import type { CommandSpec } from '../args';
import { loadConfig, openExistingTracker, trackerPathFor, type ResearchConfig } from '../config';
import { choiceFlag, numberFlag, stringFlag, usageError } from '../flags';

const STATUSES = [...VALIDATION_STATUSES, 'any'] as const;

export const top: CommandSpec = {
  name: 'top',
  summary: 'The best experiments in the tracker by score (any validation status by default), or a digest for an LLM (--summary).',
  usage: 'stratlab top [-n N] [--db PATH] [--config FILE] [--experiment ID] [--strategy NAME] [--symbol S] ' +
    '[--status passed|marginal|rejected|pending|any] [--min-trades N] [--include-disqualified] [--spread X] [--delay 0|1] [--mix-costs] [--summary] [--json]',
  options: {
    n: { type: 'string', short: 'n' },
    db: { type: 'string' },
    config: { type: 'string' },
    experiment: { type: 'string' },
    strategy: { type: 'string' },
    symbol: { type: 'string' },
    status: { type: 'string' },
    'min-trades': { type: 'string' },
    'include-disqualified': { type: 'boolean' },
    spread: { type: 'string' },
    delay: { type: 'string' },
    'mix-costs': { type: 'boolean' },
    summary: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    '  -n N                   how many rows (default 10)',
    '  --db PATH              the experiments database (default: the config\'s tracker, else $STRATLAB_DB, else ./research.db)',
    '  --config FILE          take the database and the experiment id from a research config',
    '  --experiment ID        only this experiment (default: the config\'s, when --config is given; else all)',
    '  --strategy NAME        only this strategy',
    '  --symbol S             only this symbol',
    '  --status STATUS        passed, marginal, rejected, pending or any (default any: right after a sweep nothing is',
    '                         validated yet; after stratlab validate, --status passed shows the survivors)',
    `  --min-trades N         fewest trades a row needs (default: the config's rules.minTrades, else ${DISQUALIFICATION_RULES.minTrades}, the default rule)`,
    '  --include-disqualified also rows that failed a disqualification rule (left out by default)',
    '  --spread X, --delay D  rank rows of this cost model (spread as a fraction; delay 0 fills at the close, 1 at the',
    '                         next open). Default: the config\'s settings, else the live-matched 0.0003 and 0',
    '  --mix-costs            rank rows of every cost model together, each labelled with its own',
    '  --summary              the plain-text digest for an LLM prompt: top strategies, failures, untested combinations',
    '  --json                 the rows as JSON (camelCase); with --summary, { summary: text }',
    '  -h, --help             this help',
    '',
    'Rows run under different costs do not compare (a zero-spread run outranks the honest one): rankings stay in one',
    'cost model, named in the caption, unless --mix-costs.',
    'Example: stratlab top -n 5 --experiment sma_goog_001 --status passed',
    'Exit codes: 0 shown (even when no row matches); 1 the database is missing or unreadable; 2 a flag is wrong.',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'see stratlab top --help');
    const n = numberFlag('n', stringFlag(values, 'n'), (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1') ?? 10;
    const status = choiceFlag('status', stringFlag(values, 'status'), STATUSES) ?? 'any';
    const minTradesFlag = numberFlag('min-trades', stringFlag(values, 'min-trades'), (x) => Number.isInteger(x) && x >= 0, 'a whole number ≥ 0');
    const configFile = stringFlag(values, 'config');
    const config: ResearchConfig | undefined = configFile ? loadConfig(configFile) : undefined;
    // The config's rules are what the sweep disqualified by; its minTrades is the natural floor here too.
    const minTrades = minTradesFlag ?? config?.rules?.minTrades;
    const costModel = costModelFlags(values, config);
    const dbPath = trackerPathFor(stringFlag(values, 'db'), config);
    const experimentId = stringFlag(values, 'experiment') ?? config?.experiment;

    const tracker = openExistingTracker(dbPath);
    try {
      if (values.summary) {
        const text = tracker.getSummaryForLLM(n, { strategies: listStrategies().map((s) => s.name), minTrades, costModel });
        io.out(values.json ? JSON.stringify({ tracker: dbPath, summary: text }, null, 2) : text);
        return 0;
      }
      const opts = {
        validationStatus: status as ValidationStatus | 'any', minTrades, experimentId,
        strategy: stringFlag(values, 'strategy'), symbol: stringFlag(values, 'symbol'), includeDisqualified: !!values['include-disqualified'], costModel,
      };
      const model = resolveCostModel(costModel);
      const rows = tracker.getTopCandidates(n, opts);
      if (values.json) {
        io.out(JSON.stringify({
          tracker: dbPath, filters: { ...opts, minTrades: minTrades ?? DISQUALIFICATION_RULES.minTrades, costModel: model ?? 'all' },
          count: rows.length, rows: rows.map((r) => ({ ...rowJson(r), costModel: costModelLabel(r) })),
        }, null, 2));
        return 0;
      }
      io.out(`cost model: ${model ? costModelLabel(model) : 'all, mixed (the costs column says each row\'s)'}\n${rows.toText()}`);
      if (rows.length === 0) {
        // Say why nothing matched: usually the status (nothing validated yet) or the disqualification rules.
        const scope = { experimentId, strategy: opts.strategy, symbol: opts.symbol, status: 'ok' } as const;
        const inStatus = status === 'any' ? scope : { ...scope, validationStatus: status };
        const all = tracker.experiments().where(scope).count();
        const matching = tracker.experiments().where(inStatus).count();
        const dq = tracker.experiments().where({ ...inStatus, disqualified: true }).count();
        if (all === 0) io.out(`no experiments${experimentId ? ` of ${experimentId}` : ''} in ${dbPath}`);
        else if (matching === 0) io.out(`no rows with validation status '${status}'${status === 'pending' ? '' : ' (stratlab validate records verdicts)'}; --status any shows every row`);
        else if (dq > 0 && !opts.includeDisqualified) io.out(`${dq} of ${matching} rows failed a disqualification rule: --include-disqualified shows them`);
        if (model) {
          const inModel = tracker.experiments().where({ ...inStatus, spread: model.spread, executionDelay: model.executionDelay }).count();
          if (matching > inModel) io.out(`${matching - inModel} of ${matching} rows ran under other cost models: --mix-costs ranks them together (labelled), --spread/--delay picks one`);
        }
      }
      return 0;
    } finally {
      tracker.close();
    }
  },
};

/** A row for --json: NaN metrics as null, the return blocks (a binary column for PBO) left out. */
export function rowJson(r: ExperimentRow): Record<string, unknown> {
  const { blocks: _blocks, metrics, ...rest } = r;
  const m: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metrics ?? {})) m[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  return { ...rest, score: Number.isFinite(r.score) ? r.score : null, metrics: m };
}

/**
 * The cost model to rank in: --mix-costs for all; --spread / --delay for one (the rest from the
 * config, else live-matched); else the config's settings (what its sweep ran with); else 'live'.
 */
export function costModelFlags(values: Record<string, unknown>, config: ResearchConfig | undefined): CostModelOption {
  const spread = numberFlag('spread', stringFlag(values, 'spread'), (x) => x >= 0 && x < 1, 'a spread as a fraction of price, 0 ≤ spread < 1 (0.0003 is 3 bp)');
  const delay = numberFlag('delay', stringFlag(values, 'delay'), (x) => x === 0 || x === 1, '0 (fill at the close) or 1 (at the next open)') as 0 | 1 | undefined;
  if (values['mix-costs']) {
    if (spread !== undefined || delay !== undefined) throw usageError('--mix-costs ranks every cost model together: leave out --spread and --delay');
    return 'all';
  }
  if (spread === undefined && delay === undefined && !config) return 'live';
  const fromConfig = configCostModel(config);
  return { spread: spread ?? fromConfig.spread, executionDelay: delay ?? fromConfig.executionDelay };
}

/** The cost model a config's sweep records: its settings' spread and fill, else the engine's defaults. */
export function configCostModel(config: ResearchConfig | undefined): { spread: number; executionDelay: 0 | 1 } {
  const live = resolveCostModel('live')!;
  const s = config?.settings ?? {};
  return { spread: s.spread ?? live.spread, executionDelay: s.fill === undefined ? live.executionDelay : s.fill === 'next_open' ? 1 : 0 };
}
