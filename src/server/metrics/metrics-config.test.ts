import { describe, expect, test } from 'vitest';
import { loadConfig } from '../config';

const INGEST = 'ingest-token-0123456789';
const READ = 'read-token-0123456789ab';
const SCRAPE = 'scrape-token-0123456789';
const auth = { TOKENSCOPE_INGEST_TOKENS: INGEST, TOKENSCOPE_READ_TOKENS: READ };

describe('metrics configuration', () => {
  test('defaults: 10-minute window, api_key label on, 1,000 label sets, no scrape tokens', () => {
    const c = loadConfig({});
    expect([c.metricsWindowMs, c.metricsApiKeyLabel, c.metricsMaxLabelSets, c.metricsTokens]).toEqual([600_000, true, 1000, []]);
  });

  test('reads each variable', () => {
    const c = loadConfig({
      ...auth,
      TOKENSCOPE_METRICS_TOKENS: ` ${SCRAPE} ,`,
      TOKENSCOPE_METRICS_WINDOW_MS: '120000',
      TOKENSCOPE_METRICS_API_KEY_LABEL: 'off',
      TOKENSCOPE_METRICS_MAX_LABEL_SETS: '50',
    });
    expect([c.metricsWindowMs, c.metricsApiKeyLabel, c.metricsMaxLabelSets, c.metricsTokens]).toEqual([120_000, false, 50, [SCRAPE]]);
    expect(loadConfig({ TOKENSCOPE_METRICS_API_KEY_LABEL: 'on' }).metricsApiKeyLabel).toBe(true);
  });

  test.each([
    [{ TOKENSCOPE_METRICS_WINDOW_MS: '10' }, /TOKENSCOPE_METRICS_WINDOW_MS: .*>=1000/],
    [{ TOKENSCOPE_METRICS_WINDOW_MS: 'ten minutes' }, /TOKENSCOPE_METRICS_WINDOW_MS/],
    [{ TOKENSCOPE_METRICS_API_KEY_LABEL: 'maybe' }, /TOKENSCOPE_METRICS_API_KEY_LABEL: must be on or off/],
    [{ TOKENSCOPE_METRICS_MAX_LABEL_SETS: '0' }, /TOKENSCOPE_METRICS_MAX_LABEL_SETS: .*>=1/],
    [{ ...auth, TOKENSCOPE_METRICS_TOKENS: 'short' }, /TOKENSCOPE_METRICS_TOKENS: each token must be at least 16 characters/],
    [{ TOKENSCOPE_METRICS_TOKENS: SCRAPE }, /TOKENSCOPE_METRICS_TOKENS needs auth on/],
    [{ ...auth, TOKENSCOPE_METRICS_TOKENS: INGEST }, /TOKENSCOPE_METRICS_TOKENS also appears/],
    [{ ...auth, TOKENSCOPE_METRICS_TOKENS: READ }, /TOKENSCOPE_METRICS_TOKENS also appears/],
  ])('rejects %j, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
