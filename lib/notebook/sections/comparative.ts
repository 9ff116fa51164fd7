/** The comparative notebook: several runs side by side (generateComparative(runDirs)). */
import { code, heading, lit, md } from '../cells';
import { fromNotebook, ts, type NotebookContext, type Section } from '../context';

/** The runs, relative to the notebook's folder (the kernel's working directory). */
const dirsOf = (ctx: NotebookContext) => ((ctx.options.runDirs as string[] | undefined) ?? [ctx.runDir]).map((d) => fromNotebook(ctx, d));

const summarySql = `SELECT COUNT(*)::DOUBLE AS strategies, COUNT(*) FILTER (WHERE status <> 'ok')::DOUBLE AS failed,
    max(sharpe) AS best_sharpe, median(sharpe) AS median_sharpe, max(return_pct) AS best_return_pct, median(max_drawdown) AS median_max_drawdown,
    any_value(buy_and_hold_return_pct) AS buy_and_hold_return_pct FROM strategy_index`;
const bestSql = `SELECT strategy_hash, symbol, timeframe, parameters, score, sharpe, return_pct, max_drawdown, total_trades FROM strategy_index
    WHERE status = 'ok' ORDER BY (disqualified = '') DESC, score DESC NULLS LAST LIMIT 1`;

export const comparativeParameters: Section = {
  id: 'comparative-parameters',
  title: '',
  cells: (ctx) => [ts(ctx)
    ? code(`
      // Parameters (papermill convention).
      let RUN_DIRS: string[] = ${JSON.stringify(dirsOf(ctx), null, 2).split('\n').join('\n      ')};`, ['parameters'])
    : code(`
      # Parameters (papermill convention).
      RUN_DIRS = ${JSON.stringify(dirsOf(ctx), null, 4).split('\n').join('\n      ')}
      # None: the kernelspec's STRATLAB_ROOT and STRATLAB_NODE (npm run setup writes them) find the stratlab CLI.
      STRATLAB_ROOT = None
      NODE = None`, ['parameters'])],
};

export const comparativeHeader: Section = {
  id: 'comparative-header',
  title: '',
  cells: (ctx) => [md(`
    # Comparing ${dirsOf(ctx).length} runs

    **Generated**: ${ctx.now.toISOString()}  
    **Runs**: ${dirsOf(ctx).map((d) => `\`${d}\``).join(', ')}

    ## Quick navigation
    ${ctx.toc.map((t, i) => `${i + 1}. [${t.title}](#${t.anchor})`).join('\n    ')}`)],
};

export const comparativeSetup: Section = {
  id: 'comparative-setup',
  title: 'Setup',
  cells: (ctx) => [heading('Setup', 2, 'Every run opened from its path relative to this notebook (Jupyter starts the kernel in the notebook\'s folder).'), ts(ctx)
    ? code(`
      import { openRun, plot, showTable, barFigure, timeFigure } from ${lit(ctx.paths.importFrom).replace(/"/g, "'")};
      import * as fs from 'fs';
      import * as path from 'path';
      const runs = await Promise.all(RUN_DIRS.map((d) => openRun(path.resolve(d))));
      const label = (r: (typeof runs)[number]) => \`\${r.manifest.configName}/\${r.manifest.runId}\`;
      for (const r of runs) console.log(\`\${label(r)}: \${r.manifest.strategyCount} strategies of \${r.manifest.strategy.name} (\${r.manifest.strategy.type})\`);`)
    : code(`
      import sys, json, os
      import pandas as pd
      # The bridge (kernels/python) is on the PYTHONPATH of the kernelspec npm run setup installs.
      import stratlab_bridge as sb
      runs = [sb.open_run(os.path.abspath(d), root=STRATLAB_ROOT, node=NODE) for d in RUN_DIRS]
      label = lambda r: f"{r.manifest['configName']}/{r.manifest['runId']}"
      for r in runs:
          print(f"{label(r)}: {r.manifest['strategyCount']} strategies of {r.manifest['strategy']['name']} ({r.manifest['strategy']['type']})")`)],
};

