/**
 * The benchmark's OTLP leg: the same demo events as GenAI spans (OpenTelemetry semantic-convention attributes,
 * one resource per service), encoded as OTLP protobuf ExportTraceServiceRequests, sent to POST /v1/traces with
 * the same concurrency as the native leg; spans/s, checked against the stored request count.
 */
import { createHash } from 'node:crypto';
import type { DemoEvent } from '../src/server/demo/demo-traffic';
import { OTLP_MESSAGES } from '../src/server/ingest/otlp/otlp-proto';
import type { ServerProcess } from '../test/support/server-process';

const intValue = (n: number) => ({ intValue: n });
const str = (s: string) => ({ stringValue: s });

/** A trace id (16 bytes) and span id (8 bytes) per event, the same in every leg. */
const idsOf = (e: DemoEvent) => createHash('sha256').update(e.id).digest().subarray(0, 24);

function span(e: DemoEvent) {
  const ids = idsOf(e);
  const startNs = BigInt(e.timestamp) * 1_000_000n;
  return {
    traceId: ids.subarray(0, 16),
    spanId: ids.subarray(16, 24),
    name: `chat ${e.model}`,
    kind: 3,
    startTimeUnixNano: startNs.toString(),
    endTimeUnixNano: (startNs + BigInt(e.duration_ms) * 1_000_000n).toString(),
    attributes: [
      { key: 'gen_ai.operation.name', value: str(e.model_type === 'embedding' ? 'embeddings' : 'chat') },
      { key: 'gen_ai.provider.name', value: str('openai') },
      { key: 'gen_ai.request.model', value: str(e.model) },
      { key: 'gen_ai.usage.input_tokens', value: intValue(e.input_tokens) },
      { key: 'gen_ai.usage.output_tokens', value: intValue(e.output_tokens) },
      // Instrumentations set cache and reasoning attributes only when the provider reported them.
      ...(e.cache_read_tokens ? [{ key: 'gen_ai.usage.cache_read.input_tokens', value: intValue(e.cache_read_tokens) }] : []),
      ...(e.cache_write_tokens ? [{ key: 'gen_ai.usage.cache_creation.input_tokens', value: intValue(e.cache_write_tokens) }] : []),
      ...(e.reasoning_tokens ? [{ key: 'gen_ai.usage.reasoning.output_tokens', value: intValue(e.reasoning_tokens) }] : []),
      { key: 'tokenscope.api_key', value: str(e.api_key) },
    ],
  };
}

/** Protobuf bodies of at most `maxSpans` spans from the batches, one request per batch. */
export function otlpBodies(batches: Iterable<DemoEvent[]>, maxSpans: number): { bodies: Buffer[]; spans: number } {
  const bodies: Buffer[] = [];
  let spans = 0;
  for (const batch of batches) {
    const events = batch.slice(0, maxSpans - spans);
    if (events.length === 0) break;
    const byService = new Map<string, DemoEvent[]>();
    for (const e of events) byService.set(e.service, [...(byService.get(e.service) ?? []), e]);
    const request = {
      resourceSpans: [...byService].map(([service, list]) => ({
        resource: { attributes: [{ key: 'service.name', value: str(service) }] },
        scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-openai', version: '0.21.0' }, spans: list.map(span) }],
      })),
    };
    const type = OTLP_MESSAGES.traceRequest;
    bodies.push(Buffer.from(type.encode(type.fromObject(request)).finish()));
    spans += events.length;
  }
  return { bodies, spans };
}

/**
 * The same events as native NDJSON carrying the ids an OTLP span gives them (id = trace id + span id, trace_id,
 * span_id): the baseline that tells the receiver's own cost from the store's cost of those longer, random ids.
 */
export function ndjsonWithSpanIds(batches: Iterable<DemoEvent[]>, maxEvents: number): { bodies: Buffer[]; events: number } {
  const bodies: Buffer[] = [];
  let events = 0;
  for (const batch of batches) {
    const list = batch.slice(0, maxEvents - events);
    if (list.length === 0) break;
    const lines = list.map((e) => {
      const ids = idsOf(e).toString('hex');
      return JSON.stringify({ ...e, id: ids, trace_id: ids.slice(0, 32), span_id: ids.slice(32) });
    });
    bodies.push(Buffer.from(lines.join('\n') + '\n'));
    events += list.length;
  }
  return { bodies, events };
}

/** Sends NDJSON bodies to POST /api/v1/usage, `concurrency` in flight; events per second, all checked accepted. */
export async function measureNative(server: ServerProcess, bodies: readonly Buffer[], events: number, concurrency: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  let accepted = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const res = await fetch(`${server.url}/api/v1/usage`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: new Uint8Array(bodies[next++]),
        });
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
        accepted += ((await res.json()) as { accepted: number }).accepted;
      }
    }),
  );
  if (accepted !== events) throw new Error(`server accepted ${accepted} of ${events} events`);
  return events / ((performance.now() - started) / 1000);
}

/** Sends the bodies, `concurrency` in flight; spans per second, after checking every span was stored once. */
export async function measureOtlp(
  server: ServerProcess,
  bodies: readonly Buffer[],
  spans: number,
  concurrency: number,
  range: { from: number; to: number },
): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const res = await fetch(`${server.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body: new Uint8Array(bodies[next++]),
        });
        if (res.status !== 200) throw new Error(`/v1/traces answered ${res.status}: ${await res.text()}`);
        const answer = Buffer.from(await res.arrayBuffer());
        if (answer.length) throw new Error(`/v1/traces rejected spans: ${JSON.stringify(OTLP_MESSAGES.traceResponse.decode(answer))}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const res = await fetch(`${server.url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'totals', ...range, metrics: ['requests'] }),
  });
  const stored = ((await res.json()) as { totals: { requests: number } }).totals.requests;
  if (stored !== spans) throw new Error(`the backend stored ${stored} of ${spans} spans`);
  return spans / seconds;
}
