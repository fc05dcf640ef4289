/**
 * The benchmark's ClickHouse leg (`--engine clickhouse`): a clickhouse-server of its own (loopback, random
 * ports, temporary folder) for the backend to use as its store, and the baseline ClickHouse itself offers:
 * a plain GROUP BY over the raw events table the backend filled.
 */
import { connectClickHouse, type ClickHouseConnection } from '../src/server/storage/clickhouse/clickhouse-client';
import { quoteIdentifier, quoteInt } from '../src/server/storage/clickhouse/clickhouse-sql';
import { CLICKHOUSE_TEST_USER, clickhouseProgram, startClickHouse } from '../test/support/clickhouse-server';

const DATABASE = 'tokenscope_bench';

export interface ClickHouseLeg {
  /** TOKENSCOPE_STORE for the backend under test. */
  storeUrl: string;
  /** The clickhouse-server process, whose background merges should be done before queries are timed. */
  pid: number;
  /** ClickHouse alone: GROUP BY over the raw events, the same questions the backend answers from rollups. */
  rawRanking(from: number, to: number): Promise<unknown>;
  rawHourlyTrend(from: number, to: number): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startClickHouseLeg(): Promise<ClickHouseLeg> {
  if (!clickhouseProgram.path) throw new Error(`--engine clickhouse needs clickhouse-server${clickhouseProgram.skipReason}`);
  const server = await startClickHouse(1);
  const conn: ClickHouseConnection = connectClickHouse({
    url: server.servers[0].httpUrl,
    username: CLICKHOUSE_TEST_USER.name,
    password: CLICKHOUSE_TEST_USER.password,
  });
  const events = `${quoteIdentifier(DATABASE)}.${quoteIdentifier('events')}`;
  const range = (from: number, to: number) => `ts >= ${quoteInt(from)} AND ts < ${quoteInt(to)}`;
  return {
    storeUrl: server.storeUrl(DATABASE),
    pid: server.servers[0].pid,
    rawRanking: (from, to) =>
      conn.select(`SELECT model, sum(input_tokens + output_tokens) AS total, sum(input_tokens), sum(output_tokens)
        FROM ${events} WHERE ${range(from, to)} GROUP BY model ORDER BY total DESC`),
    rawHourlyTrend: (from, to) =>
      conn.select(`SELECT intDiv(ts, 3600000) * 3600000 AS bucket, model, sum(input_tokens + output_tokens) AS total
        FROM ${events} WHERE ${range(from, to)} GROUP BY bucket, model`),
    async stop() {
      await conn.close();
      await server.stop();
    },
  };
}
