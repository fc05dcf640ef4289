/** The benchmark's baseline: DuckDB alone, every event appended to one raw table, GROUP BY over it. */
import { BIGINT, DuckDBDataChunk, DuckDBInstance, VARCHAR } from '@duckdb/node-api';
import type { DemoEvent } from '../src/server/demo/demo-traffic';

const COLUMNS = [
  ['ts', BIGINT],
  ['service', VARCHAR],
  ['model', VARCHAR],
  ['model_type', VARCHAR],
  ['api_key', VARCHAR],
  ['input_tokens', BIGINT],
  ['output_tokens', BIGINT],
  ['cache_read_tokens', BIGINT],
  ['cache_write_tokens', BIGINT],
  ['duration_ms', BIGINT],
  ['id', VARCHAR],
] as const;

export async function openRawBaseline(path: string) {
  // Room to cache the whole raw table at 100M events, short of starving the machine.
  const instance = await DuckDBInstance.create(path, { memory_limit: '4GB' });
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE IF NOT EXISTS events (${COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')})`);
  return {
    /** Appends every batch with DuckDB's appender; returns the seconds spent in DuckDB (generation excluded). */
    async append(batches: Iterable<DemoEvent[]>): Promise<number> {
      const appender = await conn.createAppender('events');
      // One chunk, refilled: a chunk's native memory is freed only when the garbage collector gets to its small
      // JavaScript wrapper, so a chunk per 2,048 rows held gigabytes by 100M events.
      const chunk = DuckDBDataChunk.create(
        COLUMNS.map(([, type]) => type),
        2048,
      );
      let spent = 0;
      for (const batch of batches) {
        for (let start = 0; start < batch.length; start += 2048) {
          const rows = batch.slice(start, start + 2048);
          const columns = [
            rows.map((e) => BigInt(e.timestamp)),
            rows.map((e) => e.service),
            rows.map((e) => e.model),
            rows.map((e) => e.model_type),
            rows.map((e) => e.api_key),
            rows.map((e) => BigInt(e.input_tokens)),
            rows.map((e) => BigInt(e.output_tokens)),
            rows.map((e) => BigInt(e.cache_read_tokens)),
            rows.map((e) => BigInt(e.cache_write_tokens)),
            rows.map((e) => BigInt(e.duration_ms)),
            rows.map((e) => e.id),
          ];
          const started = performance.now();
          chunk.reset();
          chunk.setColumns(columns);
          appender.appendDataChunk(chunk);
          spent += performance.now() - started;
        }
      }
      const started = performance.now();
      appender.closeSync();
      await conn.run('CHECKPOINT');
      return (spent + performance.now() - started) / 1000;
    },
    ranking: (from: number, to: number) =>
      conn.runAndReadAll(`SELECT model, sum(input_tokens + output_tokens) AS total, sum(input_tokens), sum(output_tokens)
        FROM events WHERE ts >= ${from} AND ts < ${to} GROUP BY model ORDER BY total DESC`),
    hourlyTrend: (from: number, to: number) =>
      conn.runAndReadAll(`SELECT ts // 3600000 * 3600000 AS bucket, model, sum(input_tokens + output_tokens)
        FROM events WHERE ts >= ${from} AND ts < ${to} GROUP BY ALL`),
    async count(): Promise<number> {
      return Number((await conn.runAndReadAll('SELECT count(*) FROM events')).getRowsJS()[0][0]);
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
