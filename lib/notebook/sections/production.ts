/**
 * The production-ready notebook: one strategy of a run, tested again before it goes live — the
 * engine re-runs it by calendar year, with neighbouring parameters, and under higher costs.
 * TypeScript cells call the engine directly; Python cells call `stratlab backtest` through the bridge.
 */
import { code, heading, lit, md } from '../cells';
import { fromNotebook, ts, type NotebookContext, type Section } from '../context';

const hashOf = (ctx: NotebookContext) => String(ctx.options.strategyHash ?? '');

export const productionParameters: Section = {
  id: 'production-parameters',
  title: '',
  cells: (ctx) => [ts(ctx)
    ? code(`
      // Parameters (papermill convention).
      let RUN_DIR = ${lit(fromNotebook(ctx, ctx.runDir))}; // relative to this notebook's folder (the kernel's working directory)
      let STRATEGY_HASH = ${lit(hashOf(ctx))};
      // Neighbours: each numeric parameter times these factors; costs: the grid tested below.
      let NEIGHBOUR_FACTORS = [0.8, 0.9, 1.1, 1.2];
      let SPREADS = [0, 0.0003, 0.001, 0.002];
      let COMMISSIONS = [0, 0.0005, 0.001];`, ['parameters'])
    : code(`
      # Parameters (papermill convention).
      RUN_DIR = ${lit(fromNotebook(ctx, ctx.runDir))}  # relative to this notebook's folder (the kernel's working directory)
      STRATEGY_HASH = ${lit(hashOf(ctx))}
      NEIGHBOUR_FACTORS = [0.8, 0.9, 1.1, 1.2]
      SPREADS = [0, 0.0003, 0.001, 0.002]
      COMMISSIONS = [0, 0.0005, 0.001]
      # None: the kernelspec's STRATLAB_ROOT and STRATLAB_NODE (npm run setup writes them) find the stratlab CLI.
      STRATLAB_ROOT = None
      NODE = None`, ['parameters'])],
};