export const comparativeSummary: Section = {
  id: 'comparative-summary',
  title: 'Runs side by side',
  cells: (ctx) => [heading('Runs side by side', 2, 'The same summary query on every run.'), ts(ctx)
    ? code(`
      const summary: any[] = [];
      for (const r of runs) summary.push({ run: label(r), strategy: r.manifest.strategy.name, ...(await r.query(\`${summarySql}\`))[0] });
      showTable(summary, { caption: 'Runs' });
      plot(barFigure(summary, { x: 'run', y: ['best_sharpe', 'median_sharpe'], title: 'Best and median Sharpe by run', yTitle: 'Sharpe' }));`)
    : code(`
      summary = pd.concat([r.query("""${summarySql}""").assign(run=label(r), strategy=r.manifest["strategy"]["name"]) for r in runs], ignore_index=True)
      sb.show(summary, "Runs")
      sb.bar(summary, x="run", y=["best_sharpe", "median_sharpe"], title="Best and median Sharpe by run", ytitle="Sharpe")`)],
};

export const comparativeBest: Section = {
  id: 'comparative-best',
  title: 'Best of each run',
  cells: (ctx) => [heading('Best of each run', 2, 'Each run\'s best strategy, and their equity curves from the same start (where the run saved them).'), ts(ctx)
    ? code(`
      const bests: any[] = [];
      const curves: Record<string, { t: number[]; y: number[] }> = {};
      for (const r of runs) {
        const b = (await r.query(\`${bestSql}\`))[0];
        if (!b) continue;
        bests.push({ run: label(r), ...b });
        const eq: any[] = await r.query(\`SELECT epoch_ms(ts)::DOUBLE AS t, equity FROM equity WHERE strategy_hash = '\${b.strategy_hash}' ORDER BY ts\`);
        if (eq.length) curves[label(r)] = { t: eq.map((e: any) => e.t), y: eq.map((e: any) => e.equity / eq[0].equity) };
      }
      showTable(bests, { caption: 'Best strategy of each run' });
      if (Object.keys(curves).length) plot(timeFigure(curves, { title: 'Best equity of each run (start = 1)', yTitle: 'growth of 1' }));`)
    : code(`
      bests, curves = [], {}
      for r in runs:
          b = r.query("""${bestSql}""")
          if len(b) == 0:
              continue
          bests.append(b.assign(run=label(r)))
          eq = r.query(f"SELECT epoch_ms(ts)::DOUBLE AS t, equity FROM equity WHERE strategy_hash = '{b['strategy_hash'].iloc[0]}' ORDER BY ts")
          if len(eq):
              curves[label(r)] = (eq["t"], eq["equity"] / eq["equity"].iloc[0])
      bests = pd.concat(bests, ignore_index=True)
      sb.show(bests, "Best strategy of each run")
      if curves:
          sb.lines(curves, title="Best equity of each run (start = 1)", ytitle="growth of 1")`)],
};

export const comparativeExport: Section = {
  id: 'comparative-export',
  title: 'Export results',
  cells: (ctx) => [heading('Export results', 2, '`comparison.json` next to this notebook: each run\'s summary and best strategy, best first.'), ts(ctx)
    ? code(`
      const ranked = [...bests].sort((a, b) => b.sharpe - a.sharpe);
      const comparison = { generatedAt: new Date().toISOString(), runs: summary, best: ranked.map((b) => ({ ...b, parameters: JSON.parse(b.parameters) })) };
      fs.writeFileSync('comparison.json.tmp', JSON.stringify(comparison, null, 2) + '\\n');
      fs.renameSync('comparison.json.tmp', 'comparison.json');
      console.log(\`wrote \${process.cwd()}/comparison.json; best: \${ranked[0]?.run} Sharpe \${Number(ranked[0]?.sharpe).toFixed(2)}\`);`)
    : code(`
      ranked = bests.sort_values("sharpe", ascending=False)
      comparison = {"generatedAt": pd.Timestamp.now(tz="UTC").isoformat(), "runs": summary.to_dict("records"),
                    "best": [{**r, "parameters": json.loads(r["parameters"])} for r in ranked.to_dict("records")]}
      out = sb.write_json_atomic("comparison.json", comparison)
      print(f"wrote {out}; best: {ranked['run'].iloc[0]} Sharpe {ranked['sharpe'].iloc[0]:.2f}")`)],
};

export const COMPARATIVE_SECTIONS = [comparativeParameters, comparativeHeader, comparativeSetup, comparativeSummary, comparativeBest, comparativeExport];
