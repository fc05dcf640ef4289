/** Server configuration: read once from the environment (and CLI overrides), validated, frozen. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatIssues } from '../shared';
import { readRetention } from './retention-config';
import type { RetentionPolicy } from './storage/retention';
import { DEFAULT_PRICES_FILE, loadPriceTable, parseCurrencyRates, type PriceTable } from './pricing/price-table';
import { DEFAULT_CHECKPOINT_THRESHOLD, DEFAULT_DUCKDB_MEMORY_LIMIT } from './storage/duckdb/duckdb-settings';
import { storeSettingProblem } from './storage/store-setting';

export interface Config {
  /** TOKENSCOPE_PORT, default 8080. */
  port: number;
  /** TOKENSCOPE_HOST: 127.0.0.1 when auth is off (the only host allowed then), else 0.0.0.0. */
  host: string;
  /** TOKENSCOPE_STORE: `duckdb` (default) or a ClickHouse URL `clickhouse://user:password@host:8123/db[?cluster=name&nodes=host2:8123]`. */
  store: string;
  /** TOKENSCOPE_DB: the DuckDB file, default ./data/tokenscope.duckdb. */
  db: string;
  /** TOKENSCOPE_INGEST_TOKENS: comma-separated bearer tokens that may send usage. */
  ingestTokens: readonly string[];
  /** TOKENSCOPE_READ_TOKENS: comma-separated bearer tokens that may query. */
  readTokens: readonly string[];
  /** True when tokens are configured; without them the server only listens on loopback. */
  authEnabled: boolean;
  /** TOKENSCOPE_MAX_BODY_BYTES: largest ingest body, default 32 MiB; larger ones get 413. */
  maxBodyBytes: number;
  /** TOKENSCOPE_REQUEST_TIMEOUT_MS: a request must arrive whole within this, default 60,000. */
  requestTimeoutMs: number;
  /** TOKENSCOPE_LOG_LEVEL: pino level, default info. */
  logLevel: string;
  /** TOKENSCOPE_CORS_ORIGIN: an origin allowed to call the API from a browser; off by default. */
  corsOrigin: string | null;
  /** TOKENSCOPE_METRICS_TOKENS: comma-separated bearer tokens that may only scrape GET /metrics (read tokens may too). */
  metricsTokens: readonly string[];
  /** TOKENSCOPE_METRICS_WINDOW_MS: live counters count only events stamped within this of now, default 600,000 (10 min). */
  metricsWindowMs: number;
  /** TOKENSCOPE_METRICS_API_KEY_LABEL: `on` (default) or `off`; off drops the api_key label from /metrics. */
  metricsApiKeyLabel: boolean;
  /** TOKENSCOPE_METRICS_MAX_LABEL_SETS: most label sets in the live counters, default 1,000; beyond it they fold into "other". */
  metricsMaxLabelSets: number;
  /** TOKENSCOPE_RAW_RETENTION and TOKENSCOPE_RETENTION_1M/_15M/_1H/_1D: how long each tier is kept (see retention-config.ts). */
  retention: Readonly<RetentionPolicy>;
  /** TOKENSCOPE_DUCKDB_MEMORY_LIMIT: DuckDB's memory limit, default 128MB. */
  duckdbMemoryLimit: string;
  /** TOKENSCOPE_DUCKDB_CHECKPOINT_THRESHOLD: write-ahead log size that triggers a checkpoint, default 32MB. */
  duckdbCheckpointThreshold: string;
  /** TOKENSCOPE_DUCKDB_THREADS: DuckDB's worker threads; null (default) lets DuckDB use one per core. */
  duckdbThreads: number | null;
  /** TOKENSCOPE_DUCKDB_ID_INDEX_MEMORY: bytes for the hashed ids of stored events, default 128MiB. */
  duckdbIdIndexBytes: number;
  /** TOKENSCOPE_DUCKDB_VACUUM: `off` (default) or `N%` (0–1 here): the share of the stored rows a retention sweep must delete for the server to rewrite the file (online vacuum). */
  duckdbVacuumAt: number | null;
  /** TOKENSCOPE_OTLP_PORT (`--otlp-port`): a second port for OTLP/HTTP (conventionally 4318), off when unset. */
  otlpPort: number | null;
  /** TOKENSCOPE_OTLP_GRPC_PORT (`--otlp-grpc-port`): OTLP/gRPC (conventionally 4317), off when unset. */
  otlpGrpcPort: number | null;
  /** TOKENSCOPE_OTLP_METRICS: `off` (default) or `on`; on counts gen_ai.client.token.usage from OTLP metrics. */
  otlpMetrics: boolean;
  /** TOKENSCOPE_OTLP_SERVICE_ATTRIBUTES: span or resource attributes that give `service`, first present wins; default service.name. */
  otlpServiceAttributes: readonly string[];
  /** TOKENSCOPE_OTLP_API_KEY_ATTRIBUTES: attributes that give `api_key` after tokenscope.api_key (always first). */
  otlpApiKeyAttributes: readonly string[];
  /** TOKENSCOPE_TOKENS_FILE: a YAML file of hashed, named, scoped tokens, reloaded on SIGHUP and on change; null: none. */
  tokensFile: string | null;
  /** TOKENSCOPE_RATE_LIMIT_REQUESTS: requests per second per token, default 1,000 (bursts of twice that); 0: off. */
  rateLimitRequests: number;
  /** TOKENSCOPE_RATE_LIMIT_BYTES: request-body bytes per second per token, default 256 MiB; 0: off. */
  rateLimitBytes: number;
  /** TOKENSCOPE_QUERY_MAX_ROWS: a query reading more rows than this is stopped, default 0 (no limit). */
  queryMaxRows: number;
  /** TOKENSCOPE_QUERY_TIMEOUT_MS: a query running longer than this is stopped, default 30,000; 0: no limit. */
  queryTimeoutMs: number;
  /** The price table from TOKENSCOPE_PRICES (default: the one shipped), in TOKENSCOPE_CURRENCY (default USD). */
  prices: PriceTable;
  /** The package version. */
  version: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** A comma-separated list, its entries trimmed and empty ones dropped. */
