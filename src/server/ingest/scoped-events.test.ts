import { expect, test } from 'vitest';
import { checkEvents } from './read-events';
import { eventValidator } from './scoped-events';

const at = Date.now() - 1000;
const event = (fields: Record<string, unknown>) => ({ timestamp: at, model: 'glm-5', input_tokens: 1, output_tokens: 0, ...fields });

test("an adapter's events meet the caller's scope and pinned service, as a body's do", () => {
  const check = eventValidator({ name: 'team-a-gateway', scope: { service: ['team-a-*'], model: ['glm-*'] }, service: 'team-a-api' });
  const read = checkEvents(
    [
      event({}),
      event({ service: 'team-a-batch' }),
      event({ service: 'team-b' }),
      event({ service: 'team-a-x', model: 'gpt-x' }),
      event({ service: 'team-a-x', input_tokens: -1 }),
    ],
    check,
  );
  expect(read.events.map((e) => e.service)).toEqual(['team-a-api', 'team-a-batch']);
  expect(read.rejected).toEqual([
    { index: 2, error: "service: 'team-b' is outside the scope of token 'team-a-gateway' (service in [team-a-*])" },
    { index: 3, error: "model: 'gpt-x' is outside the scope of token 'team-a-gateway' (model in [glm-*])" },
    { index: 4, error: 'input_tokens: must be an integer >= 0' },
  ]);
});

test('a secret-looking API key outside the scope is named by its masked label, never as sent', () => {
  const secret = 'sk-live-7f3a9c2b1e8d4f6a0b5c7d9e1f2a3b4c';
  const read = checkEvents([event({ service: 's', api_key: secret })], eventValidator({ name: 't', scope: { api_key: ['team-*'] }, service: null }));
  expect(read.rejected[0].error).toMatch(/^api_key: 'sk-…3b4c' is outside the scope of token 't'/);
  expect(read.rejected[0].error).not.toContain(secret);
});

test('without a caller (auth off) or without scope, events are only validated', () => {
  expect(checkEvents([event({ service: 'any' })], eventValidator(null)).events).toHaveLength(1);
  expect(checkEvents([event({})], eventValidator({ name: 'open', scope: null, service: null })).rejected[0].error).toBe('service: is required');
});
