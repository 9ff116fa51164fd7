/**
 * When DuckDB cannot make sense of a CSV's shape (it then reports one column named like the whole
 * header), find the first line whose field count differs from the header's, so the error can point at it.
 */
import * as fs from 'fs';
import * as readline from 'readline';

const DELIMITERS = [',', ';', '\t', '|'];

/** The header's likely delimiter: the candidate that occurs most in it. */
export function guessDelimiter(header: string): string | undefined {
  let best: string | undefined, bestCount = 0;
  for (const d of DELIMITERS) {
    const count = header.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Fields on one line, honouring double quotes. */
function fieldCount(line: string, delimiter: string): number {
  let count = 1, quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === delimiter && !quoted) count++;
  }
  return count;
}

/** The first line (1-based) whose field count differs from the header's, with both counts. */
export async function findRaggedLine(
  file: string,
  delimiter: string,
): Promise<{ line: number; fields: number; expected: number } | undefined> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0, expected = -1;
  try {
    for await (const text of lines) {
      n++;
      if (n === 1) {
        expected = fieldCount(text.replace(/^\uFEFF/, ''), delimiter);
        continue;
      }
      if (text.trim() === '') continue;
      const fields = fieldCount(text, delimiter);
      if (fields !== expected) return { line: n, fields, expected };
    }
  } finally {
    lines.close();
  }
  return undefined;
}
