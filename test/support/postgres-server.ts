/**
 * Starts a throwaway PostgreSQL for a test file: Debian's initdb and postgres (/usr/lib/postgresql/<version>/bin)
 * make a cluster in a temporary folder, listening on loopback on a random free port with trust auth, so nothing on
 * the machine is touched. As root (CI), the cluster runs as the `postgres` user, which PostgreSQL requires.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { systemProgram } from './system-program';
import { freePort } from './free-port';

/** Debian's versioned bin folders, newest first. */
function postgresBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

/** initdb on this machine, or why the PostgreSQL suites skip. */
export const initdbProgram = systemProgram('initdb', 'apt-get install postgresql', postgresBinDirs());

export interface PostgresTestServer {
  /** postgres://tokenscope@127.0.0.1:<port>/tokenscope */
  url: string;
  /** Runs SQL (several statements allowed) and returns the rows of the last one. */
  sql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** The uid and gid of the `postgres` user when we are root (PostgreSQL refuses to run as root), else undefined. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root, and there is no postgres user to run PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(): Promise<PostgresTestServer> {
  if (!initdbProgram.path) throw new Error(`initdb is missing${initdbProgram.skipReason}`);
  // postgres sits beside initdb in its versioned folder (a PATH entry may be a symlink to it).
  const bin = realpathSync(initdbProgram.path).replace(/\/initdb$/, '');
  const root = mkdtempSync(join(tmpdir(), 'tokenscope-postgres-'));
  const data = join(root, 'data');
  const user = runAs();
  if (user) {
    chownSync(root, user.uid, user.gid);
    chmodSync(root, 0o700);
  }
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'tokenscope', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], {
    ...user,
    encoding: 'utf8',
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // fsync off: a test cluster is thrown away, and a crash of it must only fail the test.
    const child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        root,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      {
        ...user,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    const url = `postgres://tokenscope@127.0.0.1:${port}/postgres`;
    try {
      await waitUntilServing(url, child, () => log);
    } catch (err) {
      await stopChild(child);
      if (attempt < 3 && /could not bind|Address already in use/.test(log)) continue;
      rmSync(root, { recursive: true, force: true });
      throw err;
    }
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    // An idle connection ended by the server's shutdown is expected at stop(), not an error of the test.
    pool.on('error', () => undefined);
    return {
      url,
      async sql(text, values) {
        const result = await pool.query(text, values);
        const last = Array.isArray(result) ? result[result.length - 1] : result;
        return last.rows;
      },
      async stop() {
        await pool.end();
        await stopChild(child);
        rmSync(root, { recursive: true, force: true });
      },
    };
  }
}

async function waitUntilServing(url: string, child: ChildProcess, log: () => string): Promise<void> {
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  // Polling, not timing: the loop ends as soon as the server answers or the process dies.
  for (let attempt = 0; attempt < 600; attempt++) {
    if (exited) throw new Error(`postgres ${exited} before serving:\n${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`postgres did not accept connections within a minute:\n${log()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT'); // PostgreSQL's fast shutdown
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
