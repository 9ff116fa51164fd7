/** Pattern discovery, visualizations and the export of recommendations.json. */
import { code, heading, type CellSpec } from '../cells';
import { ts, py, type Section } from '../context';


// Which values of a parameter are over-represented among the top 10 % by Sharpe (lift 1 = as often as chance).
const sweetSql = `WITH r AS (SELECT \${param(p, true)} AS value, percent_rank() OVER (ORDER BY sharpe) >= 0.9 AS top
    FROM strategy_index WHERE status = 'ok' AND isfinite(sharpe))
  SELECT value, COUNT(*)::DOUBLE AS strategies, COUNT(*) FILTER (WHERE top)::DOUBLE AS in_top_decile,
    (COUNT(*) FILTER (WHERE top)::DOUBLE / COUNT(*)) / ((SELECT COUNT(*) FILTER (WHERE top) FROM r)::DOUBLE / (SELECT COUNT(*) FROM r)) AS lift
  FROM r GROUP BY value ORDER BY lift DESC, value`;
// The daily regime (docs/notebooks.md §3.7): per day, the share of signals that go long, and how many there are.
const regimeSql = `WITH d AS (SELECT CAST(ts AS DATE) AS day, avg(CASE WHEN val > 0 THEN 1 ELSE 0 END) AS long_ratio, COUNT(*)::DOUBLE AS signals
    FROM traces WHERE val <> 0 GROUP BY day)
  SELECT COUNT(*)::DOUBLE AS days_with_signals, avg(long_ratio) AS avg_long_bias, avg(signals) AS avg_daily_signals, stddev(signals) AS signal_consistency FROM d`;
// Every entry's move until the position changes again (the next trace row), in the entry's direction.
const followSql = `WITH t AS (SELECT strategy_hash, val, price, lead(price) OVER (PARTITION BY strategy_hash ORDER BY ts) AS next_price FROM traces)
  SELECT CASE WHEN val > 0 THEN 'long' ELSE 'short' END AS direction, COUNT(*)::DOUBLE AS signals,
    100 * avg(val * (next_price / price - 1)) AS avg_move_pct, 100 * avg(CASE WHEN val * (next_price / price - 1) > 0 THEN 1 ELSE 0 END) AS favourable_pct
  FROM t WHERE val <> 0 AND next_price IS NOT NULL GROUP BY direction ORDER BY direction`;

export const patternsSection: Section = {
  id: 'patterns',
  title: 'Pattern discovery',
  appliesTo: (ctx) => ctx.has.traces,
  cells: (ctx) => {
    const intro = heading('Pattern discovery', 2, `
      Queries over the run's traces through \`TraceAnalysis\` (a DuckDB view \`traces\` next to \`strategy_index\`):
      parameter values that crowd the top decile, the daily long/short regime, and how often a signal is followed
      by a move in its favour. Known patterns from the pattern library, tested on this run, follow when there are any.`);
    if (ts(ctx)) return [intro, code(`
      const ta = await TraceAnalysis.open(RUN_DIR);
      for (const p of varying) {
        const rows = await ta.query(\`${sweetSql}\`) as any[];
        sweetSpots[p] = rows.filter((r) => r.lift > 1.2 && r.in_top_decile >= 2);
        showTable(rows.slice(0, 8), { caption: \`\${p}: share of the top decile by Sharpe (lift > 1: over-represented)\` });
      }`), code(`
      showTable(await ta.query(\`${regimeSql}\`) as any[], { caption: 'Daily regime of the signals' });
      const follow = await ta.query(\`${followSql}\`) as any[];
      showTable(follow, { caption: 'Signals followed by a favourable move until the next position change' });`)];
    return [intro, code(`
      ta = sb.TraceAnalysis(RUN_DIR, root=STRATLAB_ROOT, node=NODE)
      for p in varying:
          rows = ta.query(f"""${py(sweetSql).replace('{param(p, true)}', '{param(p, True)}')}""")
          sweet_spots[p] = rows[(rows["lift"] > 1.2) & (rows["in_top_decile"] >= 2)].to_dict("records")
          sb.show(rows.head(8), f"{p}: share of the top decile by Sharpe (lift > 1: over-represented)")`), code(`
      sb.show(ta.query("""${regimeSql}"""), "Daily regime of the signals")
      follow = ta.query("""${followSql}""")
      sb.show(follow, "Signals followed by a favourable move until the next position change")`)];
  },
};

/**
 * The known patterns of this strategy type from the pattern library, each measured again on this run
 * (its success and sample size here, next to what was saved): do yesterday's patterns hold today?
 */
