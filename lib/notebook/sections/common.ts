/**
 * The sections every analysis notebook has (docs/notebooks.md §3): parameters, header, setup, common
 * analysis, top strategies, pattern discovery, visualizations, export. Each builds its cells for
 * the context's kernel; the TypeScript and Python versions compute the same things.
 */
import { code, heading, lit, md, type CellSpec } from '../cells';
import { fromNotebook, ts, type Section } from '../context';


export const parametersSection: Section = {
  id: 'parameters',
  title: '',
  cells: (ctx) => {
    const axes = ctx.axes ? `[${lit(ctx.axes[0])}, ${lit(ctx.axes[1])}]` : ts(ctx) ? '[] as string[]' : '[]';
    return ts(ctx)
      ? [code(`
        // Parameters (papermill convention: a tool may inject a cell after this one to override them).
        // RUN_DIR is relative to this notebook's folder, where Jupyter starts the kernel.
        let RUN_DIR = ${lit(fromNotebook(ctx, ctx.runDir))};
        let TOP_N = 10;
        // Heatmap axes for the strategy-type section; when the run did not vary both, the first two varied parameters are used.
        let AXES: string[] = ${axes};
        let SIGNALS_PER_DAY_BAND: [number, number] = [1, 3];
        // The pattern library whose patterns for this strategy type are measured on this run.
        let PATTERNS_FILE = ${lit(ctx.paths.patterns)};`, ['parameters'])]
      : [code(`
        # Parameters (papermill convention: papermill injects a cell after this one to override them).
        # RUN_DIR is relative to this notebook's folder, where Jupyter starts the kernel.
        RUN_DIR = ${lit(fromNotebook(ctx, ctx.runDir))}
        TOP_N = 10
        # Heatmap axes for the strategy-type section; when the run did not vary both, the first two varied parameters are used.
        AXES = ${axes}
        SIGNALS_PER_DAY_BAND = (1, 3)
        # None: the kernelspec's STRATLAB_ROOT and STRATLAB_NODE (npm run setup writes them) find the stratlab CLI.
        STRATLAB_ROOT = None
        NODE = None
        # The pattern library whose patterns for this strategy type are measured on this run.
        PATTERNS_FILE = ${lit(ctx.paths.patterns)}`, ['parameters'])];
  },
};

export const headerSection: Section = {
  id: 'header',
  title: '',
  cells: (ctx) => {
    const m = ctx.manifest;
    const data = m.data.map((d) => `${d.symbol} ${d.timeframe} (${d.rows.toLocaleString('en-US')} bars, ${d.first?.slice(0, 10)} → ${d.last?.slice(0, 10)})`).join('; ') || '—';
    const config = JSON.stringify(m.config, null, 2);
    const shown = config.length > 4000 ? config.slice(0, 4000) + '\n… (truncated: the whole config is in run.json)' : config;
    const nav = ctx.toc.map((t, i) => `${i + 1}. [${t.title}](#${t.anchor})`).join('\n');
    return [md(`
      # ${m.configName}: ${m.strategy.name} analysis

      **Run ID**: \`${m.runId}\`  
      **Config**: \`${m.configName}\` (${m.kind}, ${m.strategyCount.toLocaleString('en-US')} strategies of ${m.strategy.name}, type \`${ctx.strategyType}\`)  
      **Run time**: ${m.startedAt} → ${m.finishedAt}  
      **Generated**: ${ctx.now.toISOString()} for the ${ts(ctx) ? 'TypeScript (tslab)' : 'Python'} kernel  
      **Data**: ${data}  
      **Run directory**: \`${fromNotebook(ctx, ctx.runDir)}\` (relative to this notebook)

      <details><summary>Config</summary>

      \`\`\`json
      ${shown.split('\n').join('\n      ')}
      \`\`\`
      </details>

      ## Quick navigation
      ${nav.split('\n').join('\n      ')}`)];
  },
};

