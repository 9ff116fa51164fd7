// Times every vectorized indicator over one Bars (the suite passes 1,000,000 synthetic bars).
// Each row is the median of 5 timed runs after one warm-up run, in milliseconds.
//
//   import { benchIndicators } from './indicators.mjs';
//   const rows = await benchIndicators(require('../dist'), bars);   // [{ name, ms }]

const RUNS = 5;

/**
 * @param {{ indicators: Record<string, Function> }} lib  the compiled library (exposes `indicators`)
 * @param {{ time: Float64Array, open: Float64Array, high: Float64Array, low: Float64Array,
 *           close: Float64Array, volume: Float64Array }} bars
 * @returns {Promise<{ name: string, ms: number }[]>}
 */
export async function benchIndicators(lib, bars) {
  const ind = lib.indicators;
  const { time, high: h, low: l, close: c, volume: v } = bars;
  const cases = [
    ['sma(close, 20)', () => ind.sma(c, 20)],
    ['ema(close, 20)', () => ind.ema(c, 20)],
    ['wma(close, 20)', () => ind.wma(c, 20)],
    ['rsi(close, 14)', () => ind.rsi(c, 14)],
    ['stochRsi(close, 14, 14, 3, 3)', () => ind.stochRsi(c, 14, 14, 3, 3)],
    ['macd(close, 12, 26, 9)', () => ind.macd(c, 12, 26, 9)],
    ['bollinger(close, 20, 2)', () => ind.bollinger(c, 20, 2)],
    ['atr(h, l, c, 14)', () => ind.atr(h, l, c, 14)],
    ['adx(h, l, c, 14)', () => ind.adx(h, l, c, 14)],
    ['highest(high, 20)', () => ind.highest(h, 20)],
    ['lowest(low, 20)', () => ind.lowest(l, 20)],
    ['donchian(h, l, 20, 10)', () => ind.donchian(h, l, 20, 10)],
    ['chop(h, l, c, 14)', () => ind.chop(h, l, c, 14)],
    ['obv(close, volume)', () => ind.obv(c, v)],
    ['vwap(h, l, c, v, { time })', () => ind.vwap(h, l, c, v, { time })],
  ];
  const rows = [];
  for (const [name, run] of cases) {
    run(); // warm-up: lets the JIT optimize before timing
    const times = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      run();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    rows.push({ name, ms: Math.round(times[RUNS >> 1] * 100) / 100 });
    await new Promise((resolve) => setImmediate(resolve)); // keep the event loop responsive
  }
  return rows;
}
