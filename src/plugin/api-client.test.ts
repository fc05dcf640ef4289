import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { describeFetchError, ROUTE_PATH, TokenscopeApi } from './api-client';

const pluginJson = JSON.parse(readFileSync(new URL('./plugin.json', import.meta.url), 'utf8'));

describe('api client', () => {
  test('calls go to <proxy url>/<the plugin.json route path>/api/v1/…', () => {
    expect(pluginJson.routes.map((r: { path: string }) => r.path)).toEqual([ROUTE_PATH]);
    const api = new TokenscopeApi('/api/datasources/proxy/uid/tokenscope/', () => ({
      fetch: () => {
        throw new Error('unused');
      },
    }));
    expect(api.url('/api/v1/query')).toBe('/api/datasources/proxy/uid/tokenscope/tokenscope/api/v1/query');
  });

  test("the backend's error body becomes the message", () => {
    const error = describeFetchError({ status: 400, data: { error: { code: 'invalid_query', message: "granularity: unknown granularity 'x'" } } });
    expect(error).toMatchObject({ kind: 'backend', status: 400, message: "Tokenscope: granularity: unknown granularity 'x'" });
  });

  test("a rejected token reads as such, directly or as Grafana's proxy reports it", () => {
    expect(describeFetchError({ status: 400, data: 'Authentication to data source failed' }).kind).toBe('auth');
    expect(describeFetchError({ status: 400, data: { message: 'Authentication to data source failed' } }).kind).toBe('auth');
    expect(describeFetchError({ status: 401, data: { error: { code: 'unauthorized', message: 'invalid bearer token' } } }).message).toMatch(
      /rejected the API token \(401\).*invalid bearer token/,
    );
    expect(describeFetchError({ status: 403, data: {} }).kind).toBe('auth');
  });

  test('an unreachable backend and a stranger each get their own message', () => {
    expect(describeFetchError({ status: 502, statusText: 'Bad Gateway', data: {} })).toMatchObject({
      kind: 'unreachable',
      message: expect.stringContaining('Cannot reach'),
    });
    expect(describeFetchError({ status: 404, data: 'not found' })).toMatchObject({ kind: 'not-tokenscope' });
    expect(describeFetchError({ status: 500, statusText: 'Internal Server Error', data: 'boom' }).message).toBe('Tokenscope: HTTP 500: boom');
  });
});
