/**
 * The appender writes vectors itself (numbers as bytes, nulls as validity bits), so what DuckDB reads back must be
 * exactly what was appended: across chunk boundaries, with nulls in one chunk and none in the next, at the edges of
 * the integer types; and a number a column cannot hold is refused, naming the column, with nothing written.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TableAppender } from './duckdb-table-appender';

let conn: DuckDBConnection;
beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => conn.closeSync());

const ROWS = 5000;
const MAX = Number.MAX_SAFE_INTEGER;

async function tableRows(table: string): Promise<unknown[][]> {
  return (await conn.runAndReadAll(`SELECT * FROM ${table} ORDER BY n`)).getRowsJS();
}

test('rows read back exactly: chunk edges, nulls in one chunk and not the next, integer extremes, strings', async () => {
  await conn.run('CREATE TABLE t (n INTEGER NOT NULL, big BIGINT, small INTEGER, label VARCHAR)');
  const n = Array.from({ length: ROWS }, (_, i) => i);
  // Nulls only in the first chunk (rows below 2048), so the second chunk's vectors must be valid again.
  const big = n.map((i) => (i < 2048 && i % 7 === 0 ? null : [0, 1, -1, MAX, -MAX, 2 ** 32, 2 ** 32 - 1, -(2 ** 32), i * 1_000_003][i % 9]));
  const small = Float64Array.from(n, (i) => [0, 2 ** 31 - 1, -(2 ** 31), i][i % 4]);
  const label = n.map((i) => (i % 5 === 0 ? null : `label-${i}-${'é'.repeat(i % 20)}`));
  const appender = await TableAppender.open(conn, 't');
  await conn.run('BEGIN');
  await appender.append(conn, { n, big, small, label }, ROWS);
  await conn.run('COMMIT');
  const expected = n.map((i) => [i, big[i] === null ? null : BigInt(big[i]!), small[i], label[i]]);
  expect(await tableRows('t')).toEqual(expected);
  appender.close();
});

test('a number a column cannot hold exactly is refused, naming the table and column; the transaction rolls back whole', async () => {
  await conn.run('CREATE TABLE u (n INTEGER NOT NULL, big BIGINT NOT NULL)');
  const appender = await TableAppender.open(conn, 'u');
  for (const [column, bad] of [
    ['big', 1e20],
    ['big', 1.5],
    ['n', 2 ** 31],
  ] as const) {
    const n = Array.from({ length: 3000 }, (_, i) => i);
    const big = n.map((i) => i);
    const columns = { n, big };
    columns[column][2500] = bad;
    await conn.run('BEGIN');
    await expect(appender.append(conn, columns, n.length)).rejects.toThrow(`column ${column} of table u: ${bad} is not an integer that`);
    await conn.run('ROLLBACK');
  }
  expect(await tableRows('u')).toEqual([]);
  appender.close();
});

test('a table with a column type the appender does not write is refused when it is opened', async () => {
  await conn.run('CREATE TABLE v (n INTEGER, x DOUBLE)');
  await expect(TableAppender.open(conn, 'v')).rejects.toThrow('column x of table v is DOUBLE; the appender writes BIGINT, INTEGER, VARCHAR');
});
