import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBars } from '../lib/data';
import { StratlabError } from '../lib/core/errors';
import { heatmapFigure } from '../lib/notebook/figures';
import { SmaCross } from '../lib/strategies/sma-cross';
import { sweep, type SweepResult } from '../lib/sweep';
import { colorscale, colorscaleNames } from '../lib/viz';
import type { Bars } from '../lib/core/bars';
import { GOOG, ROOT } from './helpers/paths';

type Trace = Record<string, any>;

let goog: Bars;
let donchian: SweepResult;
let sma: SweepResult;
beforeAll(async () => {
  goog = await loadBars(GOOG);
  // The README's example: a grid written with the seed's snake_case names.
  donchian = await sweep(goog).strategy('DonchianBreakout')
    .grid({ entry_period: [10, 20, 30, 55], exit_period: [5, 10, 20], stop_loss_atr: [1.5, 2, 3] }).workers(0).progress('none').run();
  // A looser drawdown rule leaves some cells qualified; slow 200 trades too rarely and scores −999.
  sma = await sweep(goog).strategy(SmaCross).grid({ fast: [5, 10, 20, 40], slow: [30, 50, 100, 200] })
    .rules({ maxDrawdown: 60, minWinRate: 0.2 }).workers(0).progress('none').run();
}, 120_000);

describe('sweep heatmaps', () => {
  it("draws the README's snake_case grid, with the parameters on the axes in ascending order", () => {
    const fig = donchian.heatmap();
    expect(fig).not.toBeNull();
    const hm = fig!.data[0] as Trace;
    expect(hm.type).toBe('heatmap');
    expect(hm.x).toEqual(['10', '20', '30', '55']);
    expect(hm.y).toEqual(['5', '10', '20']);
    expect((fig!.layout as any).xaxis.title.text).toBe('entryPeriod');
    expect((fig!.layout as any).yaxis.title.text).toBe('exitPeriod');
    // The names as the grid wrote them work too, and any metric.
    const ret = donchian.heatmap({ x: 'entry_period', y: 'stop_loss_atr', metric: 'return_pct' })!;
    expect((ret.data[0] as Trace).y).toEqual(['1.5', '2', '3']);
    expect((ret.layout as any).title.text).toMatch(/^DonchianBreakout on GOOG 1d: return_pct by entryPeriod × stopLossAtr, best over exitPeriod/);
  });

  it('draws disqualified cells as a separate grey layer outside the colour scale, so −999 hides nothing', () => {
    const fig = sma.heatmap({ x: 'fast', y: 'slow' })!;
    const [main, dq] = fig.data as Trace[];
    const qualified = sma.results.filter((r) => r.status === 'ok' && r.disqualified.length === 0);
    const disqualified = sma.results.filter((r) => r.disqualified.length > 0);
    expect(qualified.length).toBeGreaterThan(2);
    expect(disqualified.some((r) => r.score === -999)).toBe(true);
    // The scale spans exactly the qualified scores.
    const scores = qualified.map((r) => r.score);
    expect(main.zmin).toBeCloseTo(Math.min(...scores), 10);
    expect(main.zmax).toBeCloseTo(Math.max(...scores), 10);
    expect(main.z.flat().filter((v: number | null) => v !== null).sort()).toEqual([...scores].sort());
    // Each disqualified combination is a grey cell of the second layer, with no colour-scale value.
    expect(dq).toMatchObject({ type: 'heatmap', name: 'disqualified', showscale: false });
    expect(new Set(dq.colorscale.map((s: [number, string]) => s[1]))).toEqual(new Set(['#bdbdbd']));
    for (const r of disqualified) {
      const i = main.y.indexOf(String(r.params.slow)), j = main.x.indexOf(String(r.params.fast));
      expect(dq.z[i][j]).toBe(1);
      expect(main.z[i][j]).toBeNull();
    }
    expect(dq.z.flat().filter((v: number | null) => v === 1)).toHaveLength(disqualified.length);
    expect((fig.layout as any).title.text).toContain(`(grey ×: disqualified, ${disqualified.length} cells)`);
    expect((fig.layout as any).title.text).not.toContain('blank');
  });

  it('aggregates the parameters not on the axes by their best value or their mean, and says which in the title', async () => {
    // No rule disqualifies anything here: each cell holds the three stop-loss variants.
    const open = await sweep(goog).strategy('DonchianBreakout').grid({ entry_period: [10, 20, 30, 55], exit_period: [5, 10, 20], stop_loss_atr: [1.5, 2, 3] })
      .rules({ minTrades: 0, minTradesPerYear: 0, maxDrawdown: 100, minProfitFactor: 0, minWinRate: 0, maxWinRate: 1 }).workers(0).progress('none').run();
    const cell = open.results.filter((r) => r.params.entryPeriod === 20 && r.params.exitPeriod === 10);
    expect(cell.map((r) => r.params.stopLossAtr).sort()).toEqual([1.5, 2, 3]);
    const returns = cell.map((r) => r.metrics.returnPct);
    expect(new Set(returns).size).toBe(3);
    const at = (fig: ReturnType<SweepResult['heatmap']>) => {
      const t = fig!.data[0] as Trace;
      return t.z[t.y.indexOf('10')][t.x.indexOf('20')];
    };
    const best = open.heatmap({ metric: 'returnPct' }), mean = open.heatmap({ metric: 'returnPct', agg: 'mean' });
    expect(at(best)).toBeCloseTo(Math.max(...returns), 8);
    expect(at(mean)).toBeCloseTo(returns.reduce((s, v) => s + v, 0) / 3, 6);
    expect((best!.layout as any).title.text).toBe('DonchianBreakout on GOOG 1d: returnPct by entryPeriod × exitPeriod, best over stopLossAtr');
    expect((mean!.layout as any).title.text).toBe('DonchianBreakout on GOOG 1d: returnPct by entryPeriod × exitPeriod, mean over stopLossAtr');
    expect(best!.data).toHaveLength(1);
  });

  it('names an unknown parameter or metric with a StratlabError listing what there is', () => {
    expect(() => donchian.heatmap({ x: 'entry_perod', y: 'exit_period' })).toThrowError(StratlabError);
    expect(() => donchian.heatmap({ x: 'entry_perod', y: 'exit_period' })).toThrow(/'entry_perod' is not a parameter/);
    try {
      donchian.heatmap({ metric: 'sharp' });
      expect.unreachable();
    } catch (e) {
      expect((e as StratlabError).hint).toContain('sharpe');
    }
  });
});

