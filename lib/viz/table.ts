/** Tables for people: HTML in a notebook, aligned text in a terminal. */
export type Row = Record<string, unknown>;

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    const abs = Math.abs(v);
    return abs !== 0 && (abs < 1e-3 || abs >= 1e9) ? v.toExponential(4) : v.toLocaleString('en-US', { maximumFractionDigits: abs < 1 ? 6 : 4 });
  }
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function columnsOf(rows: Row[], columns?: string[]): string[] {
  if (columns) return columns;
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

export function htmlTable(rows: Row[], opts: { columns?: string[]; caption?: string } = {}): string {
  const cols = columnsOf(rows, opts.columns);
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((r) => '<tr>' + cols.map((c) => {
      const v = r[c];
      const align = typeof v === 'number' ? ' style="text-align:right"' : '';
      return `<td${align}>${escapeHtml(formatValue(v))}</td>`;
    }).join('') + '</tr>')
    .join('\n');
  const caption = opts.caption ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(opts.caption)}</caption>` : '';
  return `<table class="stratlab-table">${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function textTable(rows: Row[], opts: { columns?: string[] } = {}): string {
  const cols = columnsOf(rows, opts.columns);
  const cells = rows.map((r) => cols.map((c) => formatValue(r[c])));
  const widths = cols.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j].length)));
  const numeric = cols.map((c) => rows.some((r) => typeof r[c] === 'number'));
  const line = (vals: string[]) => vals.map((v, j) => (numeric[j] ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