export const productionHeader: Section = {
  id: 'production-header',
  title: '',
  cells: (ctx) => [md(`
    # Production readiness: ${ctx.manifest.strategy.name} \`${hashOf(ctx)}\`

    **Run**: \`${ctx.manifest.runId}\` (${ctx.manifest.configName})  
    **Generated**: ${ctx.now.toISOString()}  
    **Run directory**: \`${fromNotebook(ctx, ctx.runDir)}\` (relative to this notebook)

    One strategy of the run, re-run with the engine: does it hold year by year, with parameters next to
    its own, and when trading costs more? The verdicts are written to \`production_<hash>.json\`.

    ## Quick navigation
    ${ctx.toc.map((t, i) => `${i + 1}. [${t.title}](#${t.anchor})`).join('\n    ')}`)],
};

export const productionSetup: Section = {
  id: 'production-setup',
  title: 'The strategy',
  cells: (ctx) => [heading('The strategy', 2, 'Its row in the run, and the engine re-running it on the same bars with the same settings: the figures must agree.'), ts(ctx)
    ? code(`
      import { openRun, loadBars, resample, slice, engine, strategies, plot, showTable, heatmapFigure, barFigure } from ${lit(ctx.paths.importFrom).replace(/"/g, "'")};
      import * as fs from 'fs';
      import * as path from 'path';

      RUN_DIR = path.resolve(RUN_DIR);
      const run = await openRun(RUN_DIR);
      const manifest = run.manifest;
      const hash = await run.resolve(STRATEGY_HASH);
      const row: any = (await run.query(\`SELECT * FROM strategy_index WHERE strategy_hash = '\${hash}'\`))[0];
      const params = JSON.parse(row.parameters);
      const src = manifest.data.find((d) => d.symbol === row.symbol) ?? manifest.data[0];
      if (!src?.path) throw new Error(\`run.json names no data file for \${row.symbol}: the engine cannot re-run it\`);
      const file = await loadBars(src.path);
      const bars = file.timeframe === row.timeframe ? file : resample(file, row.timeframe);
      const S = strategies.strategyByName(manifest.strategy.name);
      const s = manifest.settings as any;
      /** One backtest with the run's settings, optionally other parameters or costs. */
      const bt = (b = bars, p: Record<string, unknown> = params, cost: { spread?: number; commission?: number } = {}) =>
        engine(b).cash(s.cash ?? 10_000).spread(cost.spread ?? s.spread ?? 0).commission(cost.commission ?? s.commission ?? 0).fill(s.fill ?? 'close').strategy(S, p).run();
      const full = bt();
      showTable([
        { source: 'run (strategy_index)', return_pct: row.return_pct, sharpe: row.sharpe, max_drawdown: row.max_drawdown, trades: row.total_trades },
        { source: 'engine, re-run now', return_pct: full.returnPct, sharpe: full.sharpe, max_drawdown: full.maxDrawdown, trades: full.totalTrades },
      ], { caption: \`\${manifest.strategy.name} \${JSON.stringify(params)} on \${row.symbol} \${row.timeframe}\` });`)
    : code(`
      import sys, json, os
      import pandas as pd
      # The bridge (kernels/python) is on the PYTHONPATH of the kernelspec npm run setup installs.
      import stratlab_bridge as sb

      RUN_DIR = os.path.abspath(RUN_DIR)
      run = sb.open_run(RUN_DIR, root=STRATLAB_ROOT, node=NODE)
      manifest = run.manifest
      row = run.query(f"SELECT * FROM strategy_index WHERE starts_with(strategy_hash, '{STRATEGY_HASH}')").iloc[0]
      params = json.loads(row["parameters"])
      src = next((d for d in manifest["data"] if d["symbol"] == row["symbol"]), manifest["data"][0])
      if not src.get("path"):
          raise RuntimeError(f"run.json names no data file for {row['symbol']}: the engine cannot re-run it")
      def bt(p=None, **flags):
          """One backtest through the CLI with the run's settings; flags override (spread=, commission=, from_=, to=)."""
          return run.backtest(manifest["strategy"]["name"], p or params, src["path"], **flags)
      full = bt()
      sb.show(pd.DataFrame([
          {"source": "run (strategy_index)", "return_pct": row["return_pct"], "sharpe": row["sharpe"], "max_drawdown": row["max_drawdown"], "trades": row["total_trades"]},
          {"source": "engine, re-run now", "return_pct": full["returnPct"], "sharpe": full["sharpe"], "max_drawdown": full["maxDrawdown"], "trades": full["totalTrades"]},
      ]), f"{manifest['strategy']['name']} {json.dumps(params)} on {row['symbol']} {row['timeframe']}")`)],
};

export const stabilitySection: Section = {
  id: 'stability',
  title: 'Stability by period',
  cells: (ctx) => [heading('Stability by period', 2, 'The strategy run on each calendar year alone (indicators warm up again each year, as they would after a restart): a strategy that lives on one year is fragile.'), ts(ctx)
    ? code(`
      const years = [...new Set(Array.from(bars.time, (t) => new Date(t).getUTCFullYear()))];
      const byYear = years.map((y) => {
        const r = bt(slice(bars, \`\${y}-01-01\`, \`\${y}-12-31\`));
        return { year: String(y), return_pct: r.returnPct, sharpe: r.sharpe, max_drawdown: r.maxDrawdown, trades: r.totalTrades, buy_and_hold_pct: r.buyAndHoldReturnPct };
      });
      showTable(byYear, { caption: 'By calendar year' });
      plot(barFigure(byYear, { x: 'year', y: ['return_pct', 'buy_and_hold_pct'], title: 'Return by year: strategy and buy & hold', yTitle: '%' }));
      const positiveYears = byYear.filter((r) => r.return_pct > 0).length;
      console.log(\`positive in \${positiveYears} of \${byYear.length} years\`);`)
    : code(`
      years = range(pd.Timestamp(src["first"]).year, pd.Timestamp(src["last"]).year + 1)
      rows = []
      for y in years:
          r = bt(from_=f"{y}-01-01", to=f"{y}-12-31")
          rows.append({"year": str(y), "return_pct": r["returnPct"], "sharpe": r["sharpe"], "max_drawdown": r["maxDrawdown"], "trades": r["totalTrades"], "buy_and_hold_pct": r["buyAndHoldReturnPct"]})
      by_year = pd.DataFrame(rows)
      sb.show(by_year, "By calendar year")
      sb.bar(by_year, x="year", y=["return_pct", "buy_and_hold_pct"], title="Return by year: strategy and buy & hold", ytitle="%")
      positive_years = int((by_year["return_pct"] > 0).sum())
      print(f"positive in {positive_years} of {len(by_year)} years")`)],
};

export const neighbourhoodSection: Section = {
  id: 'neighbourhood',
  title: 'Parameter neighbourhood',
  cells: (ctx) => [heading('Parameter neighbourhood', 2, 'Each numeric parameter moved by `NEIGHBOUR_FACTORS` (whole numbers stay whole), the others kept: a robust optimum sits on a plateau, not a peak.'), ts(ctx)
    ? code(`
      const neighbours: any[] = [];
      for (const [k, v] of Object.entries(params)) {
        if (typeof v !== 'number') continue;
        for (const f of NEIGHBOUR_FACTORS) {
          const nv = Number.isInteger(v) ? Math.round(v * f) : +(v * f).toPrecision(6);
          if (nv === v) continue;
          try {
            const r = bt(bars, { ...params, [k]: nv });
            neighbours.push({ parameter: k, value: nv, change: \`\${k} \${v} → \${nv}\`, sharpe: r.sharpe, return_pct: r.returnPct, max_drawdown: r.maxDrawdown });
          } catch (e) {
            neighbours.push({ parameter: k, value: nv, change: \`\${k} \${v} → \${nv}\`, error: (e as Error).message });
          }
        }
      }
      showTable(neighbours, { caption: \`Neighbours of \${JSON.stringify(params)} (base Sharpe \${full.sharpe.toFixed(3)})\` });
      plot(barFigure(neighbours.filter((r) => r.sharpe !== undefined), { x: 'change', y: 'sharpe', title: 'Sharpe of each neighbour', yTitle: 'Sharpe' }));
      const tested = neighbours.filter((r) => Number.isFinite(r.sharpe));
      const robustShare = tested.length ? tested.filter((r) => r.sharpe >= 0.5 * full.sharpe).length / tested.length : null;
      console.log(\`\${tested.length} neighbours; \${robustShare === null ? 'none' : (100 * robustShare).toFixed(0) + ' %'} keep at least half the Sharpe\`);`)
    : code(`
      base_sharpe = full["sharpe"]
      rows = []
      for k, v in params.items():
          if isinstance(v, bool) or not isinstance(v, (int, float)):
              continue
          for f in NEIGHBOUR_FACTORS:
              nv = round(v * f) if isinstance(v, int) else float(f"{v * f:.6g}")
              if nv == v:
                  continue
              try:
                  r = bt({**params, k: nv})
                  rows.append({"parameter": k, "value": nv, "change": f"{k} {v} -> {nv}", "sharpe": r["sharpe"], "return_pct": r["returnPct"], "max_drawdown": r["maxDrawdown"]})
              except sb.StratlabError as e:
                  rows.append({"parameter": k, "value": nv, "change": f"{k} {v} -> {nv}", "error": str(e)})
      neighbours = pd.DataFrame(rows)
      sb.show(neighbours, f"Neighbours of {json.dumps(params)} (base Sharpe {base_sharpe:.3f})")
      tested = neighbours[neighbours["sharpe"].notna()] if "sharpe" in neighbours else neighbours.iloc[0:0]
      sb.bar(tested, x="change", y="sharpe", title="Sharpe of each neighbour", ytitle="Sharpe")
      robust_share = float((tested["sharpe"] >= 0.5 * base_sharpe).mean()) if len(tested) else None
      print(f"{len(tested)} neighbours; {'none' if robust_share is None else f'{100 * robust_share:.0f} %'} keep at least half the Sharpe")`)],
};

export const costsSection: Section = {
  id: 'costs',
  title: 'Cost sensitivity',
  cells: (ctx) => [heading('Cost sensitivity', 2, 'The same strategy with wider spreads and commissions: how much cost can it carry before the edge is gone?'), ts(ctx)
    ? code(`
      const costs: any[] = [];
      for (const spread of SPREADS) for (const commission of COMMISSIONS) {
        const r = bt(bars, params, { spread, commission });
        costs.push({ spread, commission, return_pct: r.returnPct, sharpe: r.sharpe });
      }
      plot(heatmapFigure(costs, { x: 'commission', y: 'spread', z: 'return_pct', title: 'Return (%) by spread × commission', colorscale: 'RdYlGn', decimals: 1 }));
      plot(heatmapFigure(costs, { x: 'commission', y: 'spread', z: 'sharpe', title: 'Sharpe by spread × commission', colorscale: 'RdYlGn' }));
      const survives = costs.filter((r) => r.return_pct > 0).length;
      console.log(\`profitable in \${survives} of \${costs.length} cost settings\`);`)
    : code(`
      rows = []
      for spread in SPREADS:
          for commission in COMMISSIONS:
              r = bt(spread=spread, commission=commission)
              rows.append({"spread": spread, "commission": commission, "return_pct": r["returnPct"], "sharpe": r["sharpe"]})
      costs = pd.DataFrame(rows)
      sb.heatmap(costs, x="commission", y="spread", z="return_pct", title="Return (%) by spread x commission", colorscale="RdYlGn", decimals=1)
      sb.heatmap(costs, x="commission", y="spread", z="sharpe", title="Sharpe by spread x commission", colorscale="RdYlGn")
      survives = int((costs["return_pct"] > 0).sum())
      print(f"profitable in {survives} of {len(costs)} cost settings")`)],
};

export const productionExport: Section = {
  id: 'production-export',
  title: 'Export results',
  cells: (ctx) => [heading('Export results', 2, 'The checks above, as numbers, in `production_<hash>.json` in the run directory.'), ts(ctx)
    ? code(`
      const report = {
        runId: manifest.runId, strategyHash: hash, strategy: manifest.strategy.name, parameters: params, generatedAt: new Date().toISOString(),
        reproduced: { run: { returnPct: row.return_pct, sharpe: row.sharpe }, engine: { returnPct: full.returnPct, sharpe: full.sharpe } },
        // No shorthand properties: tslab does not rewrite them to variables of earlier cells.
        stability: { positiveYears: positiveYears, years: byYear.length, byYear: byYear },
        neighbourhood: { tested: tested.length, robustShare: robustShare },
        costs: { profitableSettings: survives, settings: costs.length, grid: costs },
      };
      const out = path.join(RUN_DIR, \`production_\${hash}.json\`);
      fs.writeFileSync(out + '.tmp', JSON.stringify(report, null, 2) + '\\n');
      fs.renameSync(out + '.tmp', out);
      console.log(\`wrote \${out}\`);`)
    : code(`
      report = {
          "runId": manifest["runId"], "strategyHash": row["strategy_hash"], "strategy": manifest["strategy"]["name"], "parameters": params,
          "generatedAt": pd.Timestamp.now(tz="UTC").isoformat(),
          "reproduced": {"run": {"returnPct": row["return_pct"], "sharpe": row["sharpe"]}, "engine": {"returnPct": full["returnPct"], "sharpe": full["sharpe"]}},
          "stability": {"positiveYears": positive_years, "years": len(by_year), "byYear": by_year.to_dict("records")},
          "neighbourhood": {"tested": len(tested), "robustShare": robust_share},
          "costs": {"profitableSettings": survives, "settings": len(costs), "grid": costs.to_dict("records")},
      }
      out = sb.write_json_atomic(os.path.join(RUN_DIR, f"production_{row['strategy_hash']}.json"), report)
      print(f"wrote {out}")`)],
};

export const PRODUCTION_SECTIONS = [productionParameters, productionHeader, productionSetup, stabilitySection, neighbourhoodSection, costsSection, productionExport];