describe('the same heatmap in the TypeScript and Python notebooks', () => {
  const bridge = path.join(ROOT, 'kernels', 'python');
  const python = (code: string) => {
    const r = spawnSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8', cwd: bridge, env: { ...process.env, MPLBACKEND: 'Agg', PYTHONPATH: bridge } });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout);
  };

  it("uses matplotlib's colormap of the same name, low values first, for every named scale", () => {
    const mpl = python(`import json; from matplotlib import colormaps; import matplotlib.colors as mc
print(json.dumps({n: [mc.to_hex(colormaps[{"Viridis":"viridis","Plasma":"plasma","Magma":"magma"}.get(n, n)](i / 10)) for i in range(11)] for n in ${JSON.stringify(colorscaleNames())}}))`);
    for (const name of colorscaleNames()) expect(colorscale(name).map(([, c]) => c), name).toEqual(mpl[name]);
    // RdBu and RdYlGn run red (low) to blue/green (high), as in matplotlib — not plotly.js's blue-to-red RdBu.
    expect(colorscale('RdBu')[0][1]).toBe('#67001f');
    expect(colorscale('rdylgn')[10][1]).toBe('#006837');
  });

  it('puts the same values in the same cells: x ascending to the right, y ascending upwards, disqualified apart', () => {
    const rows = sma.results.map((r) => ({ fast: r.params.fast, slow: r.params.slow, sharpe: r.metrics.sharpe, disqualified: r.disqualified.join(',') }));
    const ts = heatmapFigure(rows, { x: 'fast', y: 'slow', z: 'sharpe', colorscale: 'RdBu', disqualified: 'disqualified' });
    const py = python(`import json, pandas as pd, numpy as np, stratlab_bridge as sb
df = pd.DataFrame(${JSON.stringify(rows)})
xs, ys, v, dq = sb.heatmap_grid(df, "fast", "slow", "sharpe", disqualified="disqualified")
print(json.dumps({"x": [sb._label(x) for x in xs], "y": [sb._label(y) for y in ys], "z": [[None if not np.isfinite(c) else float(c) for c in row] for row in v], "dq": dq.tolist()}))`);
    const [main, dq] = ts.data as Trace[];
    expect(py.x).toEqual(main.x);
    expect(py.y).toEqual(main.y);
    expect(main.x).toEqual(['5', '10', '20', '40']);
    expect(main.y).toEqual(['30', '50', '100', '200']);
    main.z.forEach((row: (number | null)[], i: number) => row.forEach((v, j) => (v === null ? expect(py.z[i][j]).toBeNull() : expect(py.z[i][j]).toBeCloseTo(v, 6))));
    expect(py.dq).toEqual(dq.z.map((row: (number | null)[]) => row.map((v) => v === 1)));
    // Plotly draws the first y category at the bottom; matplotlib's imshow with origin='lower' does too.
    expect((ts.layout as any).yaxis.autorange).toBe(true);
  });
});