export const setupSection: Section = {
  id: 'setup',
  title: 'Setup',
  cells: (ctx) => [heading('Setup', 2, `The run, opened from RUN_DIR relative to this notebook${ts(ctx) ? '' : ' through the JSON bridge (kernels/python/stratlab_bridge.py, which asks the stratlab CLI)'}, and the parameters its strategies varied.`), ...(ts(ctx)
    ? [code(`
      import { openRun, TraceAnalysis, loadBars, resample, engine, strategies, plot, showTable, heatmapFigure, scatterFigure, barFigure, timeFigure, PatternLibrary, measurePattern } from ${lit(ctx.paths.importFrom).replace(/"/g, "'")};
      import * as fs from 'fs';
      import * as path from 'path';

      RUN_DIR = path.resolve(RUN_DIR); // the kernel's working directory is the notebook's folder
      const run = await openRun(RUN_DIR);
      const manifest = run.manifest;
      /** Rows of one SQL query over the run's tables: strategy_index, traces, trades, equity. */
      const q = async (sql: string): Promise<any[]> => (await run.query(sql)) as any[];
      /** A parameter out of the strategy_index.parameters JSON, as a number (or text for categorical ones). */
      const param = (p: string, asText = false) => asText ? \`json_extract_string(parameters, '$.\${p}')\` : \`TRY_CAST(json_extract(parameters, '$.\${p}') AS DOUBLE)\`;

      // Which parameters vary across the run's strategies (nested ones as dotted paths): the charts use these.
      const seen = new Map<string, Set<string>>();
      const numeric = new Set<string>();
      const walk = (o: Record<string, unknown>, prefix: string) => {
        for (const [k, v] of Object.entries(o)) {
          const key = prefix + k;
          if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, key + '.');
          else { if (!seen.has(key)) seen.set(key, new Set()); seen.get(key)!.add(JSON.stringify(v)); if (typeof v === 'number') numeric.add(key); }
        }
      };
      for (const r of await q('SELECT parameters FROM strategy_index')) walk(JSON.parse(r.parameters), '');
      const varying = [...seen].filter(([, s]) => s.size > 1).map(([k]) => k);
      const axes = AXES.length === 2 && AXES.every((a) => varying.includes(a)) ? AXES : varying.slice(0, 2);
      /** Parameter values that crowd the top decile (filled by Pattern discovery, exported with the recommendations). */
      const sweetSpots: Record<string, any[]> = {};
      console.log(\`run \${manifest.runId}: \${manifest.strategyCount} strategies of \${manifest.strategy.name} (\${manifest.strategy.type})\`);
      console.log(\`directory: \${RUN_DIR}\`);
      console.log(\`varied parameters: \${varying.join(', ') || 'none'}; heatmap axes: \${axes.join(' × ') || 'none'}\`);`)]
    : [code(`
      import sys, json, os
      import pandas as pd
      # The bridge (kernels/python) is on the PYTHONPATH of the kernelspec npm run setup installs.
      import stratlab_bridge as sb

      RUN_DIR = os.path.abspath(RUN_DIR)  # the kernel's working directory is the notebook's folder
      run = sb.open_run(RUN_DIR, root=STRATLAB_ROOT, node=NODE)
      manifest = run.manifest
      q = run.query  # SQL over the run's tables: strategy_index, traces, trades, equity -> DataFrame
      def param(p, as_text=False):
          """A parameter out of the strategy_index.parameters JSON, as a number (or text)."""
          return f"json_extract_string(parameters, '$.{p}')" if as_text else f"TRY_CAST(json_extract(parameters, '$.{p}') AS DOUBLE)"

      varying, numeric = run.varying_parameters()
      axes = list(AXES) if len(AXES) == 2 and all(a in varying for a in AXES) else varying[:2]
      sweet_spots = {}  # parameter values that crowd the top decile (filled by Pattern discovery, exported with the recommendations)
      print(f"run {manifest['runId']}: {manifest['strategyCount']} strategies of {manifest['strategy']['name']} ({manifest['strategy']['type']})")
      print(f"directory: {RUN_DIR}")
      print(f"varied parameters: {', '.join(varying) or 'none'}; heatmap axes: {' x '.join(axes) or 'none'}")
      print(f"charts with {sb.chart_backend()}")`)])],
};

