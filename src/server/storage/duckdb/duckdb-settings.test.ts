import { DuckDBInstance } from '@duckdb/node-api';
import { expect, test } from 'vitest';
import { duckdbSettings } from './duckdb-settings';

/** The settings as a DuckDB instance opened with them reports them. */
async function opened(settings: Record<string, string>): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(':memory:', settings);
  const conn = await instance.connect();
  const rows = (
    await conn.runAndReadAll(
      `SELECT current_setting('memory_limit'), current_setting('checkpoint_threshold'), current_setting('threads')::VARCHAR, current_setting('late_materialization_max_rows')::VARCHAR`,
    )
  ).getRowsJS();
  conn.closeSync();
  instance.closeSync();
  const [memoryLimit, checkpointThreshold, threads, lateMaterializationMaxRows] = rows[0].map(String);
  return { memoryLimit, checkpointThreshold, threads, lateMaterializationMaxRows };
}

test('DuckDB opens with the default memory limit (128MB) and checkpoint threshold (32MB), in its own MiB, and no late materialization', async () => {
  const got = await opened(duckdbSettings({}));
  expect(got.memoryLimit).toBe('122.0 MiB');
  expect(got.checkpointThreshold).toBe('30.5 MiB');
  expect(got.lateMaterializationMaxRows).toBe('0');
});

test('DuckDB opens with the memory limit, checkpoint threshold and threads given', async () => {
  expect(await opened(duckdbSettings({ memoryLimit: '1GiB', checkpointThreshold: '8MB', threads: 1 }))).toEqual({
    memoryLimit: '1.0 GiB',
    checkpointThreshold: '7.6 MiB',
    threads: '1',
    lateMaterializationMaxRows: '0',
  });
});
