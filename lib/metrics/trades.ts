/** Statistics over closed trades, read from columns (one entry per trade). */

export interface TradeColumns {
  length: number;
  /** Net P&L in cash, after spread and commission. */
  pnl: ArrayLike<number>;
  /** Net return in percent of the entry notional. */
  returnPct: ArrayLike<number>;
  entryBar: ArrayLike<number>;
  exitBar: ArrayLike<number>;
}

/** Columns from trade objects, for callers that hold an array of them. */
export function tradeColumns(trades: readonly { pnl: number; returnPct: number; entryBar: number; exitBar: number }[]): TradeColumns {
  return {
    length: trades.length,
    pnl: trades.map((t) => t.pnl),
    returnPct: trades.map((t) => t.returnPct),
    entryBar: trades.map((t) => t.entryBar),
    exitBar: trades.map((t) => t.exitBar),
  };
}

export interface TradeStats {
  totalTrades: number;
  /** Share of trades with pnl > 0, from 0 to 1. */
  winRate: number;
  /** Mean pnl of the winning trades, and of the losing ones (≤ 0), in cash. */
  avgWin: number;
  avgLoss: number;
  /** Sum of winning trades' returns over the sum of losing trades' returns (as backtesting.py). */
  profitFactor: number;
  /** Sum of winning pnl over the sum of losing pnl, in cash. */
  profitFactorPnl: number;
  grossProfit: number;
  grossLoss: number;
  bestTradePct: number;
  worstTradePct: number;
  avgTradePct: number;
  /** Mean pnl per trade, in cash. */
  expectancy: number;
  /** System Quality Number: √N × mean(pnl) / std(pnl). */
  sqn: number;
  avgBarsHeld: number;
}

export function tradeStats(t: TradeColumns): TradeStats {
  const n = t.length;
  let wins = 0, losses = 0, grossProfit = 0, grossLoss = 0, retWins = 0, retLosses = 0;
  let best = -Infinity, worst = Infinity, sumRet = 0, sumPnl = 0, bars = 0;
  for (let k = 0; k < n; k++) {
    const pnl = t.pnl[k], ret = t.returnPct[k];
    if (pnl > 0) {
      wins++;
      grossProfit += pnl;
    } else if (pnl < 0) {
      losses++;
      grossLoss -= pnl;
    }
    if (ret > 0) retWins += ret;
    else if (ret < 0) retLosses -= ret;
    if (ret > best) best = ret;
    if (ret < worst) worst = ret;
    sumRet += ret;
    sumPnl += pnl;
    bars += t.exitBar[k] - t.entryBar[k];
  }
  const expectancy = n ? sumPnl / n : 0;
  let ss = 0;
  for (let k = 0; k < n; k++) ss += (t.pnl[k] - expectancy) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  return {
    totalTrades: n,
    winRate: n ? wins / n : 0,
    avgWin: wins ? grossProfit / wins : 0,
    avgLoss: losses ? -grossLoss / losses : 0,
    profitFactor: ratio(retWins, retLosses),
    profitFactorPnl: ratio(grossProfit, grossLoss),
    grossProfit,
    grossLoss,
    bestTradePct: n ? best : 0,
    worstTradePct: n ? worst : 0,
    avgTradePct: n ? sumRet / n : 0,
    expectancy,
    sqn: sd > 0 ? (Math.sqrt(n) * expectancy) / sd : 0,
    avgBarsHeld: n ? bars / n : 0,
  };
}

// No losses: infinite if anything was won, 0 when nothing was traded.
function ratio(win: number, loss: number): number {
  return loss > 0 ? win / loss : win > 0 ? Infinity : 0;
}

/** Percent of bars with a position open: every bar from a trade's entry bar to its exit bar, counted once. */
export function exposurePct(t: TradeColumns, bars: number): number {
  const n = t.length;
  if (!bars || !n) return 0;
  // The union of [entryBar, exitBar] intervals, merged in order of entry. Trades are logged as they
  // close, which is usually entry order already; sort an index only when it is not.
  let order: ArrayLike<number> | null = null;
  for (let k = 1; k < n; k++) {
    if (t.entryBar[k] < t.entryBar[k - 1]) {
      order = Array.from({ length: n }, (_, i) => i).sort((a, b) => t.entryBar[a] - t.entryBar[b]);
      break;
    }
  }
  const at = (k: number) => (order ? order[k] : k);
  let covered = 0, start = t.entryBar[at(0)], end = t.exitBar[at(0)];
  for (let k = 1; k < n; k++) {
    const s = t.entryBar[at(k)], e = t.exitBar[at(k)];
    if (s > end) {
      covered += end - start + 1;
      start = s;
      end = e;
    } else if (e > end) end = e;
  }
  covered += end - start + 1;
  return (covered / bars) * 100;
}
