import { describe, expect, test } from 'vitest';
import { createTemplateSrv } from '../../test/support/template-srv';
import { SCHEMA_VERSION } from '../shared';
import { buildRequest, interpolateQuery, resolveTimeZone, type RequestContext } from './request';
import type { TokenscopeQuery } from './types';

const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2026, 0, 2);
const context: RequestContext = { from: FROM, to: TO, timezone: 'Europe/Berlin', intervalMs: 60_000, maxDataPoints: 800 };

const query = (over: Partial<TokenscopeQuery> = {}): TokenscopeQuery => ({
  refId: 'A',
  schemaVersion: SCHEMA_VERSION,
  queryType: 'trend',
  metrics: ['total_tokens'],
  dimension: 'model',
  granularity: 'auto',
  limit: 10,
  ...over,
});

const variables = createTemplateSrv([
  { name: 'model', value: ['glm-5', 'qwen3'], options: ['glm-5', 'qwen3', 'kimi-k2'] },
  { name: 'service', value: '$__all', options: ['chat', 'search'] },
  { name: 'key', value: ['$__all'], options: ['k1'], allValue: '.*' },
  { name: 'dimension', value: 'service' },
  { name: 'granularity', value: '1h' },
  { name: 'topN', value: '5' },
  { name: 'env', value: ['prod', 'dev'] },
]);

function body(q: TokenscopeQuery, ctx: RequestContext = context, srv = variables) {
  const built = buildRequest(q, ctx, srv);
  if (!built.ok) throw new Error(built.error);
  return built;
}

