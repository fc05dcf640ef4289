import { expect, test } from 'vitest';
import { entryMatches, patternSource, scopeAllows, scopeViolation } from './scope';

test('patterns: * is any run of characters, everything else is literal', () => {
  expect(entryMatches('team-a-*', 'team-a-api')).toBe(true);
  expect(entryMatches('team-a-*', 'team-a-')).toBe(true);
  expect(entryMatches('team-a-*', 'team-ab')).toBe(false);
  expect(entryMatches('*-prod', 'search-prod')).toBe(true);
  expect(entryMatches('a.b', 'axb')).toBe(false);
  expect(entryMatches('a.b*', 'a.bc')).toBe(true);
  expect(entryMatches('(x)+[y]?', '(x)+[y]?')).toBe(true);
  expect(entryMatches('glm-5', 'glm-5')).toBe(true);
  expect(entryMatches('glm-5', 'glm-50')).toBe(false);
  expect(patternSource('a-*')).toBe('^a\\-.*$');
});

test('a scope allows listed dimensions by entry and leaves others open; an empty list allows nothing', () => {
  const scope = { service: ['team-a-*'], model: [] as string[] };
  expect(scopeAllows(scope, 'service', 'team-a-x')).toBe(true);
  expect(scopeAllows(scope, 'service', 'team-b-x')).toBe(false);
  expect(scopeAllows(scope, 'api_key', 'anything')).toBe(true);
  expect(scopeAllows(scope, 'model', 'glm-5')).toBe(false);
  expect(scopeViolation({ service: ['team-a-*'] }, { service: 'team-a-x', model: 'm', model_type: 't', api_key: 'k' })).toBeNull();
  expect(scopeViolation({ service: ['team-a-*'], model: ['m'] }, { service: 'team-a-x', model: 'n', model_type: 't', api_key: 'k' })).toBe('model');
});
