/**
 * CSV and Parquet through DuckDB. DuckDB detects the types and does every conversion in SQL
 * (epoch_ms, TRY_CAST … AS DOUBLE); JS only copies whole vectors into Float64Arrays.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { BarField } from '../core/bars';
import { StratlabError } from '../core/errors';
import { resolveColumns, type ResolvedColumns } from './columns';
import { doubleColumns, sqlIdent, sqlString, streamDoubleColumns, withConnection } from './duckdb';
import { countCsvRows } from './line-count';
import type { ReadOptions } from './options';
import type { RawColumns } from './raw';
import { findRaggedLine, guessDelimiter } from './ragged';
import { EPOCH_TEXT, surveyFromGroups, ZONED_TEXT, type ZoneSurvey } from './offsets';
import { epochToMsSql } from './timestamps';

type TableFormat = 'csv' | 'parquet';

/** How strictly DuckDB types the CSV: as sniffed, value columns as text, or everything as text. */
type CsvMode = 'sniffed' | 'text-values' | 'all-text';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;
const VALUE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;
// DuckDB's CSV buffers default to 16 × the 2 MB line limit per reader; for bar files (short lines)
// 2 MB reads as fast and halves the memory a 10 MB file costs on top of its columns.
const CSV_OPTIONS = 'header = true, buffer_size = 2097152';

export async function readTable(file: string, fileName: string, format: TableFormat, opts: ReadOptions = {}): Promise<RawColumns> {
  const timeZone = opts.timezone;
  return withConnection(async (conn) => {
    const described = await describe(conn, source(file, format, 'sniffed'), fileName, format);
    if (format === 'csv' && described.length === 1) await refuseRagged(file, fileName, described[0].name);
    const columns = resolveColumns(described.map((c) => c.name), opts.columns, fileName, file);
    const typeOf = new Map(described.map((c) => [c.name, c.type]));
    // Only text can carry offsets: a sniffed TIMESTAMPTZ column was zoned text, a VARCHAR one may be.
    const timeText = format === 'csv' && /^(TIMESTAMP WITH TIME ZONE|VARCHAR)$/.test(typeOf.get(columns.time) ?? '');
    // A CSV column that mixes naive and zoned datetimes is sniffed as TIMESTAMPTZ, which reads the naive
    // ones as UTC; with a zone given, read it as text so each value is placed in the right zone.
    const timeAsText = format === 'csv' && timeZone !== undefined && typeOf.get(columns.time) === 'TIMESTAMP WITH TIME ZONE';
    if (timeAsText) typeOf.set(columns.time, 'VARCHAR');

    const expectedRows = format === 'csv' ? await countCsvRows(file) : null;
    let data: Float64Array[] | undefined;
    const modes: CsvMode[] = format === 'csv' ? ['sniffed', 'text-values', 'all-text'] : ['sniffed'];
    for (const mode of modes) {
      const types = mode === 'sniffed' ? typeOf : new Map([...typeOf].map(([name, type]) => [name, textType(mode, name, columns, type)]));
      const sql = `SELECT ${selectList(columns, types, fileName, timeZone)} FROM ${source(file, format, mode, columns, timeAsText)}`;
      try {
        data = await readDoubles(conn, sql, expectedRows);
        break;
      } catch (e) {
        // A value DuckDB's sniffer did not foresee (it samples the start of the file): read more as text.
        if (mode === modes[modes.length - 1] || !/Conversion Error|Could not convert/i.test(String(e))) throw readError(e, fileName, format, file);
      }
    }
    const [time, open, high, low, close, volume] = data!;
    const raw: RawColumns = {
      file,
      fileName,
      format,
      time,
      open,
      high,
      low,
      close,
      volume: volume ?? new Float64Array(time.length),
      hasVolume: columns.volume !== null,
      columns,
    };
    if (timeText) raw.zones = await surveyZones(conn, file, fileName, columns.time);
    attachTextLookup(raw, file, format, columns);
    if (format === 'csv') raw.lineOf = (i) => i + 2;
    return raw;
  });
}

/**
 * The query's DOUBLE columns: streamed into arrays of the expected size when the row count is known
 * (the columns are then in memory once), else materialized, which also reports any error a stream
 * would hide.
 */
async function readDoubles(conn: DuckDBConnection, sql: string, expectedRows: number | null): Promise<Float64Array[]> {
  if (expectedRows !== null) {
    const streamed = await streamDoubleColumns(conn, sql, expectedRows);
    if (streamed) return streamed;
  }
  return doubleColumns(await conn.run(sql));
}

