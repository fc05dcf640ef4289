/** Spans → usage events: golden files (testdata/*.otlp.json in, *.events.json out) and each rejection's wording. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { eventValidator } from '../scoped-events';
import { ModelCallIndex } from './model-call-index';
import { OTLP_MESSAGES } from './otlp-proto';
import { otlpMapping, wantedAttributes } from './span-to-usage';
import { tracesToEvents } from './traces-to-events';

const mapping = otlpMapping(['service.name'], []);
const wanted = wantedAttributes(mapping);
const testdata = (name: string) => JSON.parse(readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8'));
const run = (request: object) => tracesToEvents(request as Record<string, any>, wanted, new ModelCallIndex(), eventValidator(null));

describe('golden: spans as real instrumentations emit them', () => {
  test('OTLP/JSON: OpenTelemetry openai, Traceloop anthropic, OpenInference openai, Vercel AI SDK steps', () => {
    const out = run(testdata('instrumentations.otlp.json'));
    expect(out.events).toEqual(testdata('instrumentations.events.json').map((e: object) => expect.objectContaining(e)));
    expect(out).toMatchObject({ rejected: 0, spans: 7, nested: 1 });
  });

  test('the same request in protobuf (bytes ids, Long int64) gives the same events', () => {
    const json = testdata('instrumentations.otlp.json');
    // The JSON mapping's hex ids become bytes for protobuf.
    for (const rs of json.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) for (const k of ['traceId', 'spanId', 'parentSpanId']) if (s[k]) s[k] = Buffer.from(s[k], 'hex');
    const type = OTLP_MESSAGES.traceRequest;
    const decoded = type.decode(type.encode(type.fromObject(json)).finish());
    expect(run(decoded).events).toEqual(testdata('instrumentations.events.json').map((e: object) => expect.objectContaining(e)));
  });
});

const NOW_NS = `${Date.now() - 60_000}000000`;
const request = (attributes: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: '0123456789abcdef0123456789abcdef',
              spanId: '0123456789abcdef',
              startTimeUnixNano: NOW_NS,
              endTimeUnixNano: NOW_NS,
              attributes: Object.entries(attributes).map(([key, v]) => ({
                key,
                value: typeof v === 'string' ? { stringValue: v } : Number.isInteger(v) ? { intValue: v } : { doubleValue: v },
              })),
              ...extra,
            },
          ],
        },
      ],
    },
  ],
});
const usage = (over: Record<string, unknown> = {}) => ({
  'gen_ai.request.model': 'm',
  'gen_ai.usage.input_tokens': 10,
  'gen_ai.usage.output_tokens': 5,
  ...over,
});

describe('rejections name the span, the field and the attribute', () => {
  test.each([
    ['a negative count', usage({ 'gen_ai.usage.input_tokens': -3 }), 'input_tokens (from gen_ai.usage.input_tokens): must be an integer >= 0'],
    [
      'a count that is not an integer',
      usage({ 'gen_ai.usage.output_tokens': 2.5 }),
      'output_tokens (from gen_ai.usage.output_tokens): must be an integer >= 0',
    ],
    [
      'a count that is not a number',
      usage({ 'gen_ai.usage.output_tokens': 'many' }),
      'output_tokens (from gen_ai.usage.output_tokens): must be an integer >= 0',
    ],
    ['no model', { 'gen_ai.usage.input_tokens': 10 }, 'model: is required (the span has none of gen_ai.response.model'],
    ['a huge model name', usage({ 'gen_ai.request.model': 'x'.repeat(1_000_000) }), 'model: must be at most 256 characters'],
    [
      'reasoning over output',
      usage({ 'gen_ai.usage.reasoning.output_tokens': 6 }),
      'reasoning_tokens (from gen_ai.usage.reasoning.output_tokens): must not exceed output_tokens',
    ],
  ])('%s', (_name, attributes, message) => {
    const out = run(request(attributes));
    expect(out.events).toEqual([]);
    expect(out.rejected).toBe(1);
    expect(out.reasons[0]).toContain('span 0123456789abcdef in trace 0123456789abcdef0123456789abcdef: ');
    expect(out.reasons[0]).toContain(message);
  });

  test('a bad span id', () => {
    const out = run(request(usage(), { spanId: 'xyz' }));
    expect(out.reasons).toEqual(['span in trace 0123456789abcdef0123456789abcdef: spanId must be 8 bytes (16 hex characters), not all zero']);
  });

  test('spans without usage are ignored, not rejected; huge attributes that are not read cost nothing', () => {
    const out = run(request({ 'http.request.method': 'POST', 'gen_ai.input.messages': 'y'.repeat(1_000_000) }));
    expect(out).toMatchObject({ events: [], rejected: 0, spans: 1 });
  });

  test('counts sent as strings of digits are read; an integral double is an integer', () => {
    const out = run(request(usage({ 'gen_ai.usage.input_tokens': '12', 'gen_ai.usage.output_tokens': 7.0 })));
    expect(out.events[0]).toMatchObject({ inputTokens: 12, outputTokens: 7 });
  });
});

describe('cache rule: input includes cache reads and writes', () => {
  const cache = { 'gen_ai.usage.cache_read.input_tokens': 40, 'gen_ai.usage.cache_creation.input_tokens': 20 };
  test.each([
    ['OpenAI (input includes cache) stays as sent', { ...cache, 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 100 }, 100],
    ['Anthropic (input without cache) gets cache added', { ...cache, 'gen_ai.provider.name': 'anthropic', 'gen_ai.usage.input_tokens': 100 }, 160],
    ['Bedrock by gen_ai.system gets cache added', { ...cache, 'gen_ai.system': 'aws.bedrock', 'gen_ai.usage.input_tokens': 100 }, 160],
    ['an input smaller than its cache parts cannot have included them', { ...cache, 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 10 }, 70],
    [
      'OpenInference prompt includes cache by definition, whatever the provider',
      { 'llm.provider': 'anthropic', 'llm.token_count.prompt': 100, 'llm.token_count.prompt_details.cache_read': 40 },
      100,
    ],
  ])('%s', (_name, attributes, input) => {
    const out = run(request({ 'gen_ai.request.model': 'm', 'gen_ai.usage.output_tokens': 1, ...attributes }));
    expect(out.events[0].inputTokens).toBe(input);
    expect(out.events[0].cacheReadTokens + out.events[0].cacheWriteTokens).toBeLessThanOrEqual(out.events[0].inputTokens);
  });
});

test("the Anthropic SDK's own tracing (input already with cache) is taken as sent, though the provider is anthropic", () => {
  const r = request({
    'gen_ai.request.model': 'm',
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.usage.input_tokens': 160,
    'gen_ai.usage.output_tokens': 1,
    'gen_ai.usage.cache_read.input_tokens': 40,
    'gen_ai.usage.cache_write.input_tokens': 20,
  });
  (r.resourceSpans[0].scopeSpans[0] as Record<string, unknown>).scope = { name: 'com.anthropic.sdk.typescript', version: '1.14.0' };
  expect(run(r).events[0]).toMatchObject({ inputTokens: 160, cacheReadTokens: 40, cacheWriteTokens: 20 });
});

describe('fields', () => {
  test.each([
    ['chat', 'text_generation'],
    ['generate_content', 'text_generation'],
    ['text_completion', 'text_generation'],
    ['embeddings', 'embedding'],
    ['create_image', 'image_generation'],
    ['speech', 'audio'],
    ['something_new', 'text_generation'],
  ])('gen_ai.operation.name %s → model_type %s', (operation, modelType) => {
    expect(run(request(usage({ 'gen_ai.operation.name': operation }))).events[0].modelType).toBe(modelType);
  });

  test('api_key: a span attribute from the configured list, tokenscope.api_key first; a secret is masked', () => {
    const custom = otlpMapping(['service.name'], ['app.key']);
    const r = request(usage({ 'app.key': 'team-a', 'tokenscope.api_key': 'sk-proj-abcdefghijklmnopqrstuvwx1234' }));
    const out = tracesToEvents(r as Record<string, any>, wantedAttributes(custom), new ModelCallIndex(), eventValidator(null));
    expect(out.events[0].apiKey).toMatch(/^key:[0-9a-f]{16}$/);
    expect(out.events[0].apiKeyLabel).toBe('sk-…1234');
    const other = tracesToEvents(
      request(usage({ 'app.key': 'team-a' })) as Record<string, any>,
      wantedAttributes(custom),
      new ModelCallIndex(),
      eventValidator(null),
    );
    expect(other.events[0].apiKey).toBe('team-a');
  });

  test('model: the response model wins over the requested one', () => {
    expect(run(request(usage({ 'gen_ai.response.model': 'm-2025' }))).events[0].model).toBe('m-2025');
  });
});

describe('scoped ingest tokens', () => {
  test("a span outside the token's scope is rejected naming the token; the pinned service fills a span without one", () => {
    const check = eventValidator({ name: 'team-a', scope: { model: ['m'] }, service: 'pinned-svc' });
    const noService = { resourceSpans: [{ scopeSpans: [{ spans: request(usage()).resourceSpans[0].scopeSpans[0].spans }] }] };
    const inside = tracesToEvents(noService as Record<string, any>, wanted, new ModelCallIndex(), check);
    expect(inside.events[0]).toMatchObject({ service: 'pinned-svc', model: 'm' });
    const outside = tracesToEvents(request(usage({ 'gen_ai.request.model': 'other' })) as Record<string, any>, wanted, new ModelCallIndex(), check);
    expect(outside.reasons[0]).toContain("model: 'other' is outside the scope of token 'team-a'");
  });
});
