import { figureHtml, type Figure } from './plotly';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A standalone HTML page of figures, plotly.js inline once: it opens offline in any browser. */
export function figuresPage(title: string, figures: Figure[]): string {
  const body = figures.map((f, i) => figureHtml(f, { includeLibrary: i === 0 })).join('\n');
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>\n` +
    `<style>body{font-family:sans-serif;margin:16px 24px}.stratlab-plot{margin-bottom:24px}</style></head>\n` +
    `<body><h1 style="font-size:20px">${escapeHtml(title)}</h1>\n${body}\n</body></html>\n`;
}
