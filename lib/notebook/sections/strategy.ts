/**
 * Strategy-type sections: what is worth looking at for each family (STRATEGY_TYPES). All read the
 * run through SQL; the heatmap axes are the two parameters the run varied (AXES / `axes` in the cells).
 */
import { code, heading, type CellSpec } from '../cells';
import { ts, py, type NotebookContext, type Section } from '../context';


// Trading days the run spans: from a saved equity curve (one row per bar) when there is one.
const daysSql = (ctx: NotebookContext) => ctx.has.equity
  ? `SELECT COUNT(DISTINCT CAST(ts AS DATE))::DOUBLE AS n FROM equity WHERE strategy_hash = (SELECT min(strategy_hash) FROM equity)`
  : `SELECT COUNT(DISTINCT CAST(ts AS DATE))::DOUBLE AS n FROM traces`;

const freqSql = (days: string) => `
  WITH s AS (SELECT strategy_hash, COUNT(*) FILTER (WHERE val <> 0)::DOUBLE AS num_signals,
                    COUNT(DISTINCT CAST(ts AS DATE)) FILTER (WHERE val <> 0)::DOUBLE AS active_days
             FROM traces GROUP BY strategy_hash)
  SELECT i.strategy_hash, i.symbol, \${param(ax)} AS "\${ax}", \${param(ay)} AS "\${ay}", i.sharpe, i.return_pct,
         COALESCE(s.num_signals, 0) AS num_signals, COALESCE(s.active_days, 0) AS active_days,
         COALESCE(s.num_signals, 0) / ${days} AS signals_per_day
  FROM strategy_index i LEFT JOIN s USING (strategy_hash) WHERE i.status = 'ok'`;

export const bollingerSection: Section = {
  id: 'bollinger',
  title: 'Bollinger Bands signal frequency',
  appliesTo: (ctx) => ctx.strategyType === 'bollinger_bands' && ctx.has.traces,
  cells: (ctx) => {
    const intro = heading('Bollinger Bands signal frequency', 2, `
      How often each band setting signals (a signal: a trace row where the position becomes long or short), over
      the band's period × width: signals per trading day, total signals, which settings land in the
      \`SIGNALS_PER_DAY_BAND\` (1–3 a day by default; daily bars signal far less, so expect it empty there) and on how many days each signalled.`);
    if (ts(ctx)) return [intro, code(`
      const days = Number((await q(\`${daysSql(ctx)}\`))[0].n);
      const [lo, hi] = SIGNALS_PER_DAY_BAND;
      if (axes.length < 2) console.log('the run varied fewer than two parameters: no heatmaps');
      else {
        const [ax, ay] = axes;
        const freq = (await q(\`${freqSql('${days}')}\`)).map((r) => ({ ...r, in_band: r.signals_per_day >= lo && r.signals_per_day <= hi ? 1 : 0 }));
        plot(heatmapFigure(freq, { x: ay, y: ax, z: 'signals_per_day', title: \`Signals per trading day (\${days} days)\`, decimals: 3 }));
        plot(heatmapFigure(freq, { x: ay, y: ax, z: 'num_signals', title: 'Total signals', colorscale: 'Plasma', decimals: 0 }));
        plot(heatmapFigure(freq, { x: ay, y: ax, z: 'in_band', title: \`In the \${lo}–\${hi} signals/day band (1 = yes)\`, colorscale: 'RdYlGn', decimals: 0 }));
        plot(heatmapFigure(freq, { x: ay, y: ax, z: 'active_days', title: 'Days with at least one signal', colorscale: 'Magma', decimals: 0 }));
        const band = freq.filter((r) => r.in_band === 1).sort((a, b) => b.sharpe - a.sharpe);
        console.log(\`\${band.length} of \${freq.length} strategies signal \${lo}–\${hi} times a day\`);
        showTable((band.length ? band : [...freq].sort((a, b) => b.signals_per_day - a.signals_per_day)).slice(0, TOP_N),
          { caption: band.length ? 'In the band, best Sharpe first' : 'Nothing in the band: the most frequent signallers' });
      }`)];
    return [intro, code(`
      days = float(q("""${daysSql(ctx)}""")["n"].iloc[0])
      lo, hi = SIGNALS_PER_DAY_BAND
      if len(axes) < 2:
          print("the run varied fewer than two parameters: no heatmaps")
      else:
          ax, ay = axes
          freq = q(f"""${py(freqSql('{days}'))}""")
          freq["in_band"] = ((freq["signals_per_day"] >= lo) & (freq["signals_per_day"] <= hi)).astype(int)
          sb.heatmap(freq, x=ay, y=ax, z="signals_per_day", title=f"Signals per trading day ({days:.0f} days)", decimals=3)
          sb.heatmap(freq, x=ay, y=ax, z="num_signals", title="Total signals", colorscale="Plasma", decimals=0)
          sb.heatmap(freq, x=ay, y=ax, z="in_band", title=f"In the {lo}-{hi} signals/day band (1 = yes)", colorscale="RdYlGn", decimals=0)
          sb.heatmap(freq, x=ay, y=ax, z="active_days", title="Days with at least one signal", colorscale="Magma", decimals=0)
          band = freq[freq["in_band"] == 1].sort_values("sharpe", ascending=False)
          print(f"{len(band)} of {len(freq)} strategies signal {lo}-{hi} times a day")
          sb.show((band if len(band) else freq.sort_values("signals_per_day", ascending=False)).head(TOP_N),
                  "In the band, best Sharpe first" if len(band) else "Nothing in the band: the most frequent signallers")`)];
  },
};

