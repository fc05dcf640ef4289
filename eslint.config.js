// One lint configuration for the repository. The import boundaries are the rule that matters most:
// src/shared imports nothing from server or plugin, and server and plugin never import each other.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const boundary = (message, ...group) => ({ 'no-restricted-imports': ['error', { patterns: [{ group, message }] }] });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**', 'coverage/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', performance: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  { files: ['src/shared/**'], rules: boundary('src/shared is imported by both server and plugin; it imports neither.', '**/server/**', '**/plugin/**') },
  { files: ['src/server/**'], rules: boundary('The server never imports the plugin; share code through src/shared.', '**/plugin/**') },
  // Inside the server, layers point one way: routes and cli → query → storage; ingest → storage. A type two
  // layers need lives below both (src/shared or storage/engine.ts). Tests may reach across to set things up.
  // (A later rule replaces an earlier one for the same files, so each repeats the plugin boundary.)
  {
    files: ['src/server/storage/**'],
    ignores: ['**/*.test.ts'],
    rules: boundary('storage knows nothing of the layers above it (query, ingest, routes, cli, metrics).', '**/plugin/**', '**/query/**', '**/ingest/**', '**/routes/**', '**/cli/**', '**/metrics/**'),
  },
  {
    files: ['src/server/query/**'],
    ignores: ['**/*.test.ts'],
    rules: boundary('query knows nothing of ingest, routes or the CLI.', '**/plugin/**', '**/ingest/**', '**/routes/**', '**/cli/**'),
  },
  {
    files: ['src/server/ingest/**'],
    ignores: ['**/*.test.ts'],
    rules: boundary('ingest knows nothing of query, routes or the CLI.', '**/plugin/**', '**/query/**', '**/routes/**', '**/cli/**'),
  },
  {
    files: ['src/server/routes/**'],
    ignores: ['**/*.test.ts'],
    rules: boundary('Routes reach the query layer through its entry (src/server/query/index.ts), not its modules.', '**/plugin/**', '**/query/*'),
  },
  {
    files: ['src/server/cli/**'],
    ignores: ['**/*.test.ts'],
    rules: boundary('The CLI talks to routes over HTTP; their types live in src/shared.', '**/plugin/**', '**/routes/**'),
  },
  { files: ['src/plugin/**'], rules: boundary('The plugin never imports the server; share code through src/shared.', '**/server/**') },
  { files: ['src/plugin/**/*.{ts,tsx}'], plugins: { 'react-hooks': reactHooks }, rules: reactHooks.configs.recommended.rules },
  prettier,
);
