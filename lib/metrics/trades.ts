/** Statistics over closed trades. What a trade must carry is only its P&L, return and bars. */

export interface TradeLike {
  /** Net P&L in cash, after spread and commission. */
  pnl: number;
  /** Net return in percent of the entry notional. */
  returnPct: number;
  entryBar: number;
  exitBar: number;
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

export function tradeStats(trades: readonly TradeLike[]): TradeStats {
  const n = trades.length;
  let wins = 0, losses = 0, grossProfit = 0, grossLoss = 0, retWins = 0, retLosses = 0;
  let best = -Infinity, worst = Infinity, sumRet = 0, sumPnl = 0, bars = 0;
  for (const t of trades) {
    if (t.pnl > 0) {
      wins++;
      grossProfit += t.pnl;
    } else if (t.pnl < 0) {
      losses++;
      grossLoss -= t.pnl;
    }
    if (t.returnPct > 0) retWins += t.returnPct;
    else if (t.returnPct < 0) retLosses -= t.returnPct;
    if (t.returnPct > best) best = t.returnPct;
    if (t.returnPct < worst) worst = t.returnPct;
    sumRet += t.returnPct;
    sumPnl += t.pnl;
    bars += t.exitBar - t.entryBar;
  }
  const expectancy = n ? sumPnl / n : 0;
  let ss = 0;
  for (const t of trades) ss += (t.pnl - expectancy) ** 2;
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
export function exposurePct(trades: readonly TradeLike[], bars: number): number {
  if (!bars) return 0;
  // Trades are in exit order and never overlap more than a net position allows; a difference array
  // counts their union in one pass whatever the overlap.
  const diff = new Int32Array(bars + 1);
  for (const t of trades) {
    diff[t.entryBar]++;
    diff[t.exitBar + 1]--;
  }
  let open = 0, covered = 0;
  for (let i = 0; i < bars; i++) {
    open += diff[i];
    if (open > 0) covered++;
  }
  return (covered / bars) * 100;
}
