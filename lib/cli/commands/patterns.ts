/**
 * `stratlab patterns list | test | discover`: the pattern library (saved_patterns/patterns.yaml) from
 * the shell. Success rates shown are always measured (share of matched signals followed by a move in
 * their direction over the horizon); entries of the file that cannot be read are warned about.
 */
import { StratlabError } from '../../core/errors';
import { DEFAULT_LIBRARY, PatternLibrary, problemText } from '../../patterns/library';
import { PatternDiscovery, type PatternTest } from '../../patterns/discovery';
import { patternJson, type Pattern } from '../../patterns/pattern';
import { textTable } from '../../viz/table';
import type { CliIO, CommandSpec } from '../args';
import { numberFlag, stringFlag, usageError } from '../flags';
import { READ_RUN_FLAGS, READ_RUN_HELP, runFlag } from '../run-flags';

const LIBRARY_HELP = `  --library FILE     the pattern library (default ${DEFAULT_LIBRARY})`;

function noPositionals(positionals: string[], command: string): void {
  if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`, `see stratlab ${command} --help`);
}

function openLibrary(values: Record<string, unknown>, io: CliIO, json: boolean): PatternLibrary {
  const lib = new PatternLibrary(stringFlag(values, 'library') ?? DEFAULT_LIBRARY);
  // In --json the problems travel in the JSON; a warning on stderr would be said twice.
  if (!json) for (const p of lib.problems) io.err(`warning: ${problemText(p)}`);
  return lib;
}

function horizonFlag(values: Record<string, unknown>): number | undefined {
  return numberFlag('horizon', stringFlag(values, 'horizon'), (x) => Number.isInteger(x) && x >= 1, 'a whole number of bars ≥ 1');
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);

function patternRow(p: Pattern): Record<string, unknown> {
  return {
    name: p.name, type: p.metadata.strategyType ?? '', success: pct(p.successRate), sample: p.sampleSize,
    horizon: p.horizon ?? '—', run: p.measurement?.runId ?? '', description: p.description.length > 60 ? p.description.slice(0, 59) + '…' : p.description,
  };
}

export const patternsList: CommandSpec = {
  name: 'patterns list',
  summary: 'The saved patterns, with their measured success rates; filter by strategy type or success rate.',
  usage: 'stratlab patterns list [--library FILE] [--strategy-type T] [--min-success X] [--json]',
  options: {
    library: { type: 'string' },
    'strategy-type': { type: 'string' },
    'min-success': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    LIBRARY_HELP,
    '  --strategy-type T  patterns of this strategy type (bollinger_bands, breakout, momentum, mean_reversion, ensemble,',
    "                     generic) and those marked 'all'",
    '  --min-success X    only measured patterns with a success rate ≥ X (0.6 or 60%)',
    '  --json             { library, count, patterns: [...], problems: [{ file, line, message }] }',
    '  -h, --help         this help',
    '',
    'Example: stratlab patterns list --strategy-type momentum --min-success 0.55',
    'Exit codes: 0 listed (also when none match, or the file does not exist yet); 1 the file is unreadable; 2 a flag is wrong.',
  ],
  async run(values, positionals, io) {
    noPositionals(positionals, 'patterns list');
    const minSuccess = shareFlag(stringFlag(values, 'min-success'));
    const strategyType = stringFlag(values, 'strategy-type');
    const json = !!values.json;
    const lib = openLibrary(values, io, json);
    const found = strategyType !== undefined || minSuccess !== undefined ? lib.search({ strategyType, minSuccessRate: minSuccess }) : lib.list();
    if (json) {
      io.out(JSON.stringify({ library: lib.file, count: found.length, patterns: found.map(patternJson), problems: lib.problems }, null, 2));
      return 0;
    }
    if (found.length === 0) {
      io.out(lib.list().length === 0 ? `no patterns in ${lib.file}` : `no pattern matches (${lib.list().length} in ${lib.file})`);
      return 0;
    }
    io.out(`${textTable(found.map(patternRow))}\n(${found.length} of ${lib.list().length} patterns in ${lib.file})`);
    return 0;
  },
};

/** 0.6, or 60% / 60 % as a percentage. */
function shareFlag(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^\s*(.*?)\s*%\s*$/.exec(raw);
  const x = numberFlag('min-success', m ? m[1] : raw, (v) => v >= 0 && v <= (m ? 100 : 1), m ? 'a percentage between 0% and 100%' : 'a share between 0 and 1 (0.6), or a percentage (60%)');
  return x === undefined ? undefined : m ? x / 100 : x;
}

export const patternsTest: CommandSpec = {
  name: 'patterns test',
  summary: 'Re-measure saved patterns on another run (out-of-sample check): success rate there vs where found.',
  usage: 'stratlab patterns test --run DIR|latest [--runs DIR] (--name NAME | --all) [--library FILE] [--horizon N] [--json]',
  options: {
    ...READ_RUN_FLAGS,
    name: { type: 'string' },
    all: { type: 'boolean' },
    library: { type: 'string' },
    horizon: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    ...READ_RUN_HELP,
    '  --name NAME        the pattern to test',
    '  --all              every pattern in the library',
    LIBRARY_HELP,
    '  --horizon N        bars ahead for the forward return (default: the horizon each pattern was measured with, else 5)',
    '  --json             { run, library, tests: [{ name, saved, retest, change, error? }] }',
    '  -h, --help         this help',
    '',
    "The run's bars are reloaded from the data files run.json names, checked against their fingerprints.",
    'Example: stratlab patterns test --run runs/sma-goog-2013/20260101-120000-a1b2c3 --all',
    'Exit codes: 0 tested; 1 the run or a pattern is missing, or a pattern\'s query failed; 2 a flag is wrong.',
  ],
  async run(values, positionals, io) {
    noPositionals(positionals, 'patterns test');
    const dir = runFlag(values);
    const name = stringFlag(values, 'name');
    if ((name === undefined) === !values.all) throw usageError(name === undefined ? 'give --name NAME or --all' : '--name and --all exclude each other');
    const horizon = horizonFlag(values);
    const json = !!values.json;
    const lib = openLibrary(values, io, json);
    const discovery = new PatternDiscovery(lib);
    const patterns = name !== undefined ? [name] : lib.list().map((p) => p.name);
    if (name !== undefined) discovery.find(name); // a missing name is an error before the run is opened
    const tests: (PatternTest | { name: string; error: string })[] = [];
    for (const n of patterns) {
      try {
        tests.push(await discovery.testPattern(n, dir, { horizon }));
      } catch (e) {
        // One bad pattern must not hide the others' results; with --name it is the whole answer.
        if (!(e instanceof StratlabError) || name !== undefined) throw e;
        tests.push({ name: n, error: e.oneLine() });
      }
    }
    const failed = tests.filter((t) => 'error' in t).length;
    if (json) {
      io.out(JSON.stringify({
        run: dir, library: lib.file, count: tests.length,
        tests: tests.map((t) => ('error' in t ? t : { name: t.name, saved: patternJson(t.saved), retest: patternJson(t.retest), change: t.change })),
        problems: lib.problems,
      }, null, 2));
      return failed ? 1 : 0;
    }
    if (tests.length === 0) {
      io.out(`no patterns in ${lib.file}`);
      return 0;
    }
    io.out(textTable(tests.map((t) => 'error' in t
      ? { name: t.name, saved: '', 'saved n': '', 'this run': 'error', 'this n': '', change: '', note: t.error }
      : {
        name: t.name, saved: pct(t.saved.successRate), 'saved n': t.saved.sampleSize, 'this run': pct(t.retest.successRate), 'this n': t.retest.sampleSize,
        change: t.change === null ? '—' : `${t.change >= 0 ? '+' : ''}${(t.change * 100).toFixed(1)} pt`, note: `${t.retest.horizon} bars ahead`,
      })));
    return failed ? 1 : 0;
  },
};

export const patternsDiscover: CommandSpec = {
  name: 'patterns discover',
  summary: "Find parameter and regime patterns in a run's signals, each with its measured success rate; --save keeps them.",
  usage: 'stratlab patterns discover --run DIR|latest [--runs DIR] [--save] [--library FILE] [--horizon N] [--min-sample N] [--json]',
  options: {
    ...READ_RUN_FLAGS,
    save: { type: 'boolean' },
    library: { type: 'string' },
    horizon: { type: 'string' },
    'min-sample': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  details: [
    ...READ_RUN_HELP,
    '  --save             add the patterns found to the library (a pattern already there is kept as it is)',
    LIBRARY_HELP,
    '  --horizon N        bars ahead for the forward return (default 5)',
    '  --min-sample N     leave out groups with fewer measured signals (default 30)',
    '  --json             { run, horizon, baseline, patterns: [...], saved? }',
    '  -h, --help         this help',
    '',
    "Groups: each parameter value (or a third of its range) of the run's strategies, and the market regime at the",
    'signal bar (ADX(14) ≥ / < 25, CHOP(14) ≥ 61.8 / < 38.2, ATR(14)/close above / below its median).',
    'The baseline is all the run\'s signals: a pattern is only interesting when it beats it on a sample that matters.',
    'Example: stratlab patterns discover --run runs/sma-goog/20260101-120000-a1b2c3 --save',
    'Exit codes: 0 done (also when nothing qualifies); 1 the run is missing or damaged, or its data cannot be reloaded; 2 a flag is wrong.',
  ],
  async run(values, positionals, io) {
    noPositionals(positionals, 'patterns discover');
    const dir = runFlag(values);
    const horizon = horizonFlag(values);
    const minSampleSize = numberFlag('min-sample', stringFlag(values, 'min-sample'), (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
    const json = !!values.json;
    const lib = openLibrary(values, io, json);
    const d = await new PatternDiscovery(lib).discover(dir, { horizon, minSampleSize });
    const saved = values.save ? new PatternDiscovery(lib).save(d.patterns) : undefined;
    if (json) {
      io.out(JSON.stringify({
        run: dir, runId: d.runId, horizon: d.horizon, baseline: d.baseline, count: d.patterns.length, patterns: d.patterns.map(patternJson),
        ...(saved ? { library: lib.file, saved: saved.map((s) => ({ name: s.pattern.name, status: s.status })) } : {}),
      }, null, 2));
      return 0;
    }
    io.out(`baseline: ${pct(d.baseline.successRate)} of ${d.baseline.sampleSize} signals favourable ${d.horizon} bars ahead (run ${d.runId})`);
    if (d.patterns.length === 0) io.out('no group has enough signals (see --min-sample)');
    else io.out(textTable(d.patterns.map((p) => ({ name: p.name, success: pct(p.successRate), sample: p.sampleSize, 'vs baseline': vsBaseline(p, d.baseline.successRate), description: p.description }))));
    if (saved) {
      const added = saved.filter((s) => s.status === 'added').length;
      io.out(`saved ${added} new pattern${added === 1 ? '' : 's'} to ${lib.file}${added < saved.length ? ` (${saved.length - added} already there)` : ''}`);
    }
    return 0;
  },
};

function vsBaseline(p: Pattern, base: number | null): string {
  if (p.successRate === null || base === null) return '—';
  const d = (p.successRate - base) * 100;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)} pt`;
}
