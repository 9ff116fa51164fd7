/**
 * tracker.experiments(): a fluent, immutable query over the experiments table.
 *
 *   tracker.experiments().where({ strategy: ['SmaCross', 'DonchianBreakout'], score: { gte: 1 } })
 *     .orderBy('sharpe').limit(10).all();
 *
 * Filters are objects keyed by camelCase field: a value means =, an array means IN, null means IS
 * NULL, and { gt, gte, lt, lte, ne } compares. Every field is whitelisted and every value is a bound
 * parameter; nothing a caller passes is spliced into the SQL. Raw SQL is there too: `tracker.db`.
 */
import type { Statement } from 'better-sqlite3';
import { StratlabError } from '../core/errors';
import { nearest } from '../data/options';
import { toDataFrame, type DataFrame } from '../viz/dataframe';
import type { Row } from '../viz/table';
import { DISPLAY_ROWS, renderRows, show, withDisplay, type ExperimentRows } from './display';
import { SELECT_COLUMNS, rowFromSql, type ExperimentRow, type SqlRow } from './rows';

const TEXT_FIELDS = {
  experimentId: 'experiment_id',
  strategy: 'strategy',
  strategySource: 'strategy_source',
  symbol: 'symbol',
  timeframe: 'timeframe',
  paramsHash: 'params_hash',
  status: 'status',
  validationStatus: 'validation_status',
  parentExperimentId: 'parent_experiment_id',
  trainPeriod: 'train_period',
  testPeriod: 'test_period',
  createdAt: 'created_at',
} as const;

const NUMBER_FIELDS = {
  id: 'id',
  returnPct: 'return_pct',
  annualisedReturn: 'annualised_return',
  maxDrawdown: 'max_drawdown',
  totalTrades: 'total_trades',
  tradesPerYear: 'trades_per_year',
  winRate: 'win_rate',
  profitFactor: 'profit_factor',
  sharpe: 'sharpe',
  score: 'score',
  testReturnPct: 'test_return_pct',
  spread: 'spread',
  executionDelay: 'execution_delay',
} as const;

export type TextField = keyof typeof TEXT_FIELDS;
export type NumberField = keyof typeof NUMBER_FIELDS;
export type OrderField = TextField | NumberField;

/** A comparison; several bounds combine with AND: { gte: 1, lt: 2 }. */
export interface RangeFilter<T> {
  gt?: T;
  gte?: T;
  lt?: T;
  lte?: T;
  ne?: T;
}

export type ExperimentFilter = {
  [K in TextField]?: string | readonly string[] | RangeFilter<string> | null;
} & {
  [K in NumberField]?: number | readonly number[] | RangeFilter<number> | null;
} & {
  /** true: rows that failed at least one disqualification rule; false: rows that passed them all. */
  disqualified?: boolean;
};

const OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=', ne: '<>' } as const;
const FILTER_KEYS = [...Object.keys(TEXT_FIELDS), ...Object.keys(NUMBER_FIELDS), 'disqualified'];

interface Clause {
  sql: string;
  params: unknown[];
  /** For captions: "strategy = 'SmaCross'". */
  text: string;
}

interface QueryState {
  clauses: readonly Clause[];
  order?: { field: OrderField; dir: 'asc' | 'desc' };
  limit?: number;
  offset?: number;
}

/** What a query runs against: the tracker's cached prepared statements. */
export interface QuerySource {
  statement(sql: string): Statement;
}

function fail(message: string, hint?: string, field?: string): never {
  throw new StratlabError('BAD_ARGUMENT', message, { hint, location: { field } });
}

const literal = (v: unknown) => (typeof v === 'string' ? `'${v}'` : String(v));

