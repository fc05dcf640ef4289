import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clickhouseProgram, startClickHouse, type ClickHouseTestCluster } from '../../../../test/support/clickhouse-server';
import { connectClickHouse, type ClickHouseConnection } from './clickhouse-client';
import { quoteIdentifier, quoteInt, quoteList, quoteString, quoteUInt64 } from './clickhouse-sql';

const HOSTILE = [
  '',
  "'",
  "''",
  "it's",
  "\\'; DROP TABLE events; --",
  '\\',
  '\\\\',
  'ends with a backslash\\',
  '\u0000',
  'nul\u0000inside',
  'line\nbreak\r\nand\ttab',
  '\u0007\u0008\u000b\u000c\u001b\u007f',
  '`backtick`',
  '"double"',
  '{curly}:Type',
  '?',
  '$1',
  'Ünïcödé ✓ 日本語 العربية',
  '😀👩‍👩‍👧‍👦🏳️‍🌈',
  'e\u0301 combining',
  '\u202eright-to-left override',
  '\uFEFFbom',
  '\\x41 \\n \\0 literal escapes',
  "'.repeat".repeat(2000),
  'x'.repeat(100_000),
];

const LONG_QUERIES = { max_query_size: 16 * 1024 * 1024 };

describe(`ClickHouse SQL quoting${clickhouseProgram.skipReason}`, () => {
  test('a lone surrogate has no UTF-8 form and is refused rather than altered', () => {
    expect(() => quoteString('\uD800')).toThrow(/lone surrogate/);
    expect(() => quoteString('a\uDC00b')).toThrow(/lone surrogate/);
    expect(quoteString('\uD83D\uDE00')).toBe("'\uD83D\uDE00'");
  });

  test('numbers are checked before they become SQL', () => {
    expect(() => quoteInt(1.5)).toThrow(/safe integer/);
    expect(() => quoteInt(Number.NaN)).toThrow(/safe integer/);
    expect(() => quoteInt(2 ** 53)).toThrow(/safe integer/);
    expect(quoteInt(-42)).toBe('-42');
    expect(() => quoteUInt64('-1')).toThrow(/unsigned 64-bit/);
    expect(() => quoteUInt64('1 OR 1=1')).toThrow(/unsigned 64-bit/);
    expect(() => quoteUInt64(2n ** 64n)).toThrow(/unsigned 64-bit/);
    expect(() => quoteList([], quoteString)).toThrow(/must not be empty/);
    expect(() => quoteIdentifier('')).toThrow(/must not be empty/);
  });
});

describe.skipIf(!clickhouseProgram.path)(`ClickHouse SQL quoting against a real server${clickhouseProgram.skipReason}`, () => {
  let server: ClickHouseTestCluster;
  let conn: ClickHouseConnection;

  beforeAll(async () => {
    server = await startClickHouse();
    conn = connectClickHouse({ url: server.servers[0].httpUrl, username: 'default', password: '' });
  });
  afterAll(async () => {
    await conn?.close();
    await server?.stop();
  });

  /** Quotes each value into one SELECT and returns what the server read. */
  async function roundTrip(values: readonly string[]): Promise<string[]> {
    if (values.length === 0) return [];
    const rows = await conn.select<{ v: string[] }>(`SELECT [${values.map(quoteString).join(', ')}] AS v`, LONG_QUERIES);
    return rows[0].v;
  }

  test('hostile strings read back unchanged', async () => {
    expect(await roundTrip(HOSTILE)).toEqual(HOSTILE);
  });

  test('hostile strings stay values inside IN lists and comparisons', async () => {
    const rows = await conn.select<{ hits: string }>(
      `SELECT countIf(s IN ${quoteList(HOSTILE, quoteString)}) AS hits FROM (SELECT arrayJoin([${HOSTILE.map(quoteString).join(', ')}, 'not in the list']) AS s)`,
      LONG_QUERIES,
    );
    expect(Number(rows[0].hits)).toBe(HOSTILE.length);
  });

  test('fuzzed strings of any Unicode read back unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'binary-ascii', maxLength: 50 }), fc.constantFrom(...HOSTILE.slice(0, 20))),
          { maxLength: 20 },
        ),
        async (values) => {
          expect(await roundTrip(values)).toEqual(values);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('fuzzed identifiers name exactly the column they quote', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), async (name) => {
        const rows = await conn.select<Record<string, number>>(`SELECT 1 AS ${quoteIdentifier(name)}`);
        expect(Object.keys(rows[0])).toEqual([name]);
      }),
      { numRuns: 100 },
    );
  });

  test('integers read back unchanged, including the 64-bit extremes', async () => {
    const ints = [0, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const rows = await conn.select<{ v: string[]; u: string }>(
      `SELECT [${ints.map((n) => `toInt64(${quoteInt(n)})`).join(', ')}] AS v, toString(${quoteUInt64(2n ** 64n - 1n)}) AS u`,
    );
    expect(rows[0].v.map(Number)).toEqual(ints);
    expect(rows[0].u).toBe((2n ** 64n - 1n).toString());
  });
});
