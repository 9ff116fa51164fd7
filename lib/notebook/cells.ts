import type { NotebookCell } from './nbformat';

/** The kernels a generated notebook can target. */
export type NotebookKernel = 'ts' | 'python';

/** A cell before it is numbered: what section builders return. */
export interface CellSpec {
  kind: 'markdown' | 'code';
  source: string;
  tags?: string[];
}

export const md = (source: string): CellSpec => ({ kind: 'markdown', source: dedent(source) });
export const code = (source: string, tags?: string[]): CellSpec => ({ kind: 'code', source: dedent(source), tags });

/**
 * The anchor Jupyter gives a heading (JupyterLab, classic Notebook and nbconvert all replace spaces
 * with hyphens and keep the rest), so navigation links match without hand-written <a> tags.
 * Titles are kept to letters, digits and spaces so the three agree.
 */
export function anchorFor(title: string): string {
  return title.trim().replace(/ /g, '-');
}

export function heading(title: string, level = 2, text = ''): CellSpec {
  if (!/^[A-Za-z0-9 ]+$/.test(title)) throw new Error(`section title "${title}": use letters, digits and spaces (anchors must match)`);
  return md(`${'#'.repeat(level)} ${title}\n${text ? '\n' + dedent(text) : ''}`);
}

/** Strip the indentation common to all non-blank lines, and leading/trailing blank lines. */
export function dedent(s: string): string {
  const lines = s.replace(/^\s*\n/, '').replace(/\n\s*$/, '').split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** nbformat wants source as a list of lines, each but the last ending in \n. */
export function sourceLines(s: string): string[] {
  const parts = s.split('\n');
  return parts.map((l, i) => (i < parts.length - 1 ? l + '\n' : l)).filter((l, i, a) => !(i === a.length - 1 && l === ''));
}

/** Number the specs into nbformat 4.5 cells with ids unique in the notebook (`<section>-<n>`). */
export function toCells(sectionId: string, specs: CellSpec[], used: Set<string>): NotebookCell[] {
  return specs.map((s, k) => {
    let id = `${sectionId}-${k + 1}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 60);
    for (let n = 2; used.has(id); n++) id = `${sectionId}-${k + 1}-${n}`.slice(0, 64);
    used.add(id);
    const metadata: Record<string, unknown> = s.tags?.length ? { tags: s.tags } : {};
    return s.kind === 'markdown'
      ? { cell_type: 'markdown', id, metadata, source: sourceLines(s.source) }
      : { cell_type: 'code', id, metadata, source: sourceLines(s.source), outputs: [], execution_count: null };
  });
}

/** A string as a literal in the kernel's language (JSON strings are valid TS and Python literals). */
export function lit(v: string): string {
  return JSON.stringify(v);
}
