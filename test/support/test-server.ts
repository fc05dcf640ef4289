/** Starts a real backend (DuckDB in a temporary folder, random port) for a test file, and cleans up after it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConfigOverrides } from '../../src/server/config';
import { createLogger } from '../../src/server/logger';
import { startServer, type RunningServer } from '../../src/server/main';

export interface TestServer extends RunningServer {
  dir: string;
  /** fetch() against the server, JSON in and out. */
  json<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

export async function startTestServer(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-test-'));
  const config = loadConfig(env, { TOKENSCOPE_PORT: 0, TOKENSCOPE_DB: join(dir, 'test.duckdb'), TOKENSCOPE_LOG_LEVEL: 'silent', ...overrides });
  const server = await startServer(config, createLogger(config.logLevel));
  return {
    ...server,
    dir,
    async json(method, path, body, headers = {}) {
      const res = await fetch(server.url + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed as never };
    },
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