export const commonSection: Section = {
  id: 'common',
  title: 'Common analysis',
  cells: (ctx) => {
    const summarySql = `
      SELECT COUNT(*)::DOUBLE AS strategies,
             COUNT(*) FILTER (WHERE status = 'ok')::DOUBLE AS ok,
             COUNT(*) FILTER (WHERE status <> 'ok')::DOUBLE AS failed,
             COUNT(*) FILTER (WHERE disqualified <> '')::DOUBLE AS disqualified,
             median(sharpe) AS median_sharpe, max(sharpe) AS best_sharpe,
             median(return_pct) AS median_return_pct, max(return_pct) AS best_return_pct,
             median(max_drawdown) AS median_max_drawdown, median(total_trades) AS median_trades,
             any_value(buy_and_hold_return_pct) AS buy_and_hold_return_pct
      FROM strategy_index`;
    const rulesSql = `
      SELECT rule, COUNT(*)::DOUBLE AS strategies
      FROM (SELECT unnest(string_split(disqualified, ',')) AS rule FROM strategy_index WHERE disqualified <> '')
      GROUP BY rule ORDER BY strategies DESC`;
    const bySymbolSql = `
      SELECT symbol, timeframe, COUNT(*)::DOUBLE AS strategies, avg(sharpe) AS mean_sharpe, max(sharpe) AS best_sharpe,
             avg(return_pct) AS mean_return_pct, any_value(buy_and_hold_return_pct) AS buy_and_hold_return_pct
      FROM strategy_index WHERE status = 'ok' GROUP BY symbol, timeframe ORDER BY symbol, timeframe`;
    const intro = heading('Common analysis', 2, 'Every strategy of the run at once: how many ran, failed or were disqualified (and by which rule), the spread of the headline metrics, and each symbol against buy & hold.');
    return ts(ctx)
      ? [intro, code(`
        const summary = await q(\`${summarySql}\`);
        showTable(summary, { caption: 'All strategies' });
        const rules = await q(\`${rulesSql}\`);
        if (rules.length) showTable(rules, { caption: 'Disqualified, by rule' }); else console.log('no strategy was disqualified');
        showTable(await q(\`${bySymbolSql}\`), { caption: 'By symbol and timeframe' });
        const sharpes = (await q("SELECT sharpe FROM strategy_index WHERE status = 'ok' AND isfinite(sharpe)")).map((r) => Number(r.sharpe));
        plot({ data: [{ type: 'histogram', x: sharpes, nbinsx: 30 }], layout: { title: { text: \`Sharpe ratio of \${sharpes.length} strategies\` }, xaxis: { title: { text: 'Sharpe' } }, yaxis: { title: { text: 'strategies' } }, height: 340 } });`)]
      : [intro, code(`
        summary = q("""${summarySql}""")
        sb.show(summary, "All strategies")
        rules = q("""${rulesSql}""")
        sb.show(rules, "Disqualified, by rule") if len(rules) else print("no strategy was disqualified")
        sb.show(q("""${bySymbolSql}"""), "By symbol and timeframe")
        sharpes = q("SELECT sharpe FROM strategy_index WHERE status = 'ok' AND isfinite(sharpe)")
        sb.histogram(sharpes, "sharpe", title=f"Sharpe ratio of {len(sharpes)} strategies")`)];
  },
};

