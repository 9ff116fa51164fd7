import { StratlabError } from '../core/errors';
import type { Notebook } from './nbformat';

const ID = /^[a-zA-Z0-9-_]{1,64}$/;
const OUTPUT_TYPES = new Set(['stream', 'display_data', 'execute_result', 'error']);

/**
 * The structural rules of nbformat 4.5 that a generated notebook could break (the full JSON schema
 * is Python's nbformat.validate; the tests check generated notebooks against it once). Returns the
 * problems, each naming the cell; empty when valid.
 */
export function notebookProblems(nb: Notebook): string[] {
  const problems: string[] = [];
  if (nb.nbformat !== 4) problems.push(`nbformat: expected 4, got ${nb.nbformat}`);
  if (!(Number.isInteger(nb.nbformat_minor) && nb.nbformat_minor >= 5)) problems.push(`nbformat_minor: cell ids need ≥ 5, got ${nb.nbformat_minor}`);
  const ks = nb.metadata?.kernelspec;
  if (ks && (typeof ks.name !== 'string' || typeof ks.display_name !== 'string')) problems.push('metadata.kernelspec: needs name and display_name strings');
  if (!Array.isArray(nb.cells)) return [...problems, 'cells: expected a list'];
  const seen = new Set<string>();
  nb.cells.forEach((c, i) => {
    const where = `cells[${i}]${c?.id ? ` (${c.id})` : ''}`;
    if (!c || typeof c !== 'object') return problems.push(`${where}: not an object`);
    if (typeof c.id !== 'string' || !ID.test(c.id)) problems.push(`${where}: id must match ${ID}`);
    else if (seen.has(c.id)) problems.push(`${where}: duplicate id`);
    else seen.add(c.id);
    const src = c.source;
    if (!(typeof src === 'string' || (Array.isArray(src) && src.every((l) => typeof l === 'string')))) problems.push(`${where}: source must be a string or a list of strings`);
    if (!c.metadata || typeof c.metadata !== 'object' || Array.isArray(c.metadata)) problems.push(`${where}: metadata must be an object`);
    const tags = (c.metadata as { tags?: unknown })?.tags;
    if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) problems.push(`${where}: metadata.tags must be a list of strings`);
    if (c.cell_type === 'code') {
      if (!Array.isArray(c.outputs)) problems.push(`${where}: a code cell needs outputs (a list)`);
      else c.outputs.forEach((o, j) => { if (!OUTPUT_TYPES.has(o?.output_type)) problems.push(`${where}: outputs[${j}]: unknown output_type`); });
      if (!(c.execution_count === null || Number.isInteger(c.execution_count))) problems.push(`${where}: execution_count must be null or an integer`);
    } else if (c.cell_type === 'markdown' || c.cell_type === 'raw') {
      const extra = Object.keys(c).filter((k) => !['cell_type', 'id', 'metadata', 'source', 'attachments'].includes(k));
      if (extra.length) problems.push(`${where}: a ${c.cell_type} cell cannot have ${extra.join(', ')}`);
    } else problems.push(`${where}: unknown cell_type ${JSON.stringify((c as { cell_type: unknown }).cell_type)}`);
  });
  return problems;
}

/** Throws a NOTEBOOK error listing the problems (the first five) when the notebook is not valid. */
export function validateNotebook(nb: Notebook, what = 'notebook'): void {
  const problems = notebookProblems(nb);
  if (problems.length) {
    throw new StratlabError('NOTEBOOK', `${what}: not a valid nbformat 4.5 notebook: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`);
  }
}