const nameList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  );
const tokenList = nameList.refine((tokens) => tokens.every((t) => t.length >= 16), { error: 'each token must be at least 16 characters' });
const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** Bytes per unit of a size setting, as DuckDB reads them: KB is 1000 bytes, KiB 1024. */
const SIZE_UNITS: Record<string, number> = { kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
const size = z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, { error: 'must be a size such as 256MB or 1GiB' });
const sizeInBytes = (text: string) => {
  const [, amount, unit] = /^([\d.]+)\s*(\w+)$/.exec(text)!;
  return Math.round(Number(amount) * SIZE_UNITS[unit.toLowerCase()]);
};
const onOff = z.enum(['on', 'off', 'true', 'false', '1', '0'], { error: 'must be on or off' }).transform((v) => v === 'on' || v === 'true' || v === '1');

const envSchema = z.object({
  TOKENSCOPE_PORT: intIn(0, 65535).default(8080),
  TOKENSCOPE_HOST: z.string().min(1).optional(),
  TOKENSCOPE_STORE: z
    .string()
    .min(1)
    .default('duckdb')
    .superRefine((value, ctx) => {
      const problem = storeSettingProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  TOKENSCOPE_DB: z.string().min(1).default('./data/tokenscope.duckdb'),
  TOKENSCOPE_INGEST_TOKENS: tokenList,
  TOKENSCOPE_READ_TOKENS: tokenList,
  TOKENSCOPE_MAX_BODY_BYTES: intIn(1024, 2 ** 31).default(32 * 1024 * 1024),
  TOKENSCOPE_REQUEST_TIMEOUT_MS: intIn(1000, 3_600_000).default(60_000),
  TOKENSCOPE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TOKENSCOPE_CORS_ORIGIN: z.string().min(1).optional(),
  TOKENSCOPE_METRICS_TOKENS: tokenList,
  TOKENSCOPE_METRICS_WINDOW_MS: intIn(1000, 86_400_000).default(600_000),
  TOKENSCOPE_METRICS_API_KEY_LABEL: onOff.default(true),
  TOKENSCOPE_METRICS_MAX_LABEL_SETS: intIn(1, 1_000_000).default(1000),
  TOKENSCOPE_DUCKDB_MEMORY_LIMIT: size.default(DEFAULT_DUCKDB_MEMORY_LIMIT),
  TOKENSCOPE_DUCKDB_CHECKPOINT_THRESHOLD: size.default(DEFAULT_CHECKPOINT_THRESHOLD),
  TOKENSCOPE_DUCKDB_ID_INDEX_MEMORY: size.default('128MiB').transform(sizeInBytes),
  TOKENSCOPE_DUCKDB_THREADS: intIn(1, 256).optional(),
  TOKENSCOPE_DUCKDB_VACUUM: z
    .string()
    .regex(/^(off|[1-9]\d?%)$/i, { error: 'must be off or a share of the stored rows from 1% to 99%, such as 40%' })
    .default('off')
    .transform((v) => (v.toLowerCase() === 'off' ? null : Number(v.slice(0, -1)) / 100)),
  TOKENSCOPE_OTLP_PORT: intIn(0, 65535).optional(),
  TOKENSCOPE_OTLP_GRPC_PORT: intIn(0, 65535).optional(),
  TOKENSCOPE_OTLP_METRICS: onOff.default(false),
  TOKENSCOPE_OTLP_SERVICE_ATTRIBUTES: nameList,
  TOKENSCOPE_OTLP_API_KEY_ATTRIBUTES: nameList,
  TOKENSCOPE_TOKENS_FILE: z.string().min(1).optional(),
  TOKENSCOPE_RATE_LIMIT_REQUESTS: intIn(0, 1_000_000_000).default(1000),
  TOKENSCOPE_RATE_LIMIT_BYTES: intIn(0, Number.MAX_SAFE_INTEGER).default(256 * 1024 * 1024),
  TOKENSCOPE_QUERY_MAX_ROWS: intIn(0, Number.MAX_SAFE_INTEGER).default(0),
  TOKENSCOPE_QUERY_TIMEOUT_MS: intIn(0, 3_600_000).default(30_000),
  TOKENSCOPE_PRICES: z.string().min(1).optional(),
  TOKENSCOPE_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, { error: 'must be a three-letter currency code such as USD' })
    .default('USD'),
  TOKENSCOPE_CURRENCY_RATES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const rates = parseCurrencyRates(value);
      if (typeof rates === 'string') {
        ctx.addIssue({ code: 'custom', message: rates });
        return z.NEVER;
      }
      return rates;
    }),
});

