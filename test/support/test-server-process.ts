/**
 * A real backend (test-server.ts: DuckDB in a temporary folder, random port) in a child process, for suites
 * whose own environment is not Node's: under jsdom, global URL, fetch and typed arrays are the page's, which
 * the server must not run on. The child prints its URL, and stops (removing its folder) on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ConfigOverrides } from '../../src/server/config';
import { childEnv } from './run-cli';

const CHILD = join(import.meta.dirname, 'test-server-child.ts');

export interface TestServerProcess {
  url: string;
  stop(): Promise<void>;
}

export async function startTestServerProcess(overrides: ConfigOverrides = {}): Promise<TestServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(overrides)], {
    cwd: join(import.meta.dirname, '..', '..'),
    // stdin stays open while this process lives; the child stops when it closes, so no server outlives its suite.
    stdio: ['pipe', 'pipe', 'inherit'],
    env: childEnv(),
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`test server exited with code ${code} before it was ready`)));
    lines.on('line', (line) => {
      const m = /^listening (\S+)$/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
