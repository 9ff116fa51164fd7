import fs from 'node:fs';
import { StratlabError } from '../core/errors';
import { writeFileAtomic } from '../core/atomic';

/** The parts of nbformat 4 that stratlab reads and writes. */
export interface NotebookOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  [key: string]: unknown;
}

export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: {
    kernelspec?: { name: string; display_name?: string; language?: string };
    language_info?: Record<string, unknown>;
    [key: string]: unknown;
  };
  cells: NotebookCell[];
}

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new StratlabError('FILE_NOT_FOUND', `${file}: notebook not found`, { location: { file } });
  }
  let nb: Notebook;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new StratlabError('PARSE_ERROR', `${file}: not valid JSON (${(e as Error).message})`, { location: { file } });
  }
  if (nb?.nbformat !== 4 || !Array.isArray(nb.cells)) {
    throw new StratlabError('PARSE_ERROR', `${file}: not an nbformat 4 notebook`, { location: { file } });
  }
  return nb;
}

export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, JSON.stringify(nb, null, 1) + '\n');
}