const tradeStatsSql = `
  SELECT i.strategy_hash, \${param(ax)} AS "\${ax}", \${param(ay)} AS "\${ay}", i.sharpe, i.return_pct, i.win_rate, i.exposure_pct,
         t.trades, t.avg_bars_held, t.quick_loss_pct, t.long_pnl, t.short_pnl
  FROM strategy_index i LEFT JOIN (
    SELECT strategy_hash, COUNT(*)::DOUBLE AS trades, avg(bars_held)::DOUBLE AS avg_bars_held,
           100 * avg(CASE WHEN pnl <= 0 AND bars_held <= 3 THEN 1 ELSE 0 END) AS quick_loss_pct,
           COALESCE(sum(pnl) FILTER (WHERE side = 'long'), 0) AS long_pnl, COALESCE(sum(pnl) FILTER (WHERE side = 'short'), 0) AS short_pnl
    FROM trades GROUP BY strategy_hash) t USING (strategy_hash)
  WHERE i.status = 'ok'`;
const exitSql = `SELECT exit_reason, side, COUNT(*)::DOUBLE AS trades, avg(return_pct) AS avg_return_pct, 100 * avg(CASE WHEN pnl > 0 THEN 1 ELSE 0 END) AS win_pct
  FROM trades WHERE strategy_hash IN (SELECT strategy_hash FROM strategy_index WHERE status = 'ok' ORDER BY score DESC NULLS LAST LIMIT \${TOP_N})
  GROUP BY exit_reason, side ORDER BY trades DESC`;