export const topSection: Section = {
  id: 'top',
  title: 'Top strategies',
  cells: (ctx) => {
    const topSql = `SELECT strategy, strategy_hash, symbol, timeframe, parameters, score, sharpe, return_pct, max_drawdown, total_trades, win_rate, profit_factor, exposure_pct
      FROM strategy_index WHERE status = 'ok' ORDER BY (disqualified = '') DESC, score DESC NULLS LAST, sharpe DESC NULLS LAST LIMIT \${TOP_N}`;
    const tradesSql = `SELECT strategy_hash, COUNT(*)::DOUBLE AS trades, avg(CASE WHEN pnl > 0 THEN 1 ELSE 0 END) AS win_rate,
        avg(return_pct) AS avg_trade_pct, min(return_pct) AS worst_trade_pct, max(return_pct) AS best_trade_pct,
        avg(bars_held)::DOUBLE AS avg_bars_held, COUNT(*) FILTER (WHERE side = 'long')::DOUBLE AS long_trades
      FROM trades WHERE strategy_hash IN (\${hashes}) GROUP BY strategy_hash`;
    const yearlySql = `WITH e AS (SELECT strategy_hash, year(ts) AS year, ts, equity FROM equity WHERE strategy_hash IN (\${hashes})),
        y AS (SELECT strategy_hash, year, arg_max(equity, ts) AS last_equity FROM e GROUP BY strategy_hash, year),
        f AS (SELECT strategy_hash, arg_min(equity, ts) AS first_equity FROM e GROUP BY strategy_hash)
      SELECT y.strategy_hash, y.year::DOUBLE AS year,
        100 * (y.last_equity / COALESCE(lag(y.last_equity) OVER (PARTITION BY y.strategy_hash ORDER BY y.year), f.first_equity) - 1) AS return_pct
      FROM y JOIN f USING (strategy_hash) ORDER BY y.strategy_hash, y.year`;
    const intro = heading('Top strategies', 2, `The best \`TOP_N\` strategies by score (disqualified ones last), their trades${ctx.has.trades ? '' : ' (this run wrote no trades file)'}, and ${ctx.has.equity ? 'their return year by year (from the saved equity curves)' : 'no yearly returns (this run saved no equity curves)'}.`);
    if (ts(ctx)) {
      const cells: CellSpec[] = [intro, code(`
        const top = await q(\`${topSql}\`);
        const hashes = top.map((r) => \`'\${r.strategy_hash}'\`).join(', ') || "''";
        // Rows are labelled by strategy and the parameters the run varied ("SmaCross fast=10 slow=30"); the rest once, in the caption.
        const valueAt = (o: any, key: string) => key.split('.').reduce((v, k) => (v == null ? v : v[k]), o);
        const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
        const labelOf = new Map<string, string>(top.map((r) => {
          const p = JSON.parse(r.parameters);
          return [r.strategy_hash, [r.strategy, ...varying.filter((k) => valueAt(p, k) !== undefined).map((k) => \`\${k}=\${shown(valueAt(p, k))}\`)].join(' ')];
        }));
        const shared = [...seen].filter(([, v]) => v.size === 1).map(([k, v]) => \`\${k}=\${[...v][0].replace(/^"(.*)"$/, '$1')}\`).join(', ');
        showTable(top.map(({ strategy: _s, parameters: _p, ...r }) => ({ strategy: labelOf.get(r.strategy_hash), ...r })),
          { caption: \`Top \${top.length} by score\${shared ? \`; same in every strategy: \${shared}\` : ''}\` });`)];
      if (ctx.has.trades) cells.push(code(`showTable(await q(\`${tradesSql}\`), { caption: 'Their trades' });`));
      if (ctx.has.equity) cells.push(code(`
        const yearly = await q(\`${yearlySql}\`);
        const years = [...new Set(yearly.map((r) => r.year))].sort();
        const byHash = new Map<string, Record<string, unknown>>();
        for (const r of yearly) { if (!byHash.has(r.strategy_hash)) byHash.set(r.strategy_hash, { strategy: labelOf.get(r.strategy_hash), strategy_hash: r.strategy_hash }); byHash.get(r.strategy_hash)![String(r.year)] = Number(r.return_pct.toFixed(2)); }
        showTable([...byHash.values()], { caption: 'Return by year (%)', columns: ['strategy', 'strategy_hash', ...years.map(String)] });`));
      return cells;
    }
    const cells: CellSpec[] = [intro, code(`
      top = q(f"""${topSql.replace('${TOP_N}', '{TOP_N}')}""")
      hashes = ", ".join(f"'{h}'" for h in top["strategy_hash"]) or "''"
      # Rows are labelled by strategy and the parameters the run varied ("SmaCross fast=10 slow=30"); the rest once, in the caption.
      def _value_at(o, key):
          for k in key.split("."):
              o = o.get(k) if isinstance(o, dict) else None
          return o
      def _shown(v):
          return v if isinstance(v, str) else json.dumps(v)
      _params = [json.loads(p) for p in top["parameters"]]
      label_of = {h: " ".join([s] + [f"{k}={_shown(_value_at(p, k))}" for k in varying if _value_at(p, k) is not None])
                  for h, s, p in zip(top["strategy_hash"], top["strategy"], _params)}
      _shared = ", ".join(f"{k}={_shown(v)}" for k, v in (_params[0].items() if _params else []) if k not in varying and not isinstance(v, dict))
      top_shown = top.drop(columns=["strategy", "parameters"])
      top_shown.insert(0, "strategy", [label_of[h] for h in top["strategy_hash"]])
      sb.show(top_shown, f"Top {len(top)} by score" + (f"; same in every strategy: {_shared}" if _shared else ""))`)];
    if (ctx.has.trades) cells.push(code(`sb.show(q(f"""${tradesSql.replace('${hashes}', '{hashes}')}"""), "Their trades")`));
    if (ctx.has.equity) cells.push(code(`
      yearly = q(f"""${yearlySql.replace(/\$\{hashes\}/g, '{hashes}')}""")
      _by_year = yearly.pivot(index="strategy_hash", columns="year", values="return_pct").round(2)
      _by_year.columns = [str(int(c)) for c in _by_year.columns]
      _by_year.insert(0, "strategy", [label_of.get(h, h) for h in _by_year.index])
      _by_year.insert(1, "strategy_hash", list(_by_year.index))
      sb.show(_by_year, "Return by year (%)")`));
    return cells;
  },
};