function clauseFor(field: string, value: unknown): Clause {
  if (field === 'disqualified') {
    if (typeof value !== 'boolean') fail(`experiments().where: disqualified: expected true or false, got ${literal(value)}`);
    return { sql: value ? "disqualified <> '[]'" : "disqualified = '[]'", params: [], text: value ? 'disqualified' : 'not disqualified' };
  }
  const isText = field in TEXT_FIELDS;
  const column = isText ? TEXT_FIELDS[field as TextField] : NUMBER_FIELDS[field as NumberField];
  const kind = isText ? 'string' : 'number';
  const check = (v: unknown, where: string) => {
    if (typeof v !== kind || (kind === 'number' && Number.isNaN(v))) {
      fail(`experiments().where: ${where}: expected a ${kind}, got ${v === undefined ? 'undefined' : JSON.stringify(v)}`, undefined, field);
    }
    return v;
  };
  if (value === null) return { sql: `${column} IS NULL`, params: [], text: `${field} is null` };
  if (Array.isArray(value)) {
    value.forEach((v, i) => check(v, `${field}[${i}]`));
    if (value.length === 0) return { sql: '0', params: [], text: `${field} in ()` };
    return { sql: `${column} IN (${value.map(() => '?').join(', ')})`, params: [...value], text: `${field} in (${value.map(literal).join(', ')})` };
  }
  if (typeof value === 'object') {
    const parts: Clause[] = [];
    for (const [op, v] of Object.entries(value as Record<string, unknown>)) {
      if (!(op in OPS)) {
        const near = nearest(op, Object.keys(OPS));
        fail(`experiments().where: ${field}.${op}: unknown comparison`, near ? `did you mean "${near}"?` : 'use gt, gte, lt, lte or ne', field);
      }
      if (v === undefined) continue;
      const sym = OPS[op as keyof typeof OPS];
      parts.push({ sql: `${column} ${sym} ?`, params: [check(v, `${field}.${op}`)], text: `${field} ${sym} ${literal(v)}` });
    }
    if (parts.length === 0) fail(`experiments().where: ${field}: an empty comparison`, 'give one of gt, gte, lt, lte, ne', field);
    return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params), text: parts.map((p) => p.text).join(' and ') };
  }
  check(value, field);
  return { sql: `${column} = ?`, params: [value], text: `${field} = ${literal(value)}` };
}

function unknownField(field: string, known: readonly string[], where: string): never {
  const near = nearest(field, known);
  return fail(`experiments().${where}: unknown field "${field}"`, near ? `did you mean "${near}"?` : `fields are: ${known.join(', ')}`, field);
}

const count = (n: unknown, where: string): number => {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) fail(`experiments().${where}: expected a whole number >= 0, got ${JSON.stringify(n)}`);
  return n;
};

export class ExperimentQuery {
  private readonly source: QuerySource;
  private readonly state: QueryState;

  constructor(source: QuerySource, state: QueryState = { clauses: [] }) {
    this.source = source;
    this.state = state;
  }