/** Breakout and momentum share the trend-following questions: Sharpe over the grid, how long trends are ridden, false starts. */
function trendSection(id: string, type: string, title: string, falseStart: string, blurb: string): Section {
  return {
    id, title,
    appliesTo: (ctx) => ctx.strategyType === type,
    cells: (ctx) => {
      const intro = heading(title, 2, blurb);
      const noTrades = ctx.has.trades ? '' : ' (no trades file: trade columns are empty)';
      if (ts(ctx)) {
        const cells: CellSpec[] = [intro, code(`
          // ${falseStart}: the share of trades that lost within 3 bars${noTrades}.
          if (axes.length < 2) console.log('the run varied fewer than two parameters: no heatmaps');
          else {
            const [ax, ay] = axes;
            const stats = await q(\`${ctx.has.trades ? tradeStatsSql : tradeStatsSql.replace(/LEFT JOIN \([\s\S]*\) t USING \(strategy_hash\)/, 'LEFT JOIN (SELECT NULL::VARCHAR AS strategy_hash, NULL::DOUBLE AS trades, NULL::DOUBLE AS avg_bars_held, NULL::DOUBLE AS quick_loss_pct, NULL::DOUBLE AS long_pnl, NULL::DOUBLE AS short_pnl) t USING (strategy_hash)')}\`);
            plot(heatmapFigure(stats, { x: ay, y: ax, z: 'sharpe', title: 'Sharpe ratio', colorscale: 'RdBu' }));
            plot(heatmapFigure(stats, { x: ay, y: ax, z: 'avg_bars_held', title: 'Average bars held per trade', colorscale: 'Blues', decimals: 1 }));
            plot(heatmapFigure(stats, { x: ay, y: ax, z: 'quick_loss_pct', title: '${falseStart} (% of trades lost within 3 bars)', colorscale: 'Reds', decimals: 1 }));
            showTable([...stats].sort((a, b) => b.sharpe - a.sharpe).slice(0, TOP_N), { caption: 'Best Sharpe: long and short P&L, time in the market' });
          }`)];
        if (ctx.has.trades) cells.push(code(`
          const exits = await q(\`${exitSql}\`);
          showTable(exits, { caption: 'How the top strategies exit' });
          plot(barFigure(exits.map((r) => ({ ...r, exit: \`\${r.exit_reason} (\${r.side})\` })), { x: 'exit', y: 'trades', title: 'Exits of the top strategies' }));`));
        return cells;
      }
      const cells: CellSpec[] = [intro, code(`
        # ${falseStart}: the share of trades that lost within 3 bars${noTrades}.
        if len(axes) < 2:
            print("the run varied fewer than two parameters: no heatmaps")
        else:
            ax, ay = axes
            stats = q(f"""${py(ctx.has.trades ? tradeStatsSql : tradeStatsSql.replace(/LEFT JOIN \([\s\S]*\) t USING \(strategy_hash\)/, 'LEFT JOIN (SELECT NULL::VARCHAR AS strategy_hash, NULL::DOUBLE AS trades, NULL::DOUBLE AS avg_bars_held, NULL::DOUBLE AS quick_loss_pct, NULL::DOUBLE AS long_pnl, NULL::DOUBLE AS short_pnl) t USING (strategy_hash)'))}""")
            sb.heatmap(stats, x=ay, y=ax, z="sharpe", title="Sharpe ratio", colorscale="RdBu")
            sb.heatmap(stats, x=ay, y=ax, z="avg_bars_held", title="Average bars held per trade", colorscale="Blues", decimals=1)
            sb.heatmap(stats, x=ay, y=ax, z="quick_loss_pct", title="${falseStart} (% of trades lost within 3 bars)", colorscale="Reds", decimals=1)
            sb.show(stats.sort_values("sharpe", ascending=False).head(TOP_N), "Best Sharpe: long and short P&L, time in the market")`)];
      if (ctx.has.trades) cells.push(code(`
        exits = q(f"""${py(exitSql)}""")
        sb.show(exits, "How the top strategies exit")
        exits["exit"] = exits["exit_reason"] + " (" + exits["side"] + ")"
        sb.bar(exits, x="exit", y="trades", title="Exits of the top strategies")`));
      return cells;
    },
  };
}

export const breakoutSection = trendSection('breakout', 'breakout', 'Breakout analysis', 'False breakouts',
  'Channel breakouts live on few, long trends: Sharpe over the entry × exit channel, how long the trades last, how many breakouts fail at once (lost within 3 bars), and how the top strategies exit (signal, stop-loss, end of data).');
export const momentumSection = trendSection('momentum', 'momentum', 'Momentum analysis', 'Whipsaws',
  'Moving-average momentum trades crossings: Sharpe over the fast × slow grid, how long a trend is held, how often a crossing reverses at once (a whipsaw: lost within 3 bars), and how the top strategies exit.');

const mrSql = `
  SELECT i.strategy_hash, \${param(ax)} AS "\${ax}", \${param(ay)} AS "\${ay}", i.sharpe, i.win_rate, i.avg_trade_pct, i.total_trades, i.profit_factor
  FROM strategy_index i WHERE i.status = 'ok'`;
const holdSql = `SELECT bars_held::DOUBLE AS bars_held, return_pct FROM trades
  WHERE strategy_hash IN (SELECT strategy_hash FROM strategy_index WHERE status = 'ok' ORDER BY score DESC NULLS LAST LIMIT \${TOP_N})`;

