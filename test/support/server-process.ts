/** Runs `tokenscope serve` as a child process (for restarts and SIGKILL) and waits until it listens. */
import type { ChildProcess } from 'node:child_process';
import { startCli } from './run-cli';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `onSpawn` sees the child before it listens (e.g. to kill it while it opens its store). */
export async function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}, onSpawn?: (child: ChildProcess) => void): Promise<ServerProcess> {
  const child = startCli(['serve', '--port', '0', ...args], { TOKENSCOPE_LOG_LEVEL: 'info', ...env });
  onSpawn?.(child);
  // A server that never listens (or a test that ends early) must not outlive the test process.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let output = '';
  let listening = false;
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // Once it listens, output is only collected: matching the growing text on every chunk would cost more and more.
      if (listening) return;
      const match = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"tokenscope listening"/.exec(output);
      if (match) {
        listening = true;
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  return {
    url,
    child,
    output: () => output,
    kill: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
