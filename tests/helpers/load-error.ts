import { expect } from 'vitest';
import { StratlabError } from '../../lib/core/errors';
import { loadBars } from '../../lib/data';

/** The StratlabError that loadBars throws for `file`; fails the test if it loads. */
export async function loadError(file: string, opts?: Parameters<typeof loadBars>[1]): Promise<StratlabError> {
  try {
    await loadBars(file, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(StratlabError);
    return e as StratlabError;
  }
  throw new Error(`expected loadBars(${file}) to fail`);
}
