import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { QueryLimitError } from '../../errors';
import { PROGRESS_SETTINGS, withinLimits } from './duckdb-watchdog';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await conn.run(PROGRESS_SETTINGS);
  await conn.run('CREATE TABLE t AS SELECT range AS x FROM range(4000000)');
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

// Far too much work to finish before the watchdog sees its progress (a union of scans, like an aggregate read:
// DuckDB reports its figures within tens of milliseconds, and the whole read takes seconds).
const HEAVY = `SELECT x % 97 AS g, sum(hash(x)) FROM (${Array.from({ length: 30 }, () => 'SELECT x FROM t').join(' UNION ALL ')}) GROUP BY g`;
const run = (sql: string) => async () => (await conn.runAndReadAll(sql)).getRowsJS();

test('a read that would scan more rows than the limit is stopped with a QueryLimitError that says what to narrow', async () => {
  const err = await withinLimits(conn, { maxRows: 1_000_000, timeoutMs: 0 }, run(HEAVY)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(QueryLimitError);
  expect((err as QueryLimitError).message).toMatch(
    /the query would read .* rows, more than the limit of 1,000,000 \(TOKENSCOPE_QUERY_MAX_ROWS\); shorten the time range/,
  );
  expect((err as QueryLimitError).status).toBe(422);
});

test('a read running past the time limit is stopped; the connection answers the next read', async () => {
  const err = await withinLimits(conn, { maxRows: 0, timeoutMs: 50 }, run(HEAVY)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(QueryLimitError);
  expect((err as Error).message).toMatch(/the query ran longer than 50 ms \(TOKENSCOPE_QUERY_TIMEOUT_MS\) and was stopped/);
  expect(await withinLimits(conn, { maxRows: 1_000_000, timeoutMs: 60_000 }, run('SELECT count(*) FROM t WHERE x < 1000'))).toEqual([[1000n]]);
});

test('other errors pass through unchanged', async () => {
  const err = await withinLimits(conn, { maxRows: 10, timeoutMs: 1000 }, run('SELECT * FROM no_such_table')).catch((e: unknown) => e);
  expect(err).not.toBeInstanceOf(QueryLimitError);
  expect((err as Error).message).toMatch(/no_such_table/);
});
