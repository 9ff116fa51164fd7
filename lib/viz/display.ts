import { figureHtml, type Figure } from './plotly';

/**
 * Notebook display. Inside a tslab kernel, outputs go out as rich MIME bundles (HTML with a plain-text
 * fallback); anywhere else (a script, the CLI) `display*` returns false and the caller prints text.
 */
interface TslabJupyter {
  lastWriteDisplayData?: ((data: { data: Record<string, string>; metadata: object; transient: object }, update: boolean) => void) | null;
}

let jupyter: TslabJupyter | null | undefined;
let libraryShown = false;

function tslabJupyter(): TslabJupyter | null {
  if (jupyter === undefined) {
    try {
      // Resolve through the main module (the kernel's tslab binary) so we reach its own tslab instance.
      // Call require as a method: Module.prototype.require needs its `this`.
      jupyter = (require.main ? require.main.require('tslab/dist/jupyter') : require('tslab/dist/jupyter')) as TslabJupyter;
    } catch {
      jupyter = null;
    }
  }
  return jupyter?.lastWriteDisplayData ? jupyter : null;
}

/** True inside a tslab kernel that is executing a cell. */
export function inNotebook(): boolean {
  return tslabJupyter() !== null;
}

/** Show a MIME bundle in the current cell's output. Returns false outside a notebook. */
export function displayBundle(data: Record<string, string>): boolean {
  const j = tslabJupyter();
  if (!j) return false;
  j.lastWriteDisplayData!({ data, metadata: {}, transient: {} }, false);
  return true;
}

export function displayHtml(html: string, text = '[HTML output]'): boolean {
  return displayBundle({ 'text/html': html, 'text/plain': text });
}

/**
 * Show a Plotly figure. plotly.js goes inline with the first chart of the kernel session, so the
 * saved notebook and its HTML export render offline; later charts reuse it.
 */
export function displayFigure(fig: Figure, opts: { height?: number } = {}): boolean {
  if (!inNotebook()) return false;
  const html = figureHtml(fig, { includeLibrary: !libraryShown, height: opts.height });
  libraryShown = true;
  const title = (fig.layout?.title as { text?: string } | string | undefined) ?? 'chart';
  return displayHtml(html, `[Plotly chart: ${typeof title === 'string' ? title : title.text ?? 'chart'}]`);
}