export const knownPatternsSection: Section = {
  id: 'known-patterns',
  title: 'Known patterns',
  appliesTo: (ctx) => ctx.has.traces,
  cells: (ctx) => {
    const intro = heading('Known patterns', 2, `
      Patterns saved in the library (\`PATTERNS_FILE\`) for ${ctx.strategyType} strategies, measured again on this run:
      the share of matched signals followed by a favourable move over the pattern's horizon, with the sample size.
      \`stratlab patterns discover --run RUN_DIR --save\` adds measured patterns from this run.`);
    if (ts(ctx)) return [intro, code(`
      const patternLib = new PatternLibrary(PATTERNS_FILE);
      for (const p of patternLib.problems) console.log(\`\${PATTERNS_FILE} line \${p.line}: \${p.message} (entry skipped)\`);
      const known = patternLib.search({ strategyType: manifest.strategy.type });
      const knownRows: Record<string, unknown>[] = [];
      for (const p of known) {
        try {
          const m = await measurePattern(RUN_DIR, p, { horizon: p.horizon });
          knownRows.push({ pattern: p.name, saved_success: p.successRate, saved_sample: p.sampleSize, success_here: m.successRate, sample_here: m.sampleSize, horizon: p.horizon });
        } catch (e) {
          knownRows.push({ pattern: p.name, error: (e as Error).message });
        }
      }
      if (knownRows.length) showTable(knownRows, { caption: \`Known \${manifest.strategy.type} patterns, measured on this run\` });
      else console.log(\`no saved patterns for \${manifest.strategy.type} strategies in \${PATTERNS_FILE} yet\`);`)];
    return [intro, code(`
      if os.path.exists(PATTERNS_FILE):
          listed = sb.cli(["patterns", "list", "--library", PATTERNS_FILE, "--strategy-type", ${JSON.stringify(ctx.strategyType)}, "--json"], root=STRATLAB_ROOT, node=NODE)
          names = [p["name"] for p in (listed.get("patterns", []) if isinstance(listed, dict) else listed)]
      else:
          names = []
      if names:
          tested = sb.cli(["patterns", "test", "--run", RUN_DIR, "--all", "--library", PATTERNS_FILE, "--json"], root=STRATLAB_ROOT, node=NODE)
          rows = [t for t in tested.get("tests", []) if t.get("name") in names]
          sb.show(pd.json_normalize(rows), "Known patterns, measured on this run")
      else:
          print(f"no saved patterns for ${ctx.strategyType} strategies in {PATTERNS_FILE} yet")`)];
  },
};

const sensSql = `SELECT \${param(p)} AS value, avg(sharpe) AS mean_sharpe, max(sharpe) AS best_sharpe, COUNT(*)::DOUBLE AS strategies
  FROM strategy_index WHERE status = 'ok' GROUP BY value ORDER BY value`;
const scatterSql = `SELECT strategy_hash, parameters, return_pct, max_drawdown, sharpe FROM strategy_index WHERE status = 'ok' AND isfinite(sharpe)`;

