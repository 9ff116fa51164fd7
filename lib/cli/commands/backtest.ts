/**
 * `stratlab backtest --data FILE --strategy NAME [--params JSON] …`: one run of a built-in strategy.
 * Every flag is checked before the data is loaded; a wrong one is a usage error (exit 2) naming the
 * flag and its value. Data that will not load, a range with no bars, or a strategy that throws exit 1.
 */
import { isStratlabError, StratlabError } from '../../core/errors';
import { loadBars, slice } from '../../data';
import { formatTime } from '../../data/timestamps';
import { ENGINE_DEFAULTS, engine, parseParams, strategyName, type BacktestResult, type FillMode } from '../../engine';
import { formatBacktestingPyStats, type CalendarOption } from '../../metrics';
import { runFromBacktest } from '../../runs/write';
import { listStrategies, strategyByName } from '../../strategies/registry';
import type { CommandSpec } from '../args';
import { choiceFlag, dateFlag, numberFlag, paramsFlag, stringFlag, usageError } from '../flags';
import { LOAD_FLAGS, LOAD_FLAGS_HELP, loadOptionsFromFlags } from '../load-flags';
import { NOTEBOOK_FLAGS, NOTEBOOK_HELP, notebookAfterRun, notebookFlags, notebookJson, notebookLines, runsFlag } from '../run-flags';

const FILLS: readonly FillMode[] = ['close', 'next_open'];
const STATS_STYLES = ['stratlab', 'backtesting.py'] as const;
const CALENDARS = ['auto', 'equities', '24/7', '24/5'] as const satisfies readonly CalendarOption[];
const PARAMS_EXAMPLE = '{"fast":10,"slow":30}';
const D = ENGINE_DEFAULTS;
const DEFAULT_SIZE = 'fraction' in D.sizing ? D.sizing.fraction : 1;

function strategyHelp(): string[] {
  const list = listStrategies();
  const width = Math.max(...list.map((s) => s.name.length));
  return list.flatMap((s) => [
    `  ${s.name.padEnd(width)}  ${s.description}`,
    `  ${' '.repeat(width)}  params ${JSON.stringify(s.defaults)}`,
  ]);
}

function helpDetails(): string[] {
  return [
    'Data:',
    '  --data FILE        a CSV, Parquet or JSON bars file (required)',
    ...LOAD_FLAGS_HELP,
    '  --from DATE        start at the first bar at or after DATE: an ISO date or datetime (2020-01-31, 2020-01-31T15:30:00Z)',
    '  --to DATE          stop at the last bar at or before DATE; a date alone includes that whole day',
    '                     (naive datetimes are read in --timezone, like the file; dates are calendar days)',
    'Strategy:',
    '  --strategy NAME    one of the built-in strategies below, in any spelling: SmaCross, sma_cross, sma-cross (required)',
    `  --params P         its parameters as name=value pairs (--params fast=10,slow=30) or a JSON object`,
    `                     (--params '${PARAMS_EXAMPLE}'); the rest keep their defaults`,
    'Broker (defaults are the engine\'s):',
    `  --cash N           starting cash (default ${D.cash})`,
    `  --spread X         bid-ask spread as a fraction of price, 0 ≤ X < 1: buys pay half above, sells get half below (default ${D.spread}, 3 bp)`,
    `  --commission X     commission as a fraction of each fill's notional, 0 ≤ X < 1 (default ${D.commission})`,
    `  --fill MODE        close: orders fill at the signal bar's close; next_open: at the next bar's open (default ${D.fill})`,
    `  --size FRACTION    fraction of equity each order spends, 0 < FRACTION ≤ 1 (default ${DEFAULT_SIZE})`,
    `  --fractional       allow fractional units (crypto, FX); by default orders are whole units`,
    `  --calendar NAME    how Sharpe and Sortino annualise: auto, equities, 24/7 or 24/5 (default ${D.calendar})`,
    'Output:',
    '  --runs DIR         where the run directory goes: DIR/backtest/<run-id>/ with run.json, strategy_index, traces,',
    '                     trades and equity (default ./runs)',
    '  --no-run           do not write a run directory',
    '  --stats STYLE      stratlab (default) or backtesting.py: backtesting.py\'s statistics table, its rows, names and',
    '                     definitions (Sharpe from geometric daily returns, buy & hold from the end of indicator warm-up, …)',
    ...NOTEBOOK_HELP,
    '  --no-progress      accepted for a uniform command line (a backtest draws no progress bar)',
    '  --json             the whole result as one JSON document: settings, every metric, trades, orders and the equity curve',
    '                     (plus runDir)',
    '  -h, --help         this help',
    '',
    'Built-in strategies (default params):',
    ...strategyHelp(),
    '',
    'Example: stratlab backtest --data GOOG.csv --strategy SmaCross --params fast=10,slow=30 --fill next_open   (alias: stratlab bt)',
    'Exit codes: 0 ran; 1 the data did not load, the range has no bars, or the strategy failed; 2 a flag is wrong.',
  ];
}

