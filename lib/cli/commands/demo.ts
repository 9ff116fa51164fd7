import fs from 'node:fs';
import path from 'node:path';
import { barCount, type Bars } from '../../core/bars';
import { PACKAGE_ROOT } from '../../core/paths';
import { formatInspectReport, inspectBars, loadBars, resample } from '../../data';
import * as indicators from '../../indicators';
import { engine } from '../../engine';
import { executeNotebook } from '../../notebook/execute';
import { listStrategies, strategyByName } from '../../strategies/registry';
import { range, sweep, type SweepResult } from '../../sweep';
import { runFromSweep } from '../../runs';
import { afterRun } from '../../notebook/after-run';
import { openTracker } from '../../tracker';
import { pboFromBlocks, validateTop } from '../../validation';
import { textTable } from '../../viz/table';
import { figuresPage } from '../../viz/page';
import type { Figure } from '../../viz/plotly';
import { writeFileAtomic } from '../../core/atomic';
import type { CommandSpec } from '../args';

export const DEMO_NOTEBOOK = path.join(PACKAGE_ROOT, 'notebooks', '01-data-and-indicators.ipynb');

function lastIndicatorValues(bars: Bars): Record<string, number | string> {
  const { high, low, close } = bars;
  const last = (x: Float64Array) => x[x.length - 1];
  const m = indicators.macd(close, 12, 26, 9);
  const bb = indicators.bollinger(close, 20, 2);
  return {
    date: new Date(bars.time[barCount(bars) - 1]).toISOString().slice(0, 10),
    close: last(close),
    'sma(20)': last(indicators.sma(close, 20)),
    'ema(20)': last(indicators.ema(close, 20)),
    'rsi(14)': last(indicators.rsi(close, 14)),
    'macd hist': last(m.histogram),
    'bb upper': last(bb.upper),
    'bb lower': last(bb.lower),
    'atr(14)': last(indicators.atr(high, low, close, 14)),
    'adx(14)': last(indicators.adx(high, low, close, 14)),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Demo settings that show a strategy doing something its defaults would hide: RegimeGated's default
 * wraps StochRSIMeanReversion, whose own ADX filter already keeps it to ranging markets, so its gate
 * would never change a trade; gating SmaCross to trends does.
 */
const DEMO_PARAMS: Record<string, Record<string, unknown>> = {
  RegimeGated: { strategy: 'SmaCross', filter: 'adx', regime: 'trending', threshold: 25 },
};

export const demo: CommandSpec = {
  name: 'demo',
  summary: 'Tour of the bundled data: load, inspect, resample, indicators, backtests of the built-in strategies, then execute the quick-start notebook.',
  usage: 'stratlab demo [--out DIR] [--no-notebook] [--json]',
  options: { out: { type: 'string' }, 'no-notebook': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  details: ['The executed notebook and its HTML report go to DIR (default: demo-output/ in the current folder).'],
  async run(flags, _positionals, io) {
    const json = Boolean(flags.json);
    const say = (t: string) => { if (!json) io.out(t); };
    const dataDir = path.join(PACKAGE_ROOT, 'data');
    const minuteFile = path.join(dataDir, 'SYNTH_1m.csv');
    const dailyFile = path.join(dataDir, 'SYNTH_1d.parquet');
    const summary: Record<string, unknown> = {};

    say('== 1. Inspect the bundled data');
    for (const file of [minuteFile, dailyFile]) {
      const report = await inspectBars(file);
      summary[path.basename(file)] = report;
      say(formatInspectReport(report) + '\n');
    }

    say('== 2. Load the 1-minute bars and resample them');
    const m1 = await loadBars(minuteFile);
    const resampled = ['5m', '15m', '1h', '1d'].map((tf) => {
      const t0 = performance.now();
      const r = resample(m1, tf);
      return { timeframe: tf, bars: barCount(r), ms: Number((performance.now() - t0).toFixed(2)) };
    });
    summary.resampled = resampled;
    say(textTable([{ timeframe: '1m (source)', bars: barCount(m1) }, ...resampled]) + '\n');

    say('== 3. Indicators on the daily bars (values at the last bar)');
    const daily = await loadBars(dailyFile);
    const last = lastIndicatorValues(daily);
    summary.indicators = last;
    say(textTable([last]) + '\n');

    say('== 4. Backtest the built-in strategies on the daily bars (3 bp spread, fills at the next open)');
    const base = engine(daily).spread(0.0003).fill('next_open');
    const runs = listStrategies().map(({ name }) => {
      const res = base.strategy(strategyByName(name), DEMO_PARAMS[name] ?? {}).run();
      const gated = res.strategyReport?.gateClosedPct;
      return {
        strategy: name, 'return %': round(res.returnPct), sharpe: round(res.sharpe), 'max dd %': round(res.maxDrawdown),
        trades: res.totalTrades, 'win rate %': round(res.winRate * 100), 'gated %': typeof gated === 'number' ? round(gated) : '',
        ms: round(res.elapsedMs),
      };
    });
    say(`RegimeGated here gates SmaCross to trending bars (ADX(14) > 25): 'gated %' is the share of bars its gate was closed.`);
    summary.backtests = runs;
    say(textTable(runs) + '\n');

    const outDir = path.resolve((flags.out as string | undefined) ?? 'demo-output');
    say('== 5. Sweep SmaCross over a grid on 2 workers, tracked in SQLite, then validate the best');
    const dbFile = path.join(outDir, 'research.db');
    fs.mkdirSync(outDir, { recursive: true });
    for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true }); // a fresh demo database each time
    const tracker = openTracker(dbFile);
    let lastSweep: SweepResult | undefined;
    try {
      const sw = await sweep(daily).strategy('SmaCross').grid({ fast: range(5, 50, 5), slow: range(20, 200, 10) })
        .where((p) => (p.fast as number) < (p.slow as number)).workers(2).track(tracker, 'demo_sma').capture().progress('none').run();
      lastSweep = sw;
      const overfit = pboFromBlocks(sw.results.filter((r) => r.blocks).map((r) => r.blocks as Float64Array));
      say(sw.headline());
      say(`${sw.tableNote(5)}\n${textTable(sw.rows(5))}`);
      say(`Probability of Backtest Overfitting over the ${overfit.nConfigs} configurations: ${overfit.pbo.toFixed(2)}`);
      const [report] = validateTop(tracker, 1, { data: { [daily.symbol]: daily }, validationStatus: 'any', candidates: { includeDisqualified: true } });
      if (report) say(`\n${report.toString()}`);
      say(`tracker: ${path.relative(process.cwd(), dbFile)}  (npx stratlab top --db ${path.relative(process.cwd(), dbFile)})\n`);
      summary.sweep = { headline: sw.headline(), pbo: overfit.pbo, validation: report ? { status: report.status, reason: report.reason } : null };
    } finally {
      tracker.close();
    }

    // The charts of the best qualified SmaCross (or the best) as one offline HTML page: result.plot(), its monthly returns, the sweep heatmap.
    const sw = lastSweep as SweepResult;
    const pick = sw.top(1, { qualified: true })[0] ?? sw.best;
    if (pick) {
      say('== 6. Charts of the best SmaCross: price, trades, indicators, volume, equity and drawdown (result.plot()), monthly returns, the sweep heatmap');
      // The sweep's own settings (the live-matched cost model: spread 0.0003, fills at the close; docs/execution.md §2.1).
      const best = engine(daily).spread(0.0003).fill('close').strategy(strategyByName('SmaCross'), pick.params).run();
      const chartsFile = path.join(outDir, 'charts.html');
      writeFileAtomic(chartsFile, figuresPage(`stratlab demo: SmaCross ${JSON.stringify(pick.params)} on ${daily.symbol} ${daily.timeframe}`,
        [best.plotFigure(), best.monthlyReturnsFigure(), ...[sw.heatmap()].filter((f): f is Figure => f !== null)]));
      summary.charts = chartsFile;
      say(`charts:   ${path.relative(process.cwd(), chartsFile)}  (open it in a browser; plotly.js is inline, no network needed)\n`);
    }

    if (!flags['no-notebook']) {
      say(`== 7. Execute ${path.relative(process.cwd(), DEMO_NOTEBOOK)} in a tslab kernel`);
      const res = await executeNotebook(DEMO_NOTEBOOK, {
        output: path.join(outDir, path.basename(DEMO_NOTEBOOK)),
        html: true,
        onCell: json ? undefined : (i, n) => io.err(`  cell ${i + 1}/${n}`),
      });
      summary.notebook = res;
      say(`executed ${res.codeCells} cells in ${(res.durationMs / 1000).toFixed(1)} s`);
      say(`notebook: ${res.path}`);
      say(`report:   ${res.htmlPath}  (open it in a browser; charts render offline)`);
    }

    // Every run gets a ready-made analysis notebook (docs/notebooks.md §1.2), here executed and exported.
    // The run directory is written either way, so `stratlab patterns discover --run latest` has a run to read.
    say(`== 8. Write the sweep as a run directory${flags['no-notebook'] ? '' : ', generate its analysis notebook, execute it'}`);
    const run = await runFromSweep(lastSweep as SweepResult, { runsDir: path.join(outDir, 'runs'), configName: 'demo_sma', config: { strategy: 'SmaCross', data: dailyFile } });
    say(`run:      ${path.relative(process.cwd(), run.dir)}  (${run.manifest.strategyCount} strategies: strategy_index, traces, trades, equity as parquet)`);
    summary.run = run.dir;
    if (!flags['no-notebook']) {
      const analysis = await afterRun(run.dir, { notebook: true, kernel: 'ts', html: true, onCell: json ? undefined : (i, n) => io.err(`  cell ${i + 1}/${n}`) });
      summary.analysis = { run: run.dir, notebook: analysis.notebook, html: analysis.executed?.htmlPath ?? null, errors: analysis.executed?.errors ?? [] };
      say(`notebook: ${analysis.notebook}`);
      say(`report:   ${analysis.executed?.htmlPath}  (open it in a browser; charts render offline)`);
    }
    if (json) io.out(JSON.stringify(summary, null, 2));
    return 0;
  },
};