export const meanReversionSection: Section = {
  id: 'mean-reversion',
  title: 'Mean reversion analysis',
  appliesTo: (ctx) => ctx.strategyType === 'mean_reversion',
  cells: (ctx) => {
    const intro = heading('Mean reversion analysis', 2, 'Mean reversion wins often and small: win rate and profit factor over the entry thresholds, the win rate against the average trade, and how long the top strategies hold (reversion should be quick).');
    if (ts(ctx)) {
      const cells: CellSpec[] = [intro, code(`
        const mr = axes.length < 2 ? [] : await q(\`${mrSql.replace(/\$\{param\(ax\)\} AS "\$\{ax\}", \$\{param\(ay\)\} AS "\$\{ay\}", /, '${param(axes[0])} AS "${axes[0]}", ${param(axes[1])} AS "${axes[1]}", ')}\`);
        if (mr.length) {
          plot(heatmapFigure(mr, { x: axes[1], y: axes[0], z: 'win_rate', title: 'Win rate', colorscale: 'Greens', decimals: 1 }));
          plot(heatmapFigure(mr, { x: axes[1], y: axes[0], z: 'profit_factor', title: 'Profit factor', colorscale: 'RdYlGn' }));
        } else console.log('the run varied fewer than two parameters: no heatmaps');
        const all = await q("SELECT strategy_hash, parameters, win_rate, avg_trade_pct, sharpe FROM strategy_index WHERE status = 'ok'");
        plot(scatterFigure(all, { x: 'win_rate', y: 'avg_trade_pct', color: 'sharpe', text: 'parameters', title: 'Win rate vs average trade (colour: Sharpe)' }));`)];
      if (ctx.has.trades) cells.push(code(`
        const held = await q(\`${holdSql}\`);
        plot({ data: [{ type: 'histogram', x: held.map((r) => r.bars_held), nbinsx: 40 }], layout: { title: { text: \`Bars held, \${held.length} trades of the top strategies\` }, xaxis: { title: { text: 'bars held' } }, yaxis: { title: { text: 'trades' } }, height: 340 } });`));
      return cells;
    }
    const cells: CellSpec[] = [intro, code(`
      if len(axes) >= 2:
          ax, ay = axes
          mr = q(f"""${py(mrSql)}""")
          sb.heatmap(mr, x=ay, y=ax, z="win_rate", title="Win rate", colorscale="Greens", decimals=1)
          sb.heatmap(mr, x=ay, y=ax, z="profit_factor", title="Profit factor", colorscale="RdYlGn")
      else:
          print("the run varied fewer than two parameters: no heatmaps")
      all_ = q("SELECT strategy_hash, parameters, win_rate, avg_trade_pct, sharpe FROM strategy_index WHERE status = 'ok'")
      sb.scatter(all_, x="win_rate", y="avg_trade_pct", text="parameters", title="Win rate vs average trade")`)];
    if (ctx.has.trades) cells.push(code(`
      held = q(f"""${py(holdSql)}""")
      sb.histogram(held, "bars_held", title=f"Bars held, {len(held)} trades of the top strategies")`));
    return cells;
  },
};

const gateSql = `SELECT \${param(p, true)} AS value, COUNT(*)::DOUBLE AS strategies, avg(sharpe) AS mean_sharpe, max(sharpe) AS best_sharpe,
    avg(exposure_pct) AS mean_exposure_pct, avg(total_trades) AS mean_trades
  FROM strategy_index WHERE status = 'ok' GROUP BY value ORDER BY mean_sharpe DESC`;
const agreeSql = `SELECT epoch_ms(date_trunc('month', ts))::DOUBLE AS month,
    COUNT(*) FILTER (WHERE val = 1)::DOUBLE AS to_long, COUNT(*) FILTER (WHERE val = -1)::DOUBLE AS to_short, COUNT(*) FILTER (WHERE val = 0)::DOUBLE AS to_flat
  FROM traces GROUP BY month ORDER BY month`;

