/**
 * The sweep's heatmap: a metric over two grid parameters for one symbol/timeframe, the other
 * parameters aggregated (best or mean, said in the title), disqualified combinations as a grey layer
 * outside the colour scale (their −999 score never enters it).
 */
import { StratlabError } from '../core/errors';
import { gridHeatmapFigure, type Aggregate, type HeatCell } from '../viz/heatmap';
import type { Figure } from '../viz/plotly';
import type { SweepRow } from './result';

export interface SweepHeatmapOptions {
  /** Grid parameter on the x axis (snake_case accepted); default the first numeric grid parameter. */
  x?: string;
  /** Grid parameter on the y axis; default the second numeric one. */
  y?: string;
  /** 'score' (default) or a metric: returnPct, sharpe, maxDrawdown, winRate, … (snake_case accepted). */
  metric?: string;
  /** How the combinations that share a cell (other parameters) combine: 'max' (default) or 'mean'. */
  agg?: Aggregate;
  /** Dataset to draw (default the best row's). */
  symbol?: string;
  timeframe?: string;
  /** A colour scale name from lib/viz/colorscales.ts (default RdYlGn: red low, green high). */
  colorscale?: string;
}

interface SweepLike {
  strategy: string;
  gridKeys: string[];
  results: SweepRow[];
}

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A parameter name as the rows hold it (rows hold the strategy's own, camelCase, names). */
function resolveParam(name: string, known: string[], what: string): string {
  if (known.includes(name)) return name;
  if (known.includes(camel(name))) return camel(name);
  throw new StratlabError('BAD_ARGUMENT', `plotHeatmap: ${what} '${name}' is not a parameter of this sweep`, { hint: `its parameters: ${known.join(', ')}`, location: { field: what } });
}

export function sweepHeatmap(sw: SweepLike, opts: SweepHeatmapOptions = {}): Figure | null {
  const best = sw.results.find((r) => r.status === 'ok') ?? sw.results[0];
  const symbol = opts.symbol ?? best?.symbol, timeframe = opts.timeframe ?? best?.timeframe;
  const rows = sw.results.filter((r) => r.symbol === symbol && r.timeframe === timeframe);
  if (rows.length === 0) return null;
  const known = [...new Set(rows.flatMap((r) => Object.keys(r.params)))];
  // Grid keys as the user wrote them (entry_period) name the rows' parameters (entryPeriod).
  const grid = sw.gridKeys.map((k) => (known.includes(k) ? k : camel(k))).filter((k) => known.includes(k));
  const numeric = grid.filter((k) => rows.some((r) => typeof r.params[k] === 'number'));
  const x = opts.x !== undefined ? resolveParam(opts.x, known, 'x') : numeric[0];
  const y = opts.y !== undefined ? resolveParam(opts.y, known, 'y') : numeric.find((k) => k !== x);
  if (!x || !y) return null;
  if (x === y) throw new StratlabError('BAD_ARGUMENT', `plotHeatmap: x and y are both '${x}'`, { hint: 'name two different grid parameters' });

  const metric = opts.metric ?? 'score';
  const key = metric === 'score' ? 'score' : camel(metric);
  const value = (r: SweepRow): number | null => {
    const v = key === 'score' ? r.score : (r.metrics as unknown as Record<string, unknown> | undefined)?.[key];
    return typeof v === 'number' ? v : null;
  };
  if (key !== 'score' && !rows.some((r) => r.status === 'ok' && value(r) !== null)) {
    const names = Object.keys(rows.find((r) => r.metrics)?.metrics ?? {});
    throw new StratlabError('BAD_ARGUMENT', `plotHeatmap: no metric '${metric}' in the sweep's results`, { hint: `use 'score' or one of: ${names.join(', ')}`, location: { field: 'metric' } });
  }
  const agg = opts.agg ?? 'max';
  const cells: HeatCell[] = rows.map((r) => ({
    x: r.params[x] as number | string, y: r.params[y] as number | string, z: value(r),
    disqualified: r.status === 'failed' || r.disqualified.length > 0,
  }));
  const others = grid.filter((k) => k !== x && k !== y && new Set(rows.map((r) => JSON.stringify(r.params[k]))).size > 1);
  const over = others.length ? `, ${agg === 'max' ? 'best' : agg} over ${others.join(', ')}` : '';
  return gridHeatmapFigure(cells, {
    xTitle: x, yTitle: y, zTitle: metric, agg, decimals: key === 'totalTrades' ? 0 : key === 'returnPct' || key === 'maxDrawdown' ? 1 : 2,
    colorscale: opts.colorscale ?? 'RdYlGn',
    title: `${sw.strategy} on ${symbol} ${timeframe}: ${metric} by ${x} × ${y}${over}`,
  });
}
