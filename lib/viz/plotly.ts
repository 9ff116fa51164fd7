import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

/** A Plotly figure as plain JSON: what Plotly.newPlot takes. */
export interface Figure {
  data: Record<string, unknown>[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

let plotlySource: string | undefined;

/** plotly.js itself, read from the installed package: charts never reach for a CDN. */
export function plotlyLibrary(): string {
  plotlySource ??= fs.readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), 'utf8');
  return plotlySource;
}

// `</script>` inside inline JSON would end the script element early; escape the slash.
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/<\//g, '<\\/').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export interface FigureHtmlOptions {
  /** Put plotly.js inline before the chart (needed once per page). */
  includeLibrary: boolean;
  height?: number;
}

/**
 * A self-contained HTML fragment that draws the figure. The drawing script waits for window.Plotly,
 * so a chart whose library arrives in an earlier output (same page) still renders.
 */
export function figureHtml(fig: Figure, opts: FigureHtmlOptions): string {
  const id = `stratlab-${randomBytes(6).toString('hex')}`;
  const height = opts.height ?? (fig.layout?.height as number | undefined) ?? 420;
  const config = { responsive: true, displaylogo: false, ...fig.config };
  const layout = { height, margin: { l: 50, r: 20, t: 40, b: 40 }, ...fig.layout };
  const lib = opts.includeLibrary ? `<script type="text/javascript">${plotlyLibrary()}</script>\n` : '';
  return (
    lib +
    `<div id="${id}" class="stratlab-plot" style="width:100%;height:${height}px;"></div>\n` +
    `<script type="text/javascript">(function(){\n` +
    `var fig={data:${scriptSafeJson(fig.data)},layout:${scriptSafeJson(layout)},config:${scriptSafeJson(config)}};\n` +
    `var tries=0;(function draw(){var el=document.getElementById(${JSON.stringify(id)});\n` +
    `if(window.Plotly&&el){window.Plotly.newPlot(el,fig.data,fig.layout,fig.config);}\n` +
    `else if(tries++<200){setTimeout(draw,50);}})();})();</script>`
  );
}