export const visualizationsSection: Section = {
  id: 'visualizations',
  title: 'Visualizations',
  cells: (ctx) => {
    const intro = heading('Visualizations', 2, `The best strategy's equity against buy & hold and its drawdown${ctx.has.equity ? '' : ' (not available: this run saved no equity curves)'}${ts(ctx) ? ', the best strategy re-run with the engine (its price chart with trades, indicator panes, equity and drawdown, and its monthly returns)' : ''}, the sensitivity of Sharpe to each varied parameter, and every strategy's return and drawdown against its Sharpe.`);
    const cells: CellSpec[] = [intro];
    if (ts(ctx)) {
      if (ctx.has.equity) cells.push(code(`
        // Equity from the run; buy & hold from the bars it ran on (loaded again from the file run.json names).
        const best = top[0];
        const eq = await q(\`SELECT epoch_ms(ts)::DOUBLE AS t, equity FROM equity WHERE strategy_hash = '\${best.strategy_hash}' ORDER BY ts\`);
        const src = manifest.data.find((d) => d.symbol === best.symbol) ?? manifest.data[0];
        if (!eq.length) console.log(\`no saved equity curve for \${best.strategy_hash}\`);
        else {
          const t = eq.map((r) => r.t), e = eq.map((r) => r.equity);
          const series: Record<string, { t: number[]; y: number[] }> = { [\`\${manifest.strategy.name} \${best.strategy_hash.slice(0, 8)}\`]: { t, y: e } };
          if (src?.path && fs.existsSync(src.path)) {
            const bars = await loadBars(src.path);
            // The close at or before each equity time (the run may have resampled the file).
            const hold: number[] = [];
            let j = 0, first = NaN;
            for (const ti of t) { while (j + 1 < bars.time.length && bars.time[j + 1] <= ti) j++; const c = bars.close[j]; if (first !== first) first = c; hold.push(e[0] * c / first); }
            series['Buy & hold'] = { t, y: hold };
          } else console.log('the data file is not available: no buy & hold line');
          plot(timeFigure(series, { title: \`Best strategy (Sharpe \${Number(best.sharpe).toFixed(2)}) vs buy & hold, \${best.symbol} \${best.timeframe}\`, yTitle: 'Equity' }));
          let peak = -Infinity;
          const dd = e.map((v) => { peak = Math.max(peak, v); return 100 * (v / peak - 1); });
          plot(timeFigure({ Drawdown: { t, y: dd } }, { title: \`Drawdown (max \${Math.min(...dd).toFixed(2)} %)\`, yTitle: 'Drawdown (%)', fill: true }));
        }`));
      cells.push(code(`
        // The best strategy re-run with the engine on the bars it ran on: price with its indicators and trades,
        // equity, drawdown and volume in one chart on a shared time axis (zoom one pane, all follow), then its monthly returns.
        const bestRow = top[0];
        const bestSrc = manifest.data.find((d) => d.symbol === bestRow?.symbol) ?? manifest.data[0];
        const BestStrategy = (() => { try { return strategies.strategyByName(manifest.strategy.name); } catch { return null; } })();
        if (!bestRow || !bestSrc?.path || !fs.existsSync(bestSrc.path) || !BestStrategy) console.log(\`no backtest chart: \${!BestStrategy ? \`\${manifest.strategy.name} is not a built-in strategy\` : 'the data file is not available'}\`);
        else {
          const file = await loadBars(bestSrc.path);
          const bars = file.timeframe === bestRow.timeframe ? file : resample(file, bestRow.timeframe);
          const st = manifest.settings as any;
          const bestRun = engine(bars).cash(st.cash ?? 10_000).spread(st.spread ?? 0).commission(st.commission ?? 0).fill(st.fill ?? 'close')
            .strategy(BestStrategy, JSON.parse(bestRow.parameters)).run();
          bestRun.plot();
          bestRun.plotMonthlyReturns();
        }`));
      cells.push(code(`
        // Parameter sensitivity: Sharpe by each numeric varied parameter, and over the two heatmap axes.
        for (const p of varying.filter((v) => numeric.has(v))) {
          const rows = await q(\`${sensSql}\`);
          plot(barFigure(rows, { x: 'value', y: ['mean_sharpe', 'best_sharpe'], title: \`Sharpe by \${p}\`, yTitle: 'Sharpe' }));
        }
        if (axes.length === 2) {
          // Disqualified strategies are a grey layer outside the colour scale (the Python notebook draws the same).
          const grid = await q(\`SELECT \${param(axes[0])} AS "\${axes[0]}", \${param(axes[1])} AS "\${axes[1]}", sharpe, disqualified FROM strategy_index WHERE status = 'ok'\`);
          plot(heatmapFigure(grid, { x: axes[1], y: axes[0], z: 'sharpe', title: 'Sharpe ratio over the grid', colorscale: 'RdBu', disqualified: 'disqualified' }));
        }`), code(`
        const all = await q(\`${scatterSql}\`);
        plot(scatterFigure(all, { x: 'return_pct', y: 'sharpe', text: 'parameters', title: 'Return vs Sharpe' }));
        plot(scatterFigure(all, { x: 'max_drawdown', y: 'sharpe', text: 'parameters', title: 'Max drawdown vs Sharpe' }));`));
      return cells;
    }
    if (ctx.has.equity) cells.push(code(`
      # Equity from the run; buy & hold from the bars it ran on (loaded again from the file run.json names).
      best = top.iloc[0]
      eq = q(f"SELECT epoch_ms(ts)::DOUBLE AS t, equity FROM equity WHERE strategy_hash = '{best['strategy_hash']}' ORDER BY ts")
      if len(eq) == 0:
          print(f"no saved equity curve for {best['strategy_hash']}")
      else:
          series = {f"{manifest['strategy']['name']} {best['strategy_hash'][:8]}": (eq["t"], eq["equity"])}
          bars = run.bars(best["symbol"])
          if bars is not None:
              close = pd.merge_asof(eq[["t"]], bars[["t", "close"]], on="t")["close"].bfill()
              series["Buy & hold"] = (eq["t"], eq["equity"].iloc[0] * close / close.iloc[0])
          else:
              print("the data file is not available: no buy & hold line")
          sb.lines(series, title=f"Best strategy (Sharpe {best['sharpe']:.2f}) vs buy & hold, {best['symbol']} {best['timeframe']}", ytitle="Equity")
          dd = 100 * (eq["equity"] / eq["equity"].cummax() - 1)
          sb.lines({"Drawdown": (eq["t"], dd)}, title=f"Drawdown (max {dd.min():.2f} %)", ytitle="Drawdown (%)", fill=True)`));
    cells.push(code(`
      # Parameter sensitivity: Sharpe by each numeric varied parameter, and over the two heatmap axes.
      for p in [v for v in varying if v in numeric]:
          rows = q(f"""${py(sensSql)}""")
          sb.bar(rows, x="value", y=["mean_sharpe", "best_sharpe"], title=f"Sharpe by {p}", ytitle="Sharpe")
      if len(axes) == 2:
          grid = q(f'SELECT {param(axes[0])} AS "{axes[0]}", {param(axes[1])} AS "{axes[1]}", sharpe, disqualified FROM strategy_index WHERE status = \\'ok\\'')
          sb.heatmap(grid, x=axes[1], y=axes[0], z="sharpe", title="Sharpe ratio over the grid", colorscale="RdBu", disqualified="disqualified")`), code(`
      all_ = q("""${scatterSql}""")
      sb.scatter(all_, x="return_pct", y="sharpe", text="parameters", title="Return vs Sharpe")
      sb.scatter(all_, x="max_drawdown", y="sharpe", text="parameters", title="Max drawdown vs Sharpe")`));
    return cells;
  },
};