  /** Adds filters (AND with the ones before): `.where({ symbol: ['SPY', 'QQQ'], sharpe: { gt: 1 } })`. */
  where(filter: ExperimentFilter): ExperimentQuery {
    if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
      fail('experiments().where: expected an object of filters such as { strategy: "SmaCross", score: { gte: 1 } }');
    }
    const clauses = [...this.state.clauses];
    for (const [field, value] of Object.entries(filter)) {
      if (value === undefined) continue;
      if (!FILTER_KEYS.includes(field)) unknownField(field, FILTER_KEYS, 'where');
      clauses.push(clauseFor(field, value));
    }
    return new ExperimentQuery(this.source, { ...this.state, clauses });
  }

  /**
   * Sorts by one field (replacing any earlier order); ties go by id. The direction defaults to
   * 'desc' for metrics (best first) and 'asc' for id, dates and text. NULLs (NaN metrics) sort last.
   */
  orderBy(field: OrderField, dir?: 'asc' | 'desc'): ExperimentQuery {
    const fields = [...Object.keys(NUMBER_FIELDS), ...Object.keys(TEXT_FIELDS)];
    if (!fields.includes(field)) unknownField(String(field), fields, 'orderBy');
    if (dir !== undefined && dir !== 'asc' && dir !== 'desc') fail(`experiments().orderBy: direction must be 'asc' or 'desc', got ${JSON.stringify(dir)}`);
    const metric = field in NUMBER_FIELDS && field !== 'id';
    return new ExperimentQuery(this.source, { ...this.state, order: { field, dir: dir ?? (metric ? 'desc' : 'asc') } });
  }

  limit(n: number): ExperimentQuery {
    return new ExperimentQuery(this.source, { ...this.state, limit: count(n, 'limit') });
  }

  offset(n: number): ExperimentQuery {
    return new ExperimentQuery(this.source, { ...this.state, offset: count(n, 'offset') });
  }

  /** The SQL and its bound parameters (for reading, or for running yourself on tracker.db). */
  toSQL(): { sql: string; params: unknown[] } {
    const { where, params } = this.whereSql();
    let order = 'id ASC';
    if (this.state.order) {
      const { field, dir } = this.state.order;
      const column = field in NUMBER_FIELDS ? NUMBER_FIELDS[field as NumberField] : TEXT_FIELDS[field as TextField];
      // DESC already puts NULLs last in SQLite; saying so for ASC only keeps the index usable for DESC.
      order = column === 'id' ? `id ${dir.toUpperCase()}` : `${column} ${dir.toUpperCase()}${dir === 'asc' ? ' NULLS LAST' : ''}, id ASC`;
    }
    const limit = this.state.limit ?? -1;
    const offset = this.state.offset ?? 0;
    return { sql: `SELECT ${SELECT_COLUMNS} FROM experiments${where} ORDER BY ${order} LIMIT ? OFFSET ?`, params: [...params, limit, offset] };
  }

  all(): ExperimentRows {
    const { sql, params } = this.toSQL();
    const rows = (this.source.statement(sql).all(...params) as SqlRow[]).map(rowFromSql);
    return withDisplay(rows, this.describe());
  }

  /** The matching rows as a danfojs DataFrame (loaded on first call): one column per field, parameter and metric. */
  toDataFrame(): DataFrame {
    return toDataFrame(this.all().map(flatRow));
  }

  first(): ExperimentRow | undefined {
    return this.limit(1).all()[0];
  }

  /** How many rows match the filters (limit and offset aside). */
  count(): number {
    const { where, params } = this.whereSql();
    return (this.source.statement(`SELECT COUNT(*) AS n FROM experiments${where}`).get(...params) as { n: number }).n;
  }

  /** 'experiments where strategy = 'SmaCross', order by score desc, limit 10'. */
  describe(): string {
    const s = this.state;
    const parts = ['experiments'];
    if (s.clauses.length) parts.push(`where ${s.clauses.map((c) => c.text).join(' and ')}`);
    if (s.order) parts.push(`order by ${s.order.field} ${s.order.dir}`);
    if (s.limit !== undefined) parts.push(`limit ${s.limit}`);
    if (s.offset) parts.push(`offset ${s.offset}`);
    return parts.join(', ');
  }

  /** Runs the query (at most DISPLAY_ROWS rows) and renders it, saying how many rows match in all. */
  private render(): { html: string; text: string } {
    const q = this.state.limit === undefined || this.state.limit > DISPLAY_ROWS ? this.limit(DISPLAY_ROWS) : this;
    return renderRows(q.all(), this.describe(), Math.max(0, this.count() - (this.state.offset ?? 0)));
  }

  toHTML(): string {
    return this.render().html;
  }

  toText(): string {
    return this.render().text;
  }

  /** In a tslab notebook: the rows as an HTML table; elsewhere: prints them as text. */
  display(): void {
    const { html, text } = this.render();
    show(html, text);
  }

  /** A cell ending with a query prints its rows, not the builder's internals. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toText();
  }

  private whereSql(): { where: string; params: unknown[] } {
    const c = this.state.clauses;
    if (c.length === 0) return { where: '', params: [] };
    return { where: ` WHERE ${c.map((x) => `(${x.sql})`).join(' AND ')}`, params: c.flatMap((x) => x.params) };
  }
}

/** A row with its parameters and metrics as columns of their own (validation details and return blocks left out). */
function flatRow(r: ExperimentRow): Row {
  return {
    id: r.id, experimentId: r.experimentId, strategy: r.strategy, symbol: r.symbol, timeframe: r.timeframe,
    ...r.params, score: r.score, ...r.metrics, spread: r.spread, executionDelay: r.executionDelay, status: r.status,
    disqualified: r.disqualified.join(', '), validationStatus: r.validationStatus, testReturnPct: r.testReturnPct,
    createdAt: r.createdAt,
  } as Row;
}