export const backtest: CommandSpec = {
  name: 'backtest',
  aliases: ['bt'],
  summary: 'Backtest a built-in strategy on a bars file: metrics and a summary, or the whole result (trades, orders, equity) as JSON.',
  usage: 'stratlab backtest --data FILE --strategy NAME [--params fast=10,slow=30] [--cash N] [--spread X] [--commission X] [--fill close|next_open] ' +
    '[--size FRACTION] [--fractional] [--calendar auto|equities|24/7|24/5] [--from DATE] [--to DATE] [--symbol NAME] [--timeframe TF] [--timezone ZONE] [--runs DIR | --no-run] [--notebook [--kernel ts|python] [--execute] [--html] [--launch]] [--stats stratlab|backtesting.py] [--json]',
  options: {
    data: { type: 'string' },
    strategy: { type: 'string' },
    params: { type: 'string' },
    cash: { type: 'string' },
    spread: { type: 'string' },
    commission: { type: 'string' },
    fill: { type: 'string' },
    size: { type: 'string' },
    fractional: { type: 'boolean' },
    calendar: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    ...LOAD_FLAGS,
    'no-run': { type: 'boolean' },
    runs: { type: 'string' },
    stats: { type: 'string' },
    ...NOTEBOOK_FLAGS,
    'no-progress': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  // A getter: the strategy list is read when --help asks for it, not whenever the CLI starts.
  get details() {
    return helpDetails();
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) {
      throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'give the data file with --data FILE');
    }
    const file = stringFlag(values, 'data');
    if (!file) throw usageError('--data FILE is required', 'see stratlab backtest --help');
    const strategyArg = stringFlag(values, 'strategy');
    if (!strategyArg) throw usageError('--strategy NAME is required', `built-in strategies: ${listStrategies().map((s) => s.name).join(', ')}`);

    // Everything the command line alone can get wrong is refused before the data is read.
    const S = asUsage('--strategy', () => strategyByName(strategyArg));
    const params = paramsFlag('params', stringFlag(values, 'params'), PARAMS_EXAMPLE) ?? {};
    asUsage('--params', () => parseParams(S, params));
    const cash = numberFlag('cash', stringFlag(values, 'cash'), (x) => x > 0, 'an amount > 0');
    const spread = numberFlag('spread', stringFlag(values, 'spread'), (x) => x >= 0 && x < 1, 'a fraction of price, 0 ≤ spread < 1, e.g. 0.0003 for 3 bp');
    const commission = numberFlag('commission', stringFlag(values, 'commission'), (x) => x >= 0 && x < 1, 'a fraction of notional, 0 ≤ commission < 1, e.g. 0.001 for 0.1 %');
    const fill = choiceFlag('fill', stringFlag(values, 'fill'), FILLS);
    const size = numberFlag('size', stringFlag(values, 'size'), (x) => x > 0 && x <= 1, 'a fraction of equity, 0 < size ≤ 1');
    const calendar = choiceFlag('calendar', stringFlag(values, 'calendar'), CALENDARS);
    const loadOptions = loadOptionsFromFlags(values);
    const fromArg = stringFlag(values, 'from'), toArg = stringFlag(values, 'to');
    const from = dateFlag('from', fromArg, 'start', loadOptions.timezone);
    const to = dateFlag('to', toArg, 'end', loadOptions.timezone);
    if (from !== undefined && to !== undefined && from > to) throw usageError(`--from ${fromArg} is after --to ${toArg}`);
    const runsDir = runsFlag(values, 'default');
    const statsStyle = choiceFlag('stats', stringFlag(values, 'stats'), STATS_STYLES) ?? 'stratlab';
    const nbFlags = notebookFlags(values);

    const bars = await loadBars(file, loadOptions);
    if ((from !== undefined || to !== undefined) && slice(bars, from, to).time.length === 0) {
      const flags = [fromArg !== undefined ? `--from ${fromArg}` : '', toArg !== undefined ? `--to ${toArg}` : ''].filter(Boolean).join(' ');
      const n = bars.time.length;
      throw new StratlabError('EMPTY_DATA', `${flags}: no bars in that range`, {
        hint: `${bars.symbol} ${bars.timeframe} runs from ${formatTime(bars.time[0])} to ${formatTime(bars.time[n - 1])}`,
      });
    }

    let e = engine(bars).strategy(S, params);
    if (cash !== undefined) e = e.cash(cash);
    if (spread !== undefined) e = e.spread(spread);
    if (commission !== undefined) e = e.commission(commission);
    if (fill !== undefined) e = e.fill(fill);
    if (size !== undefined) e = e.size(size);
    if (values.fractional) e = e.fractional();
    if (calendar !== undefined) e = e.calendar(calendar);
    if (from !== undefined || to !== undefined) e = e.between(from, to);
    const result = e.run();
    const written = runsDir !== null ? await runFromBacktest(result, { runsDir, configName: 'backtest', data: [bars], paths: [file], config: { data: file, strategy: strategyName(S), params } }) : null;

    const btpy = statsStyle === 'backtesting.py' ? result.stats({ style: 'backtesting.py' }) : null;
    const nb = await notebookAfterRun(written?.dir ?? null, nbFlags, io, !!values.json);
    if (values.json) {
      const json: Record<string, unknown> = { ...result.toJSON(), ...(btpy ? { backtestingPyStats: finiteOrNull(btpy) } : {}) };
      io.out(JSON.stringify(written ? { ...json, runDir: written.dir, notebook: notebookJson(nb) } : json, null, 2));
    } else {
      const table = btpy ? formatBacktestingPyStats(btpy) : result.toString();
      io.out([`${table}\n\n${tradesLine(result)}${written ? `\nRun written to ${written.dir}` : ''}`, ...notebookLines(nb)].join('\n'));
    }
    return 0;
  },
};

/** JSON has no NaN: backtesting.py prints those as NaN, --json as null. */
function finiteOrNull(stats: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stats)) out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  return out;
}

/** Runs `check`; a StratlabError it throws becomes a usage error naming the flag. */
function asUsage<T>(flag: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (!isStratlabError(e)) throw e;
    const err = usageError(`${flag}: ${e.message}`, e.hint);
    (err as Error & { cause?: unknown }).cause = e;
    throw err;
  }
}

/** `Trades: 66 (33 long, 33 short; 31 won, 35 lost; 1 closed at the end of the data); --json lists …` */
function tradesLine(res: BacktestResult): string {
  const t = res.trades;
  if (t.length === 0) return 'Trades: none (the strategy never traded in this range)';
  const long = t.filter((x) => x.side === 'long').length;
  const won = t.filter((x) => x.pnl > 0).length;
  const atEnd = t.filter((x) => x.exitReason === 'end').length;
  const end = atEnd > 0 ? `; ${atEnd} closed at the end of the data` : '';
  return `Trades: ${t.length} (${long} long, ${t.length - long} short; ${won} won, ${t.length - won} lost${end}); --json lists every trade, order and equity point`;
}
