/**
 * POST /v1/traces answers as the OTLP specification says, on a real backend: partial success naming what was
 * rejected, 400 for what does not decode, 413 over the limit, 415 for another content type, 503 with
 * Retry-After when the store cannot write; hostile bodies get a clear answer, nothing valid is lost, the server stays up.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OTLP_MESSAGES } from '../../src/server/ingest/otlp/otlp-proto';
import { startTestServer, type TestServer } from '../support/test-server';

const LIMIT = 32 * 1024 * 1024;
let server: TestServer;
const now = Date.now() - 600_000;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer({ TOKENSCOPE_MAX_BODY_BYTES: LIMIT });
});
afterAll(() => server.stop());

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
type Attr = Record<string, string | number>;
/** An OTLP/JSON span; ids unique per test run. */
function span(attributes: Attr, extra: Record<string, unknown> = {}) {
  const n = ++seq;
  return {
    traceId: hex(n, 32),
    spanId: hex(n, 16),
    name: 'chat',
    startTimeUnixNano: `${now + n}000000`,
    endTimeUnixNano: `${now + n + 250}000000`,
    attributes: Object.entries(attributes).map(([key, v]) => ({
      key,
      value: typeof v === 'string' ? { stringValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v },
    })),
    ...extra,
  };
}
const usage = (service: string, over: Attr = {}) => ({
  'gen_ai.request.model': `${service}-model`,
  'gen_ai.usage.input_tokens': 100,
  'gen_ai.usage.output_tokens': 10,
  ...over,
});
const request = (service: string, spans: object[]) => ({
  resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: 'test' }, spans }] }],
});
/** The JSON request as protobuf: hex ids become bytes. */
function protobuf(req: ReturnType<typeof request>): Buffer {
  const copy = JSON.parse(JSON.stringify(req));
  for (const s of copy.resourceSpans[0].scopeSpans[0].spans) for (const k of ['traceId', 'spanId', 'parentSpanId']) if (s[k]) s[k] = Buffer.from(s[k], 'hex');
  const type = OTLP_MESSAGES.traceRequest;
  return Buffer.from(type.encode(type.fromObject(copy)).finish());
}
async function post(body: Buffer | string, headers: Record<string, string>) {
  const res = await fetch(`${server.url}/v1/traces`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
const decodeResponse = (bytes: Buffer) => OTLP_MESSAGES.traceResponse.toObject(OTLP_MESSAGES.traceResponse.decode(bytes), { longs: Number });
async function totals(service: string) {
  const res = await server.json('POST', '/api/v1/query', {
    type: 'totals',
    from: now - 60_000,
    to: Date.now() + 60_000,
    metrics: ['input_tokens', 'requests'],
    filters: { service: [service] },
  });
  return res.body.totals;
}
const alive = async () => expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

describe('partial success', () => {
  test('protobuf: unusable usage spans are counted and named, the valid ones stored, spans without usage ignored', async () => {
    const spans = [
      span(usage('partial-pb')),
      span(usage('partial-pb', { 'gen_ai.usage.input_tokens': -5 })),
      span({ 'gen_ai.usage.input_tokens': 7, 'gen_ai.usage.output_tokens': 1 }),
      span(usage('partial-pb', { 'gen_ai.usage.output_tokens': 2.5 })),
      span({ 'http.request.method': 'GET' }),
      span(usage('partial-pb')),
    ];
    const res = await post(protobuf(request('partial-pb', spans)), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const body = decodeResponse(res.bytes);
    expect(body.partialSuccess.rejectedSpans).toBe(3);
    expect(body.partialSuccess.errorMessage).toContain('input_tokens (from gen_ai.usage.input_tokens): must be an integer >= 0');
    expect(body.partialSuccess.errorMessage).toContain('model: is required');
    expect(body.partialSuccess.errorMessage).toContain('output_tokens (from gen_ai.usage.output_tokens): must be an integer >= 0');
    expect(await totals('partial-pb')).toEqual({ input_tokens: 200, requests: 2 });
  });

  test('JSON: the answer is OTLP/JSON; a fully accepted request has no partialSuccess', async () => {
    const bad = await post(
      JSON.stringify(request('partial-json', [span(usage('partial-json')), span(usage('partial-json', { 'gen_ai.usage.input_tokens': 1.5 }))])),
      {
        'content-type': 'application/json',
      },
    );
    expect(bad.status).toBe(200);
    expect(JSON.parse(bad.bytes.toString())).toMatchObject({
      partialSuccess: { rejectedSpans: 1, errorMessage: expect.stringContaining('must be an integer >= 0') },
    });
    const good = await post(JSON.stringify(request('partial-json', [span(usage('partial-json'))])), { 'content-type': 'application/json' });
    expect(JSON.parse(good.bytes.toString())).toEqual({});
    expect(await totals('partial-json')).toEqual({ input_tokens: 200, requests: 2 });
  });
});

describe('bodies that do not decode, and limits', () => {
  test('truncated protobuf: 400, nothing stored, the server stays up', async () => {
    const whole = protobuf(request('truncated', [span(usage('truncated')), span(usage('truncated'))]));
    const res = await post(whole.subarray(0, whole.length - 7), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.bytes.toString()).error.message).toMatch(/^body is not an OTLP ExportTraceServiceRequest in protobuf \(.+\); nothing was stored$/);
    expect(await totals('truncated')).toEqual({ input_tokens: 0, requests: 0 });
    await alive();
  });

  test('invalid JSON: 400 that says so', async () => {
    const res = await post('{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.bytes.toString()).error.message).toContain('body is not valid JSON');
  });

  test('a wrong content type: 415 naming the two accepted ones', async () => {
    const res = await post('hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.bytes.toString()).error.message).toContain('application/x-protobuf or application/json');
  });

  test('gzip is inflated; broken gzip is a 400; a gzip bomb past the body limit is a 413', async () => {
    const ok = await post(gzipSync(protobuf(request('gzip', [span(usage('gzip'))]))), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(ok.status).toBe(200);
    expect(await totals('gzip')).toEqual({ input_tokens: 100, requests: 1 });
    const broken = await post(Buffer.from('not gzip at all'), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(broken.status).toBe(400);
    const bomb = gzipSync(Buffer.alloc(LIMIT + 1024, 0x20));
    expect(bomb.length).toBeLessThan(LIMIT);
    const res = await post(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    await alive();
  });

  test('a body over the limit: 413, nothing stored', async () => {
    const res = await post(Buffer.alloc(LIMIT + 1), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(413);
  });
});

describe('hostile spans', () => {
  test('huge attribute values: a 4 MB prompt beside valid usage is stored; a 300-character model is rejected by name', async () => {
    const spans = [
      span(usage('huge', { 'gen_ai.input.messages': 'x'.repeat(4 * 1024 * 1024) })),
      span(usage('huge', { 'gen_ai.request.model': 'm'.repeat(300) })),
    ];
    const res = await post(protobuf(request('huge', spans)), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    expect(decodeResponse(res.bytes).partialSuccess).toMatchObject({
      rejectedSpans: 1,
      errorMessage: expect.stringContaining('model: must be at most 256 characters'),
    });
    expect(await totals('huge')).toEqual({ input_tokens: 100, requests: 1 });
  });

  test('100k spans in one request: half with usage, all stored once; the other half ignored; the server stays up', async () => {
    const spans = Array.from({ length: 100_000 }, (_, i) => span(i % 2 ? usage('bulk', { 'gen_ai.usage.input_tokens': i }) : { 'db.system': 'postgresql' }));
    const res = await post(protobuf(request('bulk', spans)), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    expect(res.bytes.length).toBe(0);
    let input = 0;
    for (let i = 1; i < 100_000; i += 2) input += i;
    expect(await totals('bulk')).toEqual({ input_tokens: input, requests: 50_000 });
    await alive();
  }, 120_000);
});

describe('when the store cannot write', () => {
  test('503 with Retry-After, so exporters retry instead of dropping', async () => {
    const down = await startTestServer();
    await down.store.close();
    const res = await fetch(`${down.url}/v1/traces`, {
      method: 'POST',
      body: new Uint8Array(protobuf(request('down', [span(usage('down'))]))),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    await down.stop().catch(() => undefined);
  });
});
