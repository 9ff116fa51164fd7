/**
 * The DuckDB side of lib/data: one in-memory instance for reading and writing bar files, and a fast
 * way to pull DOUBLE columns out of a result as whole vectors (one memcpy per column per chunk,
 * no per-value JS objects).
 */
import * as path from 'path';
import { DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBMaterializedResult, DOUBLE } from '@duckdb/node-api';

/**
 * The few raw C-API calls we need from @duckdb/node-bindings (the package @duckdb/node-api is built
 * on). It is resolved next to node-api, so it is always the exact version node-api itself uses.
 */
interface RawBindings {
  data_chunk_get_vector(chunk: unknown, columnIndex: number): unknown;
  vector_get_data(vector: unknown, byteCount: number): Uint8Array;
  vector_get_validity(vector: unknown, byteCount: number): Uint8Array | null;
  copy_data_to_vector(vector: unknown, targetByteOffset: number, source: ArrayBufferLike, sourceByteOffset: number, byteCount: number): void;
}

let bindings: RawBindings | undefined;
function rawBindings(): RawBindings {
  if (!bindings) {
    const apiDir = path.dirname(require.resolve('@duckdb/node-api'));
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    bindings = require(require.resolve('@duckdb/node-bindings', { paths: [apiDir] })) as RawBindings;
  }
  return bindings;
}

let instance: Promise<DuckDBInstance> | undefined;

/** Runs `fn` with a fresh connection (session time zone UTC) on the shared in-memory instance. */
export async function withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  instance ??= DuckDBInstance.create(':memory:');
  const conn = await (await instance).connect();
  try {
    // Naive timestamps mean UTC, whatever the machine's zone is.
    await conn.run("SET TimeZone = 'UTC'");
    return await fn(conn);
  } finally {
    conn.closeSync();
  }
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A SQL identifier (column name), quoted. */
export function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/**
 * Copies every column of a result whose columns are all DOUBLE into Float64Arrays.
 * NULL becomes NaN. Works chunk by chunk on the raw vectors.
 */
export function doubleColumns(result: DuckDBMaterializedResult): Float64Array[] {
  const b = rawBindings();
  const n = result.rowCount;
  const columnCount = result.columnCount;
  const out: Float64Array[] = [];
  for (let c = 0; c < columnCount; c++) out.push(new Float64Array(n));
  let offset = 0;
  for (let k = 0; k < result.chunkCount; k++) {
    const chunk = result.getChunk(k);
    const rows = chunk.rowCount;
    for (let c = 0; c < columnCount; c++) {
      const vector = b.data_chunk_get_vector(chunk.chunk, c);
      const bytes = b.vector_get_data(vector, rows * 8);
      out[c].set(new Float64Array(bytes.buffer, bytes.byteOffset, rows), offset);
      const validity = b.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
      if (validity) markNulls(out[c], offset, rows, validity);
    }
    offset += rows;
  }
  return out;
}

/**
 * Streams a query whose columns are all DOUBLE into Float64Arrays of `rows` rows, chunk by chunk, so
 * DuckDB never holds the whole result (a materialized result is a second full copy of the columns,
 * plus its chunk overhead, next to the JS arrays). NULL becomes NaN.
 *
 * Returns null unless exactly `rows` rows arrived. A streamed query that fails part-way (a value that
 * does not convert, a ragged line) ends as if it were complete: DuckDB's C API returns no chunk in
 * both cases and node-api does not expose the error. So callers pass the row count they expect and,
 * on null, run the query materialized, which reports the error (or reads what the count missed).
 */
export async function streamDoubleColumns(conn: DuckDBConnection, sql: string, rows: number): Promise<Float64Array[] | null> {
  const b = rawBindings();
  const result = await conn.stream(sql);
  const columnCount = result.columnCount;
  const out: Float64Array[] = [];
  for (let c = 0; c < columnCount; c++) out.push(new Float64Array(rows));
  let offset = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const count = chunk.rowCount;
    if (offset + count > rows) return null;
    for (let c = 0; c < columnCount; c++) {
      const vector = b.data_chunk_get_vector(chunk.chunk, c);
      const bytes = b.vector_get_data(vector, count * 8);
      out[c].set(new Float64Array(bytes.buffer, bytes.byteOffset, count), offset);
      const validity = b.vector_get_validity(vector, Math.ceil(count / 64) * 8);
      if (validity) markNulls(out[c], offset, count, validity);
    }
    offset += count;
  }
  return offset === rows ? out : null;
}

function markNulls(target: Float64Array, offset: number, rows: number, validity: Uint8Array): void {
  for (let byte = 0; byte * 8 < rows; byte++) {
    const bits = validity[byte];
    if (bits === 0xff) continue;
    for (let bit = 0; bit < 8; bit++) {
      const i = byte * 8 + bit;
      if (i < rows && (bits & (1 << bit)) === 0) target[offset + i] = NaN;
    }
  }
}

/**
 * Creates table `table` with DOUBLE columns `names` and fills it from typed arrays, one chunk of
 * 2048 rows at a time, by copying memory straight into the chunk's vectors.
 */
export async function appendDoubleColumns(
  conn: DuckDBConnection,
  table: string,
  names: readonly string[],
  columns: readonly Float64Array[],
): Promise<void> {
  const b = rawBindings();
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(table)} (${names.map((c) => `${sqlIdent(c)} DOUBLE`).join(', ')})`);
  const appender = await conn.createAppender(table);
  const n = columns[0]?.length ?? 0;
  const size = 2048;
  const chunk = DuckDBDataChunk.create(names.map(() => DOUBLE), size);
  for (let start = 0; start < n; start += size) {
    const rows = Math.min(size, n - start);
    chunk.reset();
    chunk.rowCount = rows;
    for (let c = 0; c < columns.length; c++) {
      const src = columns[c];
      const vector = b.data_chunk_get_vector(chunk.chunk, c);
      b.copy_data_to_vector(vector, 0, src.buffer, src.byteOffset + start * 8, rows * 8);
    }
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
  appender.closeSync();
}