export const exportSection: Section = {
  id: 'export',
  title: 'Export results',
  cells: (ctx) => {
    const intro = heading('Export results', 2, 'The best strategy, the top list and the parameter sweet spots found above, written to `recommendations.json` in the run directory (to a temp file first, then renamed).');
    if (ts(ctx)) return [intro, code(`
      const metricsOf = (r: any) => ({ score: r.score, sharpe: r.sharpe, returnPct: r.return_pct, maxDrawdown: r.max_drawdown, totalTrades: r.total_trades, winRate: r.win_rate, profitFactor: r.profit_factor });
      const pick = (r: any) => ({ strategyHash: r.strategy_hash, symbol: r.symbol, timeframe: r.timeframe, parameters: JSON.parse(r.parameters), metrics: metricsOf(r) });
      const recommendations = {
        runId: manifest.runId, runDir: RUN_DIR, strategy: manifest.strategy, generatedAt: new Date().toISOString(),
        rankedBy: 'score (disqualified last), then Sharpe',
        best: top.length ? pick(top[0]) : null,
        top: top.map(pick),
        sweetSpots: sweetSpots,
        analysed: { strategies: manifest.strategyCount, kernel: 'ts' },
      };
      const out = path.join(RUN_DIR, 'recommendations.json');
      const tmp = \`\${out}.\${process.pid}.tmp\`;
      fs.writeFileSync(tmp, JSON.stringify(recommendations, null, 2) + '\\n');
      fs.renameSync(tmp, out);
      console.log(\`wrote \${out}\`);
      if (recommendations.best) console.log(\`best: \${recommendations.best.strategyHash} \${JSON.stringify(recommendations.best.parameters)} Sharpe \${Number(top[0].sharpe).toFixed(2)}, return \${Number(top[0].return_pct).toFixed(2)} %, max drawdown \${Number(top[0].max_drawdown).toFixed(2)} %\`);`)];
    return [intro, code(`
      def pick(r):
          return {"strategyHash": r["strategy_hash"], "symbol": r["symbol"], "timeframe": r["timeframe"], "parameters": json.loads(r["parameters"]),
                  "metrics": {"score": r["score"], "sharpe": r["sharpe"], "returnPct": r["return_pct"], "maxDrawdown": r["max_drawdown"],
                              "totalTrades": r["total_trades"], "winRate": r["win_rate"], "profitFactor": r["profit_factor"]}}
      rows = [sb.plain(r) for r in top.to_dict("records")]
      recommendations = {
          "runId": manifest["runId"], "runDir": RUN_DIR, "strategy": manifest["strategy"], "generatedAt": pd.Timestamp.now(tz="UTC").isoformat(),
          "rankedBy": "score (disqualified last), then Sharpe",
          "best": pick(rows[0]) if rows else None,
          "top": [pick(r) for r in rows],
          "sweetSpots": sb.plain(sweet_spots),
          "analysed": {"strategies": manifest["strategyCount"], "kernel": "python"},
      }
      out = sb.write_json_atomic(os.path.join(RUN_DIR, "recommendations.json"), recommendations)
      print(f"wrote {out}")
      if rows:
          b = rows[0]
          print(f"best: {b['strategy_hash']} {b['parameters']} Sharpe {b['sharpe']:.2f}, return {b['return_pct']:.2f} %, max drawdown {b['max_drawdown']:.2f} %")`)];
  },
};
