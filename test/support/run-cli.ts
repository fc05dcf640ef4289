/** Runs the real `tokenscope` command (node bin/tokenscope.js) as a child process, for tests of exit codes and output. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/tokenscope.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command to completion. `env` replaces TOKENSCOPE_* of the test's own environment. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = startCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the command and leaves it running (e.g. `demo`); the caller stops it. */
export function startCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TOKENSCOPE_')));
  // NODE_OPTIONS cleared: the test runner's loader hooks are not the CLI's.
  return spawn(process.execPath, [BIN, ...args], { env: { ...inherited, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Everything a running command prints on a stream, and a wait for a pattern in it. */
export function collectOutput(child: ChildProcess, stream: 'stdout' | 'stderr') {
  let seen = '';
  child[stream]!.on('data', (d: Buffer) => (seen += d.toString()));
  return {
    text: () => seen,
    /** Resolves with the first match of `pattern`, or rejects when the process ends before printing it. */
    waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(seen);
          if (match) {
            child[stream]!.off('data', check);
            child.off('exit', onExit);
            resolve(match);
          }
        };
        const onExit = (code: number | null) => reject(new Error(`process exited (${code}) before printing ${pattern}; it printed:\n${seen}`));
        child[stream]!.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}
