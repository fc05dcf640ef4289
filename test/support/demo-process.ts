/**
 * `tokenscope demo` as docker-compose.yml runs it (seeded history, then serving with a live trickle), in a
 * child process on a random port with its database in a temporary folder. For suites whose own environment is
 * jsdom, where the server must not run in-process (see test-server-process.ts).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startCli } from './run-cli';

export interface DemoProcess {
  url: string;
  /** Stops the demo (SIGTERM) and removes its folder. */
  stop(): Promise<void>;
}

/** Starts the demo and resolves once it serves (after seeding `days` of history ending at its start). */
export async function startDemoProcess(options: { days: number; env: Record<string, string> }): Promise<DemoProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-demo-'));
  const child = startCli(
    ['demo', '--days', String(options.days), '--port', '0', '--host', '127.0.0.1', '--db', join(dir, 'demo.duckdb')],
    { TOKENSCOPE_LOG_LEVEL: 'warn', ...options.env },
    ['ignore', 'ignore', 'pipe'],
  );
  let output = '';
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`tokenscope demo exited with code ${code} before serving:\n${output}`)));
      createInterface({ input: child.stderr! }).on('line', (line) => {
        output += `${line}\n`;
        const m = /^demo running at (\S+) /.exec(line);
        if (m) resolve(m[1]);
      });
    });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