export const ensembleSection: Section = {
  id: 'ensemble',
  title: 'Ensemble analysis',
  appliesTo: (ctx) => ctx.strategyType === 'ensemble',
  cells: (ctx) => {
    const intro = heading('Ensemble analysis', 2, 'A composed strategy (a gate, a filter or a vote over inner strategies): what each choice of block does to Sharpe and to time in the market, and whether the members act together (signal changes per month, all strategies of the run).');
    if (ts(ctx)) return [intro, code(`
      for (const p of varying) {
        const rows = await q(\`${gateSql}\`);
        showTable(rows, { caption: \`By \${p}\` });
        plot(barFigure(rows, { x: 'value', y: ['mean_sharpe', 'best_sharpe'], title: \`Sharpe by \${p}\` }));
      }
      const gate = await q("SELECT exposure_pct, sharpe, parameters FROM strategy_index WHERE status = 'ok'");
      plot(scatterFigure(gate, { x: 'exposure_pct', y: 'sharpe', text: 'parameters', title: 'Time in the market vs Sharpe' }));`),
    ...(ctx.has.traces ? [code(`
      const agree = await q(\`${agreeSql}\`);
      plot(timeFigure({ 'to long': { t: agree.map((r) => r.month), y: agree.map((r) => r.to_long) }, 'to short': { t: agree.map((r) => r.month), y: agree.map((r) => r.to_short) }, 'to flat': { t: agree.map((r) => r.month), y: agree.map((r) => r.to_flat) } }, { title: 'Signal changes per month, all strategies', yTitle: 'signal changes' }));`)] : [])];
    return [intro, code(`
      for p in varying:
          rows = q(f"""${py(gateSql).replace('{param(p, true)}', '{param(p, True)}')}""")
          sb.show(rows, f"By {p}")
          sb.bar(rows, x="value", y=["mean_sharpe", "best_sharpe"], title=f"Sharpe by {p}")
      gate = q("SELECT exposure_pct, sharpe, parameters FROM strategy_index WHERE status = 'ok'")
      sb.scatter(gate, x="exposure_pct", y="sharpe", text="parameters", title="Time in the market vs Sharpe")`),
    ...(ctx.has.traces ? [code(`
      agree = q("""${agreeSql}""")
      sb.lines({c: (agree["month"], agree[c]) for c in ["to_long", "to_short", "to_flat"]}, title="Signal changes per month, all strategies", ytitle="signal changes")`)] : [])];
  },
};

const countSql = (ctx: NotebookContext) => [
  `SELECT 'strategy_index' AS "table", COUNT(*)::DOUBLE AS "rows" FROM strategy_index`,
  ctx.has.traces && `SELECT 'traces', COUNT(*)::DOUBLE FROM traces`,
  ctx.has.trades && `SELECT 'trades', COUNT(*)::DOUBLE FROM trades`,
  ctx.has.equity && `SELECT 'equity', COUNT(*)::DOUBLE FROM equity`,
].filter(Boolean).join(' UNION ALL ');

export const genericSection: Section = {
  id: 'generic',
  title: 'Run contents',
  appliesTo: (ctx) => ctx.strategyType === 'generic',
  cells: (ctx) => {
    const intro = heading('Run contents', 2, 'A strategy without a family of its own: what the run holds, and Sharpe over whatever parameters it varied.');
    if (ts(ctx)) return [intro, code(`
      showTable(await q(\`${countSql(ctx)}\`), { caption: 'Tables of this run' });
      console.log('files:', manifest.files);
      const g = await q(\`SELECT strategy_hash, sharpe, return_pct, \${axes.map((a) => \`\${param(a)} AS "\${a}"\`).join(', ') || 'NULL AS none'} FROM strategy_index WHERE status = 'ok'\`);
      if (axes.length === 2) plot(heatmapFigure(g, { x: axes[1], y: axes[0], z: 'sharpe', title: 'Sharpe ratio', colorscale: 'RdBu' }));
      else if (axes.length === 1) plot(scatterFigure(g, { x: axes[0], y: 'sharpe', title: \`Sharpe by \${axes[0]}\` }));
      else showTable(g.slice(0, TOP_N), { caption: 'Strategies' });`)];
    return [intro, code(`
      sb.show(q("""${countSql(ctx)}"""), "Tables of this run")
      print("files:", json.dumps(manifest["files"]))
      cols = ", ".join(f'{param(a)} AS "{a}"' for a in axes) or "NULL AS none"
      g = q(f"SELECT strategy_hash, sharpe, return_pct, {cols} FROM strategy_index WHERE status = 'ok'")
      if len(axes) == 2:
          sb.heatmap(g, x=axes[1], y=axes[0], z="sharpe", title="Sharpe ratio", colorscale="RdBu")
      elif len(axes) == 1:
          sb.scatter(g, x=axes[0], y="sharpe", title=f"Sharpe by {axes[0]}")
      else:
          sb.show(g.head(TOP_N), "Strategies")`)];
  },
};

export const STRATEGY_SECTIONS = [bollingerSection, breakoutSection, momentumSection, meanReversionSection, ensembleSection, genericSection];
