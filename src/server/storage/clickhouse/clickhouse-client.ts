/**
 * The few calls the ClickHouse engine makes, as a small interface, and its one implementation over
 * @clickhouse/client. The rest of the engine depends on `ClickHouseConnection` only.
 */
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';

/** Per-statement server settings, sent beside the statement (never inside it). */
export type ClickHouseSettings = Record<string, string | number>;

/** One ClickHouse node, spoken to over HTTP. */
export interface ClickHouseConnection {
  /** The rows of a SELECT. 64-bit integers arrive as decimal strings. */
  select<T extends object>(sql: string, settings?: ClickHouseSettings): Promise<T[]>;
  /** A statement without result rows: DDL, or INSERT … SELECT. */
  execute(sql: string, settings?: ClickHouseSettings): Promise<void>;
  /** Inserts rows (objects keyed by column name) into a table; the values travel as JSON, not as SQL. */
  insert(table: string, rows: readonly Record<string, unknown>[], settings?: ClickHouseSettings): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  url: string;
  username: string;
  password: string;
  /** Longest a statement may take, ms; default 300,000 (rollup refreshes of a large import). */
  requestTimeoutMs?: number;
}

/** A connection over @clickhouse/client; its own console logging is off (the engine logs with pino). */
export function connectClickHouse(options: ConnectOptions): ClickHouseConnection {
  const client = createClient({
    url: options.url,
    username: options.username,
    password: options.password,
    request_timeout: options.requestTimeoutMs ?? 300_000,
    application: 'tokenscope',
    log: { level: ClickHouseLogLevel.OFF },
  });
  return {
    async select<T extends object>(sql: string, settings?: ClickHouseSettings) {
      const result = await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: settings });
      return result.json<T>();
    },
    async execute(sql, settings) {
      await client.command({ query: sql, clickhouse_settings: settings });
    },
    async insert(table, rows, settings) {
      if (rows.length === 0) return;
      await client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow', clickhouse_settings: settings });
    },
    close: () => client.close(),
  };
}
