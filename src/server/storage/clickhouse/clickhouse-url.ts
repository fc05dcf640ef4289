/**
 * Reads the ClickHouse store URL (TOKENSCOPE_STORE), e.g.
 * `clickhouse://user:password@host:8123/db?cluster=name&nodes=host2:8123,host3:8123`, and gives a form of it
 * that is safe to log. Errors never repeat the password.
 */

/** Where and how to reach ClickHouse. */
export interface ClickHouseLocation {
  /** HTTP(S) address the backend sends every query to, e.g. `http://host:8123`. */
  url: string;
  /**
   * With a cluster: the HTTP addresses of the cluster's other nodes. The backend creates its local tables on
   * `url` and on each of these at start (ClickHouse's own `ON CLUSTER` would need ZooKeeper).
   */
  otherNodes: readonly string[];
  username: string;
  password: string;
  /** Database holding Tokenscope's tables, created if missing; default `default`. */
  database: string;
  /** Cluster name from the server's `remote_servers`: local tables on each shard plus Distributed tables. */
  cluster: string | null;
}

const SCHEMES: Record<string, { http: string; port: number }> = {
  'clickhouse:': { http: 'http', port: 8123 },
  'clickhouses:': { http: 'https', port: 8443 },
};
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EXAMPLE = 'clickhouse://user:password@host:8123/db?cluster=name';

/** True when TOKENSCOPE_STORE names ClickHouse rather than another engine. */
export function isClickHouseUrl(value: string): boolean {
  return /^clickhouses?:\/\//i.test(value);
}

function fail(reason: string): never {
  throw new Error(`${reason}; expected e.g. ${EXAMPLE}`);
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    fail(`the ${what} has a malformed %-escape`);
  }
}

function nodeAddress(hostPort: string, http: string, defaultPort: number): string {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(hostPort);
  if (!m || (m[2] && Number(m[2]) > 65535)) fail(`'${hostPort}' in nodes is not host[:port]`);
  return `${http}://${m[1]}:${m[2] ?? defaultPort}`;
}

/** Parses a ClickHouse store URL; throws an Error that names the problem (never the password). */
export function parseClickHouseUrl(value: string): ClickHouseLocation {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    fail('not a valid URL');
  }
  const scheme = SCHEMES[parsed.protocol.toLowerCase()];
  if (!scheme) fail(`unknown scheme '${parsed.protocol}'`);
  if (!parsed.hostname) fail('no host');
  const path = decode(parsed.pathname.replace(/^\/+/, '').replace(/\/+$/, ''), 'database');
  const database = path || 'default';
  if (!NAME.test(database)) fail(`database '${database}' must be letters, digits and _`);
  const cluster = parsed.searchParams.get('cluster');
  if (cluster !== null && !NAME.test(cluster)) fail(`cluster '${cluster}' must be letters, digits and _`);
  const nodes = parsed.searchParams.get('nodes');
  if (nodes && !cluster) fail('nodes is only meaningful with cluster');
  for (const key of parsed.searchParams.keys()) {
    if (key !== 'cluster' && key !== 'nodes') fail(`unknown parameter '${key}' (known: cluster, nodes)`);
  }
  const otherNodes = (nodes ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
    .map((n) => nodeAddress(n, scheme.http, scheme.port));
  return {
    url: `${scheme.http}://${parsed.hostname}:${parsed.port || scheme.port}`,
    otherNodes,
    username: decode(parsed.username, 'user name') || 'default',
    password: decode(parsed.password, 'password'),
    database,
    cluster,
  };
}

/** The location as it may appear in logs and messages: no password. */
export function describeClickHouse(location: ClickHouseLocation): string {
  const host = location.url.replace(/^https?:\/\//, '');
  const cluster = location.cluster ? ` (cluster ${location.cluster}, ${location.otherNodes.length + 1} nodes listed)` : '';
  return `ClickHouse ${location.username}@${host}/${location.database}${cluster}`;
}
