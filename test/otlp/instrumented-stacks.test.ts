/**
 * Real instrumented stacks end to end: the openai package from npm instrumented by OpenInference, the Vercel AI
 * SDK's and the @anthropic-ai/sdk's own tracing, exporting with the OpenTelemetry Node SDK
 * configured only by OTEL_* variables, against a local stub of each provider's HTTP API; the backend's totals
 * must equal what the provider reported, cache and reasoning included, one request per call.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { storedTotalsByModel, totalsByModel } from '../support/genai-spans';
import { startProviderStub } from '../support/provider-stub';
import { startTestServer, type TestServer } from '../support/test-server';

const run = promisify(execFile);
const APP = fileURLToPath(new URL('fixtures/instrumented-app.mjs', import.meta.url));
const INGEST = 'stack-ingest-token-0123456789';
const READ = 'stack-read-token-0123456789ab';
const since = Date.now() - 60_000;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({}, { TOKENSCOPE_INGEST_TOKENS: INGEST, TOKENSCOPE_READ_TOKENS: READ });
});
afterAll(() => server.stop());

/** The instrumentations whose spans each stack must show, one per call each. */
const SCOPES: Record<string, string[]> = {
  'openai-openinference': ['@arizeai/openinference-instrumentation-openai'],
  'vercel-ai-sdk': ['ai'],
  'vercel-ai-sdk-stream': ['ai'],
  'anthropic-sdk': ['com.anthropic.sdk.typescript'],
};

const totalsOf = (service: string) => storedTotalsByModel(server, READ, service, since);

async function keysOf(service: string) {
  const res = await server.json('GET', `/api/v1/dimensions/api_key/values?from=${since}&to=${Date.now() + 60_000}&service=${service}`, undefined, {
    authorization: `Bearer ${READ}`,
  });
  return res.body.values.map((v: { value: string }) => v.value);
}

describe.each([
  ['openai-openinference', 'the openai SDK with OpenInference: cache reads and reasoning tokens'],
  ['vercel-ai-sdk', 'the Vercel AI SDK (its own spans: a generateText span above each doGenerate call, both with usage): each call counted once'],
  ['vercel-ai-sdk-stream', 'the Vercel AI SDK streaming (ai.streamText above ai.streamText.doStream): once per call, cache and reasoning included'],
  ['anthropic-sdk', "the Anthropic SDK's own tracing: cache reads and writes, input counted with cache once"],
])('%s', (stack, title) => {
  test(
    title,
    async () => {
      const provider = await startProviderStub(stack.length);
      const service = `stack-${stack}`;
      try {
        const calls = 12;
        const { stdout } = await run(process.execPath, [APP], {
          env: {
            PATH: process.env.PATH,
            STACK: stack,
            STACK_CALLS: String(calls),
            PROVIDER_URL: provider.url,
            OTEL_EXPORTER_OTLP_ENDPOINT: server.url,
            OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${INGEST}`,
            OTEL_SERVICE_NAME: service,
            OTEL_RESOURCE_ATTRIBUTES: `tokenscope.api_key=${service}-key,deployment.environment.name=test`,
          },
          timeout: 60_000,
        });
        expect(stdout).toContain(`made ${calls} calls`);
        expect(provider.reported).toHaveLength(calls);
        const scopes = JSON.parse(/spans by scope (.*)/.exec(stdout)![1]);
        for (const scope of SCOPES[stack]) expect(scopes[scope]).toBe(stack.startsWith('vercel-ai-sdk') ? 2 * calls : calls);
        const expected = totalsByModel(provider.reported);
        if (stack === 'vercel-ai-sdk') {
          // AI SDK 5's generateText spans carry input and output only (its streamText spans add cache and
          // reasoning): what the spans do not say cannot be counted.
          for (const t of Object.values(expected)) Object.assign(t, { cache_read_tokens: 0, reasoning_tokens: 0 });
        }
        expect(await totalsOf(service)).toEqual(expected);
        expect(await keysOf(service)).toEqual([`${service}-key`]);
      } finally {
        await provider.close();
      }
    },
    90_000,
  );
});
