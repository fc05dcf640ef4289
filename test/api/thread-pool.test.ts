/**
 * The `tokenscope` launcher gives Node's thread pool 16 threads unless UV_THREADPOOL_SIZE says otherwise: DuckDB runs
 * every query and commit there, and with Node's default of 4 the reader connections' queries held every thread while
 * the writer's commits waited for one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { spawnServer } from '../support/server-process';

const dir = mkdtempSync(join(tmpdir(), 'tokenscope-thread-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Threads of a running server, once its thread pool has started (it has answered a request). */
async function threadsOf(env: Record<string, string>, name: string): Promise<number> {
  const server = await spawnServer(['--db', join(dir, `${name}.duckdb`)], env);
  try {
    await fetch(`${server.url}/api/v1/health`);
    return Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))![1]);
  } finally {
    await server.kill('SIGTERM');
  }
}

test('the server runs with 16 thread-pool threads by default, and with what UV_THREADPOOL_SIZE says when set', async () => {
  const byDefault = await threadsOf({}, 'default');
  const four = await threadsOf({ UV_THREADPOOL_SIZE: '4' }, 'four');
  const six = await threadsOf({ UV_THREADPOOL_SIZE: '6' }, 'six');
  // Everything but the pool is the same in the three processes (give or take a thread Node or V8 starts late).
  expect(six - four).toBeGreaterThanOrEqual(2);
  expect(byDefault - six).toBeGreaterThanOrEqual(10);
});
