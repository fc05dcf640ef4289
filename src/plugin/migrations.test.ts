import { expect, test } from 'vitest';
import { SCHEMA_VERSION } from '../shared';
import { adhocFilterValues } from './adhoc-filters';
import { migrateQuery } from './migrations';
import type { TokenscopeQuery } from './types';

test('an up-to-date query comes back as the very same object; an old one gains the current shape and keeps Grafana fields', () => {
  const current: TokenscopeQuery = { refId: 'A', schemaVersion: SCHEMA_VERSION, queryType: 'ranking', metrics: ['requests'], dimension: '$dimension' };
  expect(migrateQuery(current)).toBe(current);
  const old = {
    refId: 'B',
    hide: true,
    datasource: { type: 'tokenscope-usage-datasource', uid: 'tokenscope' },
    queryType: 'totals',
  } as unknown as TokenscopeQuery;
  expect(migrateQuery(old)).toEqual({ ...old, schemaVersion: SCHEMA_VERSION, metrics: ['total_tokens'], dimension: 'model', granularity: 'auto', limit: 10 });
});

test('ad-hoc operators: = and =| give values, every other operator none', () => {
  expect(adhocFilterValues({ operator: '=', value: 'glm-5' })).toEqual(['glm-5']);
  expect(adhocFilterValues({ operator: '=|', value: 'glm-5', values: ['glm-5', 'kimi-k2.5'] })).toEqual(['glm-5', 'kimi-k2.5']);
  for (const operator of ['!=', '=~', '!~', '<', '>', '!=|']) expect(adhocFilterValues({ operator, value: 'x' })).toBeNull();
});
