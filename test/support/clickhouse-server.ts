/**
 * Starts real clickhouse-server processes for a test file: each on loopback with random free ports, its own
 * data folder and a minimal config written here (so nothing on the machine is touched), optionally joined
 * into a cluster of shards. Works with Debian's 18.16 and with current releases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemProgram } from './system-program';
import { freePort } from './free-port';

/** clickhouse-server on this machine, or why the ClickHouse suites skip. */
export const clickhouseProgram = systemProgram('clickhouse-server', 'apt-get install clickhouse-server');

/** A user with a password, to prove that credentials in the store URL work (and are never logged). */
export const CLICKHOUSE_TEST_USER = { name: 'tokenscope', password: "p@ss:w/rd'&%" };

export interface ClickHouseTestServer {
  /** The clickhouse-server process id (e.g. to wait until its background merges are done). */
  pid: number;
  httpPort: number;
  tcpPort: number;
  /** http://127.0.0.1:<httpPort> */
  httpUrl: string;
  /** Runs a statement over HTTP as the default user and returns the response text. */
  sql(statement: string): Promise<string>;
}

export interface ClickHouseTestCluster {
  servers: ClickHouseTestServer[];
  /** The cluster name in remote_servers (one shard per server), or null for a single server. */
  cluster: string | null;
  /** A TOKENSCOPE_STORE URL for database `db`, as the test user. */
  storeUrl(db: string): string;
  /** Stops every server and removes their folders. */
  stop(): Promise<void>;
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');

function configXml(dir: string, ports: { http: number; tcp: number }, cluster: string | null, shardTcpPorts: number[]): string {
  const shards = shardTcpPorts.map((port) => `<shard><replica><host>127.0.0.1</host><port>${port}</port></replica></shard>`).join('');
  // <yandex> is the root element every version accepts (newer ones also take <clickhouse>).
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/error.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${ports.http}</http_port>
  <tcp_port>${ports.tcp}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  ${cluster ? `<remote_servers><${cluster}>${shards}</${cluster}></remote_servers>` : ''}
</yandex>
`;
}

function usersXml(): string {
  const user = (name: string, password: string) =>
    `<${name}><password>${xmlText(password)}</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></${name}>`;
  return `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>${user('default', '')}${user(CLICKHOUSE_TEST_USER.name, CLICKHOUSE_TEST_USER.password)}</users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;
}

interface Started {
  server: ClickHouseTestServer;
  child: ChildProcess;
}

/** The server process ended before it answered: most often a port it could not bind. */
class EarlyExit extends Error {}

async function waitUntilServing(url: string, child: ChildProcess, dir: string): Promise<void> {
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  // Polling, not timing: the loop ends as soon as the server answers or the process dies.
  for (let attempt = 0; attempt < 600; attempt++) {
    if (exited) {
      let log = '';
      try {
        log = readFileSync(join(dir, 'log', 'error.log'), 'utf8').slice(-2000);
      } catch {
        // no log written
      }
      throw new EarlyExit(`clickhouse-server ${exited} before serving${log ? `:\n${log}` : ''}`);
    }
    try {
      const res = await fetch(`${url}/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('clickhouse-server did not answer /ping within a minute');
}

function serverHandle(pid: number, httpPort: number, tcpPort: number): ClickHouseTestServer {
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  return {
    pid,
    httpPort,
    tcpPort,
    httpUrl,
    async sql(statement) {
      const res = await fetch(httpUrl, { method: 'POST', body: statement });
      const text = await res.text();
      if (!res.ok) throw new Error(`ClickHouse: ${text}`);
      return text;
    },
  };
}

/**
 * Starts `shards` servers (1: a plain server, no cluster; 2 or more: a cluster with one shard per server,
 * every server knowing all of them). Call `stop()` in afterAll.
 */
export async function startClickHouse(shards = 1): Promise<ClickHouseTestCluster> {
  if (!clickhouseProgram.path) throw new Error(`clickhouse-server is missing${clickhouseProgram.skipReason}`);
  // A free port can be taken by another process between our probe and the server's bind: then try new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(clickhouseProgram.path, shards);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof EarlyExit)) throw err;
    }
  }
}

async function startOnFreePorts(program: string, shards: number): Promise<ClickHouseTestCluster> {
  const root = mkdtempSync(join(tmpdir(), 'tokenscope-clickhouse-'));
  const cluster = shards > 1 ? 'tokenscope_test_shards' : null;
  const started: Started[] = [];
  const stop = async () => {
    await Promise.all(started.map(({ child }) => stopChild(child)));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const ports = [];
    for (let i = 0; i < shards; i++) ports.push({ http: await freePort(), tcp: await freePort() });
    for (let i = 0; i < shards; i++) {
      const dir = join(root, `node${i + 1}`);
      for (const sub of ['log', 'data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, sub), { recursive: true });
      writeFileSync(
        join(dir, 'config.xml'),
        configXml(
          dir,
          ports[i],
          cluster,
          ports.map((p) => p.tcp),
        ),
      );
      writeFileSync(join(dir, 'users.xml'), usersXml());
      const child = spawn(program, [`--config-file=${join(dir, 'config.xml')}`], { cwd: dir, stdio: 'ignore' });
      // If the test process ends without afterAll (a crash, a timeout), the server must not outlive it.
      const killOnExit = () => child.kill('SIGKILL');
      process.once('exit', killOnExit);
      child.once('exit', () => process.off('exit', killOnExit));
      started.push({ child, server: serverHandle(child.pid!, ports[i].http, ports[i].tcp) });
      await waitUntilServing(`http://127.0.0.1:${ports[i].http}`, child, dir);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const servers = started.map((s) => s.server);
  return {
    servers,
    cluster,
    storeUrl(db) {
      const auth = `${encodeURIComponent(CLICKHOUSE_TEST_USER.name)}:${encodeURIComponent(CLICKHOUSE_TEST_USER.password)}`;
      const [first, ...rest] = servers;
      const params = cluster ? `?cluster=${cluster}&nodes=${rest.map((s) => `127.0.0.1:${s.httpPort}`).join(',')}` : '';
      return `clickhouse://${auth}@127.0.0.1:${first.httpPort}/${db}${params}`;
    },
    stop,
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
