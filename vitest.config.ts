import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);
// The ESM builds of @grafana/* import CommonJS packages (moment-timezone) by named export, which Node
// refuses; their CommonJS builds load as they are, and share one React with the tests.
const grafanaCommonJs = ['data', 'ui', 'runtime', 'schema'].map((name) => ({
  find: new RegExp(`^@grafana/${name}$`),
  replacement: require.resolve(`@grafana/${name}`),
}));

export default defineConfig({
  resolve: { alias: grafanaCommonJs },
  test: {
    // Browser APIs that jsdom lacks and @grafana/ui needs at load time; no-op outside jsdom.
    setupFiles: ['test/support/dom-polyfills.ts'],
    // i18next (inside @grafana/ui) prints an advertisement on its first init unless told not to.
    env: { I18NEXT_NO_SUPPORT_NOTICE: '1' },
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
    // Integration suites start servers and databases; each test file runs in its own process.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
