/**
 * The one launcher of Node children for tests: the real `tokenscope` command (node bin/tokenscope.js) for exit codes
 * and output, and the environment every child gets (`childEnv`).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { join } from 'node:path';

// A path built from the folder, not from import.meta.url: under jsdom that URL is not a file URL.
export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tokenscope.js');

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

/**
 * The environment of every Node child a test starts: the test's own, less its TOKENSCOPE_* settings (a child gets
 * only those it is given) and NODE_OPTIONS (the test runner's loader hooks are not the child's), plus `env`.
 */
export function childEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TOKENSCOPE_')));
  return { ...inherited, NODE_OPTIONS: '', ...env };
}

/** Starts the command and leaves it running (e.g. `demo`, `serve`); the caller stops it. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, stdio: StdioOptions = ['ignore', 'pipe', 'pipe']): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: childEnv(env), stdio });
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