function source(file: string, format: TableFormat, mode: CsvMode, columns?: ResolvedColumns, timeAsText = false): string {
  if (format === 'parquet') return `read_parquet(${sqlString(file)})`;
  if (mode === 'all-text') return `read_csv(${sqlString(file)}, ${CSV_OPTIONS}, all_varchar = true)`;
  const text: string[] = [];
  if (mode === 'text-values' && columns) text.push(...VALUE_FIELDS.map((f) => columns[f]).filter((c): c is string => c !== null));
  if (timeAsText && columns) text.push(columns.time);
  if (text.length === 0) return `read_csv(${sqlString(file)}, ${CSV_OPTIONS})`;
  return `read_csv(${sqlString(file)}, ${CSV_OPTIONS}, types = {${text.map((n) => `${sqlString(n)}: 'VARCHAR'`).join(', ')}})`;
}

function textType(mode: CsvMode, name: string, columns: ResolvedColumns, sniffed: string): string {
  if (mode === 'all-text') return 'VARCHAR';
  return name === columns.time ? sniffed : 'VARCHAR';
}

async function describe(conn: DuckDBConnection, from: string, fileName: string, format: TableFormat): Promise<{ name: string; type: string }[]> {
  try {
    const reader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
    return reader.getRows().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
  } catch (e) {
    throw readError(e, fileName, format);
  }
}

function selectList(columns: ResolvedColumns, types: Map<string, string>, fileName: string, timeZone?: string): string {
  const list = [`${timeExpr(columns.time, types.get(columns.time) ?? 'VARCHAR', fileName, timeZone)} AS time`];
  for (const field of VALUE_FIELDS) {
    const name = columns[field];
    if (name !== null) list.push(`${valueExpr(name, types.get(name) ?? 'VARCHAR')} AS ${field}`);
  }
  return list.join(', ');
}

/**
 * SQL turning the time column into epoch ms UTC. Naive datetimes are UTC unless `timeZone` names the
 * zone their wall clock is in; zoned values and calendar dates are never shifted.
 */
function timeExpr(name: string, type: string, fileName: string, timeZone?: string): string {
  const x = sqlIdent(name);
  const zone = timeZone ? sqlString(timeZone) : undefined;
  const naiveTimestamp = /^TIMESTAMP(_S|_MS|_NS)?$/.test(type);
  if (naiveTimestamp && zone) return `epoch_ms(timezone(${zone}, ${x}))::DOUBLE`;
  if (/^(TIMESTAMP|DATE)/.test(type)) return `epoch_ms(${x})::DOUBLE`;
  if (NUMERIC.test(type)) return epochToMsSql(`${x}::DOUBLE`);
  if (type === 'VARCHAR') {
    const t = `trim(${x})`;
    const parsed = zone
      ? `CASE WHEN regexp_matches(${t}, ${sqlString(ZONED_TEXT)}) OR NOT regexp_matches(${t}, ':') ` +
        `THEN epoch_ms(TRY_CAST(${t} AS TIMESTAMPTZ)) ELSE epoch_ms(timezone(${zone}, TRY_CAST(${t} AS TIMESTAMP))) END`
      : `epoch_ms(TRY_CAST(${t} AS TIMESTAMPTZ))`;
    return `COALESCE((${parsed})::DOUBLE, ${epochToMsSql(`TRY_CAST(${t} AS DOUBLE)`)})`;
  }
  throw new StratlabError('BAD_TIMESTAMP', `${fileName}: column "${name}" holds ${type} values, not timestamps`, {
    hint: 'point { columns: { time: … } } at a date, datetime or epoch column',
    location: { file: fileName, field: 'time' },
  });
}

function valueExpr(name: string, type: string): string {
  const x = sqlIdent(name);
  if (NUMERIC.test(type)) return `${x}::DOUBLE`;
  if (type === 'VARCHAR') return `TRY_CAST(trim(${x}) AS DOUBLE)`;
  return `TRY_CAST(${x} AS DOUBLE)`;
}

