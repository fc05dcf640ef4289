import pino from 'pino';
import { Registry } from 'prom-client';
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import type { StoredEvent } from '../storage/engine';
import { createLiveUsage, type LiveUsageOptions } from './live-usage';

const NOW = Date.parse('2026-03-01T12:00:00Z');

function event(over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    ts: NOW,
    service: 'chat',
    model: 'glm-5',
    modelType: 'text_generation',
    apiKey: 'team-a',
    apiKeyLabel: 'team-a',
    inputTokens: 100,
    outputTokens: 10,
    cacheReadTokens: 30,
    cacheWriteTokens: 5,
    reasoningTokens: 4,
    durationMs: null,
    id: null,
    traceId: null,
    spanId: null,
    ...over,
  };
}

function setup(over: Partial<LiveUsageOptions> = {}) {
  const registry = new Registry();
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const live = createLiveUsage({
    registry,
    logger: pino(sink),
    windowMs: 600_000,
    apiKeyLabel: true,
    maxLabelSets: 1000,
    currency: 'USD',
    now: () => NOW,
    ...over,
  });
  const values = async (name: string) => (await registry.getSingleMetric(name)!.get()).values;
  return { live, lines, values };
}

describe('live usage counters', () => {
  test('count cost in currency units and unpriced tokens per label set', async () => {
    const { live, values } = setup();
    const priced = { inputMicros: 1_500_000, cacheReadMicros: 250_000, cacheWriteMicros: 0, outputMicros: 1_000_000, givenMicros: null, unpricedTokens: 0 };
    const given = { inputMicros: 0, cacheReadMicros: 0, cacheWriteMicros: 0, outputMicros: 0, givenMicros: 125_000, unpricedTokens: 0 };
    live.record([event({ cost: priced }), event({ cost: given }), event({ model: 'mystery' })]);
    const cost = await values('tokenscope_cost_total');
    // 1.5 + 0.25 + 1 + 0.125 dollars for glm-5; the unpriced call adds nothing to cost but 110 unpriced tokens.
    expect(cost.find((v) => v.labels.model === 'glm-5')?.value).toBe(2.875);
    expect(cost.find((v) => v.labels.model === 'mystery')?.value).toBe(0);
    const unpriced = await values('tokenscope_unpriced_tokens_total');
    expect(unpriced.find((v) => v.labels.model === 'mystery')?.value).toBe(110);
    expect(unpriced.find((v) => v.labels.model === 'glm-5')?.value).toBe(0);
  });

  test('count tokens by type and requests per label set', async () => {
    const { live, values } = setup();
    live.record([
      event(),
      event({ inputTokens: 7, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 1 }),
      event({ model: 'kimi-k2.5' }),
    ]);
    const tokens = await values('tokenscope_tokens_total');
    const glm = (type: string) => tokens.find((v) => v.labels.model === 'glm-5' && v.labels.token_type === type)?.value;
    expect([glm('input'), glm('output'), glm('cache_read'), glm('cache_write'), glm('reasoning')]).toEqual([107, 13, 30, 5, 5]);
    expect(tokens.find((v) => v.labels.model === 'glm-5')!.labels).toMatchObject({ service: 'chat', model_type: 'text_generation', api_key: 'team-a' });
    const requests = await values('tokenscope_requests_total');
    expect(requests.map((v) => [v.labels.model, v.value])).toEqual([
      ['glm-5', 2],
      ['kimi-k2.5', 1],
    ]);
  });

  test('leave out events stamped outside the window, on either side of now, and count them apart', async () => {
    const { live, values } = setup({ windowMs: 60_000 });
    live.record([
      event({ ts: NOW - 60_000 }),
      event({ ts: NOW + 60_000 }),
      event({ ts: NOW - 60_001, model: 'backfilled' }),
      event({ ts: NOW + 60_001, model: 'skewed' }),
      event({ ts: NOW - 86_400_000, model: 'backfilled' }),
    ]);
    const requests = await values('tokenscope_requests_total');
    expect(requests.map((v) => [v.labels.model, v.value])).toEqual([['glm-5', 2]]);
    expect((await values('tokenscope_live_events_outside_window_total'))[0].value).toBe(3);
  });

  test('fold label sets beyond the cap into one "other" set, keep every token, and log the cap once', async () => {
    const { live, values, lines } = setup({ maxLabelSets: 2 });
    live.record([event({ apiKey: 'k1' }), event({ apiKey: 'k2' }), event({ apiKey: 'k3' })]);
    live.record([event({ apiKey: 'k4', model: 'kimi-k2.5' }), event({ apiKey: 'k1' })]);
    const requests = await values('tokenscope_requests_total');
    expect(requests.map((v) => [v.labels.api_key, v.labels.model, v.labels.service, v.value])).toEqual([
      ['k1', 'glm-5', 'chat', 2],
      ['k2', 'glm-5', 'chat', 1],
      ['other', 'other', 'other', 2],
    ]);
    const input = (await values('tokenscope_tokens_total')).filter((v) => v.labels.token_type === 'input');
    expect(input.reduce((sum, v) => sum + v.value, 0)).toBe(5 * 100);
    expect((await values('tokenscope_live_overflow_events_total'))[0].value).toBe(2);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ limit: 2, setting: 'TOKENSCOPE_METRICS_MAX_LABEL_SETS' });
    expect(String(warnings[0].msg)).toContain('api_key="other"');
  });

  test('without the api_key label, keys of one model share a label set', async () => {
    const { live, values } = setup({ apiKeyLabel: false });
    live.record([event({ apiKey: 'k1' }), event({ apiKey: 'k2' })]);
    const requests = await values('tokenscope_requests_total');
    expect(requests).toHaveLength(1);
    expect(requests[0].labels).toEqual({ service: 'chat', model: 'glm-5', model_type: 'text_generation' });
    expect(requests[0].value).toBe(2);
  });
});