/** Values given on the command line win over the environment. */
export type ConfigOverrides = Partial<Record<keyof z.input<typeof envSchema>, string | number>>;

/** Reads and checks the configuration; throws an Error naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Readonly<Config> {
  const merged: Record<string, unknown> = { ...env };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) merged[k] = String(v);
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) throw new Error(`invalid configuration: ${formatIssues(parsed.error.issues).join('; ')}`);
  const e = parsed.data;
  let retention: RetentionPolicy;
  try {
    retention = readRetention(merged);
  } catch (err) {
    throw new Error(`invalid configuration: ${(err as Error).message}`, { cause: err });
  }
  const tokensFile = e.TOKENSCOPE_TOKENS_FILE ?? null;
  const authEnabled = tokensFile !== null || e.TOKENSCOPE_INGEST_TOKENS.length > 0 || e.TOKENSCOPE_READ_TOKENS.length > 0;
  // With a tokens file, the variables only add tokens; without one, they are the whole set and need both roles.
  if (!tokensFile && authEnabled && (e.TOKENSCOPE_INGEST_TOKENS.length === 0 || e.TOKENSCOPE_READ_TOKENS.length === 0)) {
    throw new Error(
      'invalid configuration: set both TOKENSCOPE_INGEST_TOKENS and TOKENSCOPE_READ_TOKENS, or neither (auth off, loopback only), or TOKENSCOPE_TOKENS_FILE',
    );
  }
  const shared = e.TOKENSCOPE_INGEST_TOKENS.filter((t) => e.TOKENSCOPE_READ_TOKENS.includes(t));
  if (shared.length) throw new Error('invalid configuration: a token appears in both TOKENSCOPE_INGEST_TOKENS and TOKENSCOPE_READ_TOKENS');
  checkMetricsTokens(e.TOKENSCOPE_METRICS_TOKENS, authEnabled, [...e.TOKENSCOPE_INGEST_TOKENS, ...e.TOKENSCOPE_READ_TOKENS]);
  const host = e.TOKENSCOPE_HOST ?? (authEnabled ? '0.0.0.0' : '127.0.0.1');
  if (!authEnabled && !LOOPBACK.has(host)) {
    throw new Error(
      `invalid configuration: TOKENSCOPE_HOST=${host} needs auth; set TOKENSCOPE_INGEST_TOKENS and TOKENSCOPE_READ_TOKENS, or listen on 127.0.0.1`,
    );
  }
  return Object.freeze({
    port: e.TOKENSCOPE_PORT,
    host,
    store: e.TOKENSCOPE_STORE,
    db: e.TOKENSCOPE_DB,
    ingestTokens: Object.freeze(e.TOKENSCOPE_INGEST_TOKENS),
    readTokens: Object.freeze(e.TOKENSCOPE_READ_TOKENS),
    authEnabled,
    maxBodyBytes: e.TOKENSCOPE_MAX_BODY_BYTES,
    requestTimeoutMs: e.TOKENSCOPE_REQUEST_TIMEOUT_MS,
    logLevel: e.TOKENSCOPE_LOG_LEVEL,
    corsOrigin: e.TOKENSCOPE_CORS_ORIGIN ?? null,
    metricsTokens: Object.freeze(e.TOKENSCOPE_METRICS_TOKENS),
    metricsWindowMs: e.TOKENSCOPE_METRICS_WINDOW_MS,
    metricsApiKeyLabel: e.TOKENSCOPE_METRICS_API_KEY_LABEL,
    metricsMaxLabelSets: e.TOKENSCOPE_METRICS_MAX_LABEL_SETS,
    retention: Object.freeze(retention),
    duckdbMemoryLimit: e.TOKENSCOPE_DUCKDB_MEMORY_LIMIT,
    duckdbCheckpointThreshold: e.TOKENSCOPE_DUCKDB_CHECKPOINT_THRESHOLD,
    duckdbThreads: e.TOKENSCOPE_DUCKDB_THREADS ?? null,
    duckdbIdIndexBytes: e.TOKENSCOPE_DUCKDB_ID_INDEX_MEMORY,
    duckdbVacuumAt: e.TOKENSCOPE_DUCKDB_VACUUM,
    otlpPort: e.TOKENSCOPE_OTLP_PORT ?? null,
    otlpGrpcPort: e.TOKENSCOPE_OTLP_GRPC_PORT ?? null,
    otlpMetrics: e.TOKENSCOPE_OTLP_METRICS,
    otlpServiceAttributes: Object.freeze(e.TOKENSCOPE_OTLP_SERVICE_ATTRIBUTES.length ? e.TOKENSCOPE_OTLP_SERVICE_ATTRIBUTES : ['service.name']),
    otlpApiKeyAttributes: Object.freeze(e.TOKENSCOPE_OTLP_API_KEY_ATTRIBUTES),
    tokensFile,
    rateLimitRequests: e.TOKENSCOPE_RATE_LIMIT_REQUESTS,
    rateLimitBytes: e.TOKENSCOPE_RATE_LIMIT_BYTES,
    queryMaxRows: e.TOKENSCOPE_QUERY_MAX_ROWS,
    queryTimeoutMs: e.TOKENSCOPE_QUERY_TIMEOUT_MS,
    prices: loadPriceTable(e.TOKENSCOPE_PRICES ?? DEFAULT_PRICES_FILE, e.TOKENSCOPE_CURRENCY, e.TOKENSCOPE_CURRENCY_RATES),
    version: packageVersion(),
  });
}

// A scrape token only narrows access when auth is on, and must not double as a token with more rights.
function checkMetricsTokens(tokens: readonly string[], authEnabled: boolean, others: readonly string[]): void {
  if (tokens.length && !authEnabled) {
    throw new Error(
      'invalid configuration: TOKENSCOPE_METRICS_TOKENS needs auth on; set TOKENSCOPE_INGEST_TOKENS and TOKENSCOPE_READ_TOKENS (or TOKENSCOPE_TOKENS_FILE) too, or leave it unset',
    );
  }
  if (tokens.some((t) => others.includes(t))) {
    throw new Error('invalid configuration: a token in TOKENSCOPE_METRICS_TOKENS also appears in TOKENSCOPE_INGEST_TOKENS or TOKENSCOPE_READ_TOKENS');
  }
}

/** The version in package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
