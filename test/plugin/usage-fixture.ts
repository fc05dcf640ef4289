/** A backend with auth on and a known set of usage events, for the plugin's integration suites. */
import type { UsageEvent } from '../../src/server/ingest/event-schema';
import { startTestServerProcess, type TestServerProcess } from '../support/test-server-process';

export const INGEST_TOKEN = 'ingest-token-for-plugin-tests';
export const READ_TOKEN = 'read-token-for-plugin-tests-0';

export const HOUR = 3_600_000;
/** Midnight UTC three days ago: the events' first hour. */
export const DAY_START = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000;
export const RANGE = { from: DAY_START, to: DAY_START + 6 * HOUR };

export type FixtureEvent = UsageEvent & { timestamp: number; model_type: string; api_key: string; duration_ms: number };

/** Six hours of calls: four models (one small) on two services with two keys; token counts vary by hour. */
export function fixtureEvents(): FixtureEvent[] {
  const models = [
    { model: 'glm-5', type: 'text_generation', base: 900 },
    { model: 'qwen3-vl', type: 'vision', base: 500 },
    { model: 'bge-m3', type: 'embedding', base: 200 },
    { model: 'tiny-1', type: 'text_generation', base: 7 },
  ];
  const events: FixtureEvent[] = [];
  for (let hour = 0; hour < 6; hour++) {
    for (const [i, m] of models.entries()) {
      for (let call = 0; call < 3; call++) {
        events.push({
          timestamp: DAY_START + hour * HOUR + (i * 7 + call * 13) * 60_000,
          service: call % 2 === 0 ? 'chat' : 'search',
          model: m.model,
          model_type: m.type,
          api_key: call === 2 ? 'team-b' : 'team-a',
          input_tokens: m.base + hour * 31 + call * 5,
          output_tokens: Math.round(m.base / 3) + ((hour * 17 + call) % 11),
          duration_ms: 200 + hour * 10 + call,
        });
      }
    }
  }
  return events;
}

/** The backend in its own process (see test-server-process.ts), with auth on and the fixture events stored. */
export async function startUsageBackend(): Promise<{ server: TestServerProcess; events: FixtureEvent[] }> {
  const server = await startTestServerProcess({ TOKENSCOPE_HOST: '127.0.0.1', TOKENSCOPE_INGEST_TOKENS: INGEST_TOKEN, TOKENSCOPE_READ_TOKENS: READ_TOKEN });
  const events = fixtureEvents();
  const res = await post(server.url, '/api/v1/usage', events, INGEST_TOKEN);
  if (res.status !== 200 || (res.body as { accepted: number }).accepted !== events.length) {
    await server.stop();
    throw new Error(`ingest failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return { server, events };
}

/** The backend's own answer to a query body, asked directly (not through the plugin). */
export async function backendAnswer<T>(server: TestServerProcess, body: unknown): Promise<T> {
  const res = await post(server.url, '/api/v1/query', body, READ_TOKEN);
  if (res.status !== 200) throw new Error(`backend query failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

async function post(url: string, path: string, body: unknown, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
