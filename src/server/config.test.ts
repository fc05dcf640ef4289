import { expect, test } from 'vitest';
import { loadConfig } from './config';

test('DuckDB sizes: the id index memory is read in bytes as DuckDB reads sizes (KB 1000, KiB 1024); a bad one names the variable', () => {
  expect(loadConfig({}).duckdbIdIndexBytes).toBe(128 * 2 ** 20);
  expect(loadConfig({ TOKENSCOPE_DUCKDB_ID_INDEX_MEMORY: '64MiB' }).duckdbIdIndexBytes).toBe(64 * 2 ** 20);
  expect(loadConfig({ TOKENSCOPE_DUCKDB_ID_INDEX_MEMORY: '1.5GB' }).duckdbIdIndexBytes).toBe(1.5e9);
  expect(loadConfig({ TOKENSCOPE_DUCKDB_MEMORY_LIMIT: '1GiB' }).duckdbMemoryLimit).toBe('1GiB');
  expect(() => loadConfig({ TOKENSCOPE_DUCKDB_ID_INDEX_MEMORY: 'lots' })).toThrow(/TOKENSCOPE_DUCKDB_ID_INDEX_MEMORY.*must be a size such as 256MB or 1GiB/);
});

test('DuckDB checkpoint threshold: 32MB by default, any size DuckDB reads, and a bad one names the variable', () => {
  expect(loadConfig({}).duckdbCheckpointThreshold).toBe('32MB');
  expect(loadConfig({ TOKENSCOPE_DUCKDB_CHECKPOINT_THRESHOLD: '128MiB' }).duckdbCheckpointThreshold).toBe('128MiB');
  expect(() => loadConfig({ TOKENSCOPE_DUCKDB_CHECKPOINT_THRESHOLD: '32' })).toThrow(/TOKENSCOPE_DUCKDB_CHECKPOINT_THRESHOLD.*must be a size such as 256MB or 1GiB/);
});