/** One pass over the time column's text: each zone as written ('' for naive), with its first row. */
async function surveyZones(conn: DuckDBConnection, file: string, fileName: string, column: string): Promise<ZoneSurvey> {
  const t = `trim(${sqlIdent(column)})`;
  // The common file writes every time in UTC with a 'Z': one cheap pass says so, and the full survey
  // (a regular expression per row, ~5× the cost of the scan) is only run when some value is not.
  try {
    const quick = (await conn.runAndReadAll(
      `SELECT count(*) FILTER (WHERE NOT suffix(${t}, 'Z')) FROM read_csv(${sqlString(file)}, ${CSV_OPTIONS}, all_varchar = true)`,
    )).getRows();
    if (Number(quick[0][0]) === 0) return { offsets: ['Z'], firstZoned: { index: 0, text: '' } };
  } catch (e) {
    throw readError(e, fileName, 'csv', file);
  }
  const sql =
    `SELECT zone, min(i) AS first, arg_min(t, i) AS text FROM (` +
    `SELECT ${t} AS t, regexp_extract(${t}, ${sqlString(ZONED_TEXT)}, 3) AS zone, ordinality - 1 AS i ` +
    `FROM read_csv(${sqlString(file)}, ${CSV_OPTIONS}, all_varchar = true) WITH ORDINALITY) ` +
    `WHERE t <> '' AND NOT regexp_matches(t, ${sqlString(EPOCH_TEXT)}) GROUP BY zone`;
  try {
    const rows = (await conn.runAndReadAll(sql)).getRows();
    return surveyFromGroups(rows.map((r) => ({ zone: String(r[0]), first: Number(r[1]), text: String(r[2]) })));
  } catch (e) {
    throw readError(e, fileName, 'csv', file);
  }
}

/** Looks up the file's original text for rows that turned out bad (the slow path only). */
function attachTextLookup(raw: RawColumns, file: string, format: TableFormat, columns: ResolvedColumns): void {
  const texts = new Map<BarField, Map<number, string | null>>();
  raw.text = (field, i) => texts.get(field)?.get(i);
  raw.loadText = async (indices) => {
    if (indices.length === 0) return;
    const fields = (['time', ...VALUE_FIELDS] as BarField[]).filter((f) => columns[f] !== null);
    const cols = fields.map((f) => `CAST(${sqlIdent(columns[f]!)} AS VARCHAR)`).join(', ');
    const from =
      format === 'csv'
        ? `read_csv(${sqlString(file)}, ${CSV_OPTIONS}, all_varchar = true)`
        : `read_parquet(${sqlString(file)})`;
    const rows = await withConnection(async (conn) =>
      (await conn.runAndReadAll(`SELECT ordinality - 1, ${cols} FROM ${from} WITH ORDINALITY WHERE ordinality - 1 IN (${indices.join(', ')})`)).getRows(),
    );
    for (const row of rows) {
      const i = Number(row[0]);
      fields.forEach((f, k) => {
        if (!texts.has(f)) texts.set(f, new Map());
        texts.get(f)!.set(i, row[k + 1] === null ? null : String(row[k + 1]));
      });
    }
  };
}

/** DuckDB saw one column named like a whole header: some line has a different number of fields. */
async function refuseRagged(file: string, fileName: string, header: string): Promise<void> {
  const delimiter = guessDelimiter(header);
  if (!delimiter) return;
  const ragged = await findRaggedLine(file, delimiter);
  if (!ragged) return;
  throw new StratlabError(
    'PARSE_ERROR',
    `${fileName}: cannot read as CSV: line ${ragged.line} has ${ragged.fields} fields, the header has ${ragged.expected}`,
    { hint: 'every line needs the same columns as the header', location: { file, row: ragged.line - 1 } },
  );
}

/** DuckDB's error, turned into one line that names the file. */
function readError(e: unknown, fileName: string, format: TableFormat, file?: string): StratlabError {
  if (e instanceof StratlabError) return e;
  const text = e instanceof Error ? e.message : String(e);
  const line = /CSV Error on Line: (\d+)/.exec(text)?.[1];
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(text);
  const firstLine = text.split('\n')[0].replace(/^[A-Za-z ]*Error: /, '');
  const what = columns && line
    ? `line ${line} has ${columns[2]} fields, the header has ${columns[1]}`
    : line
      ? `line ${line}: ${firstLine}`
      : firstLine;
  return new StratlabError('PARSE_ERROR', `${fileName}: cannot read as ${format === 'csv' ? 'CSV' : 'Parquet'}: ${what}`, {
    hint: format === 'csv' ? 'every line needs the same columns as the header' : 'is it really a Parquet file?',
    location: { file: file ?? fileName, row: line ? Number(line) - 1 : undefined },
  });
}
