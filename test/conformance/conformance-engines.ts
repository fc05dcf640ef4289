/**
 * The storage engines the conformance suite runs against, each started fresh: DuckDB in a temporary file,
 * ClickHouse on one server, and ClickHouse on a two-shard cluster through Distributed tables.
 * `ENGINES=duckdb` (or `clickhouse`, or a comma list) narrows the run: an entry selects every engine whose
 * name starts with it, so `clickhouse` means both ClickHouse set-ups.
 */
import { expect } from 'vitest';
import { clickhouseProgram, startClickHouse } from '../support/clickhouse-server';
import type { TestServer } from '../support/test-server';

export interface EngineUnderTest {
  name: string;
  /** The engine name the health endpoint must report. */
  reports: string;
  /** Empty when the engine can run here, else why it is skipped. */
  skipReason: string;
  /** Starts what the engine needs; returns the TOKENSCOPE_STORE value and how to stop it. */
  start(): Promise<{ store: string; stop(): Promise<void> }>;
}

const clickhouse = (shards: number) => async () => {
  const cluster = await startClickHouse(shards);
  return { store: cluster.storeUrl('tokenscope_conformance'), stop: () => cluster.stop() };
};

export const ALL_ENGINES: readonly EngineUnderTest[] = [
  { name: 'duckdb', reports: 'duckdb', skipReason: '', start: async () => ({ store: 'duckdb', stop: async () => {} }) },
  { name: 'clickhouse', reports: 'clickhouse', skipReason: clickhouseProgram.skipReason, start: clickhouse(1) },
  { name: 'clickhouse-cluster', reports: 'clickhouse', skipReason: clickhouseProgram.skipReason, start: clickhouse(2) },
];

/** The engines named by ENGINES (default: all); an entry that names no engine is an error, not a silent skip. */
export function selectedEngines(env: string | undefined = process.env.ENGINES): EngineUnderTest[] {
  const wanted = (env ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (wanted.length === 0) return [...ALL_ENGINES];
  for (const w of wanted) {
    if (!ALL_ENGINES.some((e) => e.name.startsWith(w))) {
      throw new Error(`ENGINES: '${w}' names no engine; known engines: ${ALL_ENGINES.map((e) => e.name).join(', ')}`);
    }
  }
  return ALL_ENGINES.filter((e) => wanted.some((w) => e.name.startsWith(w)));
}

/** A backend started on one engine. */
export interface RunningEngine {
  name: string;
  server: Pick<TestServer, 'json'>;
}

/** Asks every running engine the same request; each must answer 200 and all answers must be identical. Returns the first. */
export async function askEveryEngine(running: readonly RunningEngine[], method: string, path: string, body?: unknown): Promise<any> {
  const answers: unknown[] = [];
  for (const r of running) {
    const res = await r.server.json(method, path, body);
    expect(res.status, `${r.name}: ${JSON.stringify(res.body).slice(0, 500)}`).toBe(200);
    answers.push(res.body);
  }
  answers.slice(1).forEach((a, i) => expect(a, `${running[i + 1].name} differs from ${running[0].name}`).toEqual(answers[0]));
  return answers[0];
}
