import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { StratlabError } from '../core/errors';
import { PACKAGE_ROOT } from '../core/paths';
import { randomBytes } from 'node:crypto';

/** A Plotly figure as plain JSON: what Plotly.newPlot takes. */
export interface Figure {
  data: Record<string, unknown>[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

let plotlySource: string | undefined;
let plotlyLoader: string | undefined;

/**
 * The plotly.js bundle set-up builds (scripts/setup.mjs): plotly.js core with only the trace types
 * stratlab draws (1.17 MB instead of the full 4.85 MB).
 */
export const PLOTLY_BUNDLE = path.join(PACKAGE_ROOT, 'dist', 'vendor', 'plotly-stratlab.min.js');

/** plotly.js itself, read from disk: charts never reach for a CDN. */
export function plotlyLibrary(): string {
  if (plotlySource === undefined) {
    try {
      plotlySource = fs.readFileSync(PLOTLY_BUNDLE, 'utf8');
    } catch (e) {
      throw new StratlabError('SETUP', `plotly.js bundle not found: ${PLOTLY_BUNDLE} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
        hint: 'run `node scripts/setup.mjs` (npm start and npm test do): it builds the bundle from node_modules/plotly.js',
        location: { file: PLOTLY_BUNDLE },
      });
    }
  }
  return plotlySource;
}

/**
 * The script that puts plotly.js on the page: the bundle gzipped and base64-encoded (0.54 MB instead
 * of 1.17 MB in every executed notebook), unpacked by the browser's DecompressionStream and run as a
 * script, so window.Plotly appears a moment later; charts wait for it. The bundle's licence banner
 * stays readable in front.
 */
export function plotlyLoaderScript(): string {
  if (plotlyLoader === undefined) {
    const src = plotlyLibrary();
    const banner = src.startsWith('/*!') ? src.slice(0, src.indexOf('*/') + 2) : '';
    const packed = gzipSync(Buffer.from(src, 'utf8'), { level: 9 }).toString('base64');
    plotlyLoader =
      `<script type="text/javascript">${banner}\n` +
      `(function(){if(window.Plotly||window.__stratlabPlotlyLoading)return;window.__stratlabPlotlyLoading=true;\n` +
      `var b=atob("${packed}");\n` +
      `var u=new Uint8Array(b.length);for(var i=0;i<b.length;i++)u[i]=b.charCodeAt(i);\n` +
      `new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(function(js){\n` +
      `var s=document.createElement("script");s.text=js;document.head.appendChild(s);window.__stratlabPlotlyLoading=false;\n` +
      `})["catch"](function(e){window.__stratlabPlotlyLoading=false;console.error("stratlab: plotly.js did not unpack",e);});})();</script>\n`;
  }
  return plotlyLoader;
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
  const lib = opts.includeLibrary ? plotlyLoaderScript() : '';
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