describe('request body', () => {
  test('movers send one metric and their offset (a variable allowed); calls send their order and no metrics', () => {
    const weekly = createTemplateSrv([{ name: 'offset', value: '7d' }]);
    const movers = body(query({ queryType: 'movers', metrics: ['requests', 'total_tokens'], offset: '$offset' }), context, weekly).body;
    expect(movers).toMatchObject({ type: 'movers', metrics: ['requests'], offset: '7d', dimension: 'model' });
    const calls = body(query({ queryType: 'calls', metrics: [], orderBy: 'duration_ms', offset: '7d' })).body;
    expect(calls).toMatchObject({ type: 'calls', orderBy: 'duration_ms', limit: 10 });
    expect(calls).not.toHaveProperty('metrics');
    expect(calls).not.toHaveProperty('offset');
    const bad = buildRequest(query({ queryType: 'movers', offset: 'a week' }), context, variables);
    expect(bad).toMatchObject({ ok: false, error: expect.stringContaining("offset: 'a week' must be a duration") });
  });

  test('maps every field, with the range as epoch ms and auto granularity carrying the panel interval', () => {
    expect(body(query()).body).toEqual({
      type: 'trend',
      from: FROM,
      to: TO,
      metrics: ['total_tokens'],
      dimension: 'model',
      filters: {},
      granularity: 'auto',
      limit: 10,
      timezone: 'Europe/Berlin',
      intervalMs: 60_000,
      maxDataPoints: 800,
    });
  });

  test('a query saved before versioning (only a refId) gets the defaults and runs', () => {
    const built = body({ refId: 'B' } as TokenscopeQuery);
    expect(built.body).toMatchObject({ type: 'trend', metrics: ['total_tokens'], dimension: 'model', granularity: 'auto', limit: 10 });
  });

  test('$dimension, $granularity and $topN resolve in their fields', () => {
    const built = body(query({ dimension: '$dimension', granularity: '${granularity}', limit: '$topN' }));
    expect(built.body).toMatchObject({ dimension: 'service', granularity: '1h', limit: 5 });
  });

  test('a multi-value variable becomes one filter value per selection, also inside a longer value', () => {
    const built = body(query({ filters: { model: ['$model', 'kimi-k2'], service: ['svc-${env}'] } }));
    expect(built.body.filters).toEqual({ model: ['glm-5', 'qwen3', 'kimi-k2'], service: ['svc-prod', 'svc-dev'] });
  });

  test('All means no filter, with or without a custom all value', () => {
    const built = body(query({ filters: { service: ['$service'], api_key: ['$key'], model: ['$model'] } }));
    expect(built.body.filters).toEqual({ model: ['glm-5', 'qwen3'] });
  });

  test("a repeated panel's scoped value wins over All", () => {
    const built = body(query({ filters: { service: ['$service'] } }), { ...context, scopedVars: { service: { text: 'chat', value: 'chat' } } });
    expect(built.body.filters).toEqual({ service: ['chat'] });
  });

  test('ad-hoc filters narrow the saved filters; when nothing is left the request is marked, not widened', () => {
    const adhoc = { ...context, adhocFilters: [{ key: 'model', operator: '=|', value: '', values: ['qwen3', 'kimi-k2'] }] };
    expect(body(query({ filters: { model: ['$model'] } }), adhoc)).toMatchObject({ matchesNothing: false, body: { filters: { model: ['qwen3'] } } });
    const none = body(query({ filters: { model: ['glm-5'] } }), { ...context, adhocFilters: [{ key: 'model', operator: '=', value: 'qwen3' }] });
    expect(none.matchesNothing).toBe(true);
  });

  test('an ad-hoc filter with an unknown key or an unsupported operator is an error naming it', () => {
    const badKey = buildRequest(query(), { ...context, adhocFilters: [{ key: 'region', operator: '=', value: 'eu' }] }, variables);
    expect(badKey).toEqual({ ok: false, error: expect.stringContaining("unknown key 'region'") });
    const badOp = buildRequest(query(), { ...context, adhocFilters: [{ key: 'model', operator: '!=', value: 'x' }] }, variables);
    expect(badOp).toEqual({ ok: false, error: expect.stringContaining("operator '!='") });
  });

  test('a multi-value variable in a one-value field is an error naming the field', () => {
    const built = buildRequest(query({ dimension: '$model' }), context, variables);
    expect(built).toEqual({ ok: false, error: 'Query A: dimension: $model has several values; it needs exactly one here' });
  });

  test('an unresolved or wrong value is reported by the shared schema with its field', () => {
    const built = buildRequest(query({ granularity: '$nope', metrics: ['tokens'] }), context, variables);
    expect(built.ok).toBe(false);
    if (!built.ok) {
      expect(built.error).toMatch(/^Query A: /);
      expect(built.error).toContain("metrics[0]: unknown metric 'tokens'");
      expect(built.error).toContain("granularity: unknown granularity '$nope'");
    }
  });

  test('metrics take multi-value variables too', () => {
    const srv = createTemplateSrv([{ name: 'metric', value: ['input_tokens', 'output_tokens'] }]);
    expect(body(query({ metrics: ['$metric'] }), context, srv).metrics).toEqual(['input_tokens', 'output_tokens']);
  });

  test('interpolateQuery keeps the saved shape (for Explore and mixed data sources)', () => {
    const { query: q } = interpolateQuery(query({ dimension: '$dimension', filters: { model: ['$model'] } }), variables);
    expect(q).toMatchObject({ refId: 'A', schemaVersion: SCHEMA_VERSION, dimension: 'service', filters: { model: ['glm-5', 'qwen3'] } });
  });
});

describe('time zone', () => {
  test('browser and an empty setting resolve to the IANA zone of the runtime', () => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(resolveTimeZone('browser')).toBe(zone);
    expect(resolveTimeZone('')).toBe(zone);
    expect(resolveTimeZone(undefined)).toBe(zone);
  });

  test("Grafana's utc becomes UTC, an IANA zone passes unchanged, and reaches the body", () => {
    expect(resolveTimeZone('utc')).toBe('UTC');
    expect(resolveTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(body(query(), { ...context, timezone: 'utc' }).body.timezone).toBe('UTC');
  });
});
