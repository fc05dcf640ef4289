/**
 * Model calls recorded as spans shaped exactly as real instrumentations emit them (attribute names, values and
 * nesting as their sources set them), beside an independent oracle of what each call used: plain sums, no
 * project code.
 */
import type { Span } from '@opentelemetry/api';
import { recordingTracer } from './otel-sdk';
import type { TestServer } from './test-server';
import { rng } from './usage-events';

/** What one model call used, by the metric definitions (input includes cache). */
export interface CallUsage {
  model: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

export type Totals = Record<
  string,
  { input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number; reasoning_tokens: number; requests: number }
>;

export function totalsByModel(calls: CallUsage[]): Totals {
  const out: Totals = {};
  for (const c of calls) {
    const t = (out[c.model] ??= { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, requests: 0 });
    t.input_tokens += c.input;
    t.output_tokens += c.output;
    t.cache_read_tokens += c.cacheRead;
    t.cache_write_tokens += c.cacheWrite;
    t.reasoning_tokens += c.reasoning;
    t.requests += 1;
  }
  return out;
}

/**
 * `n` calls of each kind for one service: OpenTelemetry's openai instrumentation (an HTTP span below), Traceloop's
 * anthropic instrumentation (input without cache, as Anthropic reports it), OpenInference's openai instrumentation
 * (cache and reasoning details), and Vercel AI SDK generateText calls of two steps (the outer span sums its steps).
 * Returns the inner spans (exported first, as a child ends first), the outer ones, and the oracle.
 */
export function recordGenAiCalls(service: string, startMs: number, n: number, seed: number) {
  const r = rng(seed);
  const int = (max: number) => Math.floor(r() * max);
  const calls: CallUsage[] = [];
  const resource = { 'service.name': service, 'tokenscope.api_key': `${service}-key` };
  const otel = recordingTracer(resource, '@opentelemetry/instrumentation-openai', '0.21.0');
  const http = recordingTracer(resource, '@opentelemetry/instrumentation-undici', '0.20.0');
  const traceloop = recordingTracer(resource, '@traceloop/instrumentation-anthropic', '0.27.0');
  const openinference = recordingTracer(resource, '@arizeai/openinference-instrumentation-openai', '4.2.7');
  const vercel = recordingTracer(resource, 'ai', '5.0.0');
  let t = startMs;
  const next = () => (t += 1000 + int(1000));

  for (let i = 0; i < n; i++) {
    // @opentelemetry/instrumentation-openai: chat span, usage from usage.prompt_tokens / completion_tokens.
    const input = 1 + int(3000);
    const output = int(800);
    const call = otel.open('chat gpt-4o-mini', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.system': 'openai' }, next());
    http.span('POST', { 'http.request.method': 'POST', 'url.full': 'https://api.openai.com/v1/chat/completions' }, t + 5, 300, call);
    call.setAttributes({
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.id': `chatcmpl-${i}`,
      'gen_ai.usage.input_tokens': input,
      'gen_ai.usage.output_tokens': output,
    });
    call.end(new Date(t + 400));
    calls.push({ model: 'gpt-4o-mini-2024-07-18', input, output, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
  }
  for (let i = 0; i < n; i++) {
    // @traceloop/instrumentation-anthropic: input_tokens as Anthropic reports it, cache apart.
    const [uncached, read, write, output] = [1 + int(500), int(4000), r() < 0.5 ? int(2000) : 0, int(600)];
    traceloop.span(
      'chat claude-sonnet-4-5',
      {
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'claude-sonnet-4-5',
        'gen_ai.request.max_tokens': 1024,
        'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
        'gen_ai.usage.total_tokens': uncached + output,
        'gen_ai.usage.output_tokens': output,
        'gen_ai.usage.input_tokens': uncached,
        'gen_ai.usage.cache_creation_input_tokens': write,
        'gen_ai.usage.cache_read_input_tokens': read,
      },
      next(),
      900,
    );
    calls.push({ model: 'claude-sonnet-4-5-20250929', input: uncached + read + write, output, cacheRead: read, cacheWrite: write, reasoning: 0 });
  }
  for (let i = 0; i < n; i++) {
    // @arizeai/openinference-instrumentation-openai: prompt includes cached tokens; reasoning is part of completion.
    const prompt = 1 + int(5000);
    const cached = int(prompt);
    const completion = 1 + int(2000);
    const reasoning = int(completion);
    openinference.span(
      'OpenAI Chat Completions',
      {
        'openinference.span.kind': 'LLM',
        'llm.provider': 'openai',
        'llm.system': 'openai',
        'llm.model_name': 'o4-mini-2025-04-16',
        'llm.token_count.prompt': prompt,
        'llm.token_count.completion': completion,
        'llm.token_count.total': prompt + completion,
        'llm.token_count.prompt_details.cache_read': cached,
        'llm.token_count.completion_details.reasoning': reasoning,
      },
      next(),
      2000,
    );
    calls.push({ model: 'o4-mini-2025-04-16', input: prompt, output: completion, cacheRead: cached, cacheWrite: 0, reasoning });
  }
  const outer: Span[] = [];
  for (let i = 0; i < n; i++) {
    // Vercel AI SDK generateText with a tool round trip: two doGenerate steps below one ai.generateText span.
    const root = vercel.open('ai.generateText', { 'operation.name': 'ai.generateText', 'ai.model.id': 'gpt-4.1', 'ai.model.provider': 'openai.chat' }, next());
    const steps = [0, 1].map(() => ({ input: 1 + int(2000), output: int(300), cached: 0 }));
    steps[1].cached = int(steps[1].input);
    steps.forEach((s, k) =>
      vercel.span(
        'ai.generateText.doGenerate',
        {
          'operation.name': 'ai.generateText.doGenerate',
          'ai.model.id': 'gpt-4.1',
          'ai.model.provider': 'openai.chat',
          'gen_ai.system': 'openai.chat',
          'gen_ai.request.model': 'gpt-4.1',
          'gen_ai.response.model': 'gpt-4.1-2025-04-14',
          'gen_ai.usage.input_tokens': s.input,
          'gen_ai.usage.output_tokens': s.output,
          'ai.usage.inputTokens': s.input,
          'ai.usage.outputTokens': s.output,
          'ai.usage.cachedInputTokens': s.cached,
        },
        t + 10 + k * 500,
        400,
        root,
      ),
    );
    root.setAttributes({
      'ai.usage.inputTokens': steps[0].input + steps[1].input,
      'ai.usage.outputTokens': steps[0].output + steps[1].output,
      'ai.usage.cachedInputTokens': steps[1].cached,
    });
    outer.push(root);
    for (const s of steps) calls.push({ model: 'gpt-4.1-2025-04-14', input: s.input, output: s.output, cacheRead: s.cached, cacheWrite: 0, reasoning: 0 });
  }
  const inner = [...otel.finished(), ...http.finished(), ...traceloop.finished(), ...openinference.finished(), ...vercel.finished()];
  for (const s of outer) s.end(new Date(t + 1500));
  const wrappers = vercel.finished().filter((s) => s.name === 'ai.generateText');
  return { inner, outer: wrappers, calls };
}

const TOTAL_METRICS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'requests'];

/** What the backend stored for a service, per model (the same shape as `totalsByModel`), read through the query API. */
export async function storedTotalsByModel(server: Pick<TestServer, 'json'>, readToken: string, service: string, from: number): Promise<Totals> {
  const res = await server.json(
    'POST',
    '/api/v1/query',
    { type: 'ranking', dimension: 'model', metrics: TOTAL_METRICS, limit: 50, from, to: Date.now() + 60_000, filters: { service: [service] } },
    { authorization: `Bearer ${readToken}` },
  );
  if (res.status !== 200) throw new Error(`query for ${service} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  return Object.fromEntries(res.body.rows.map((row: { key: string; metrics: Totals[string] }) => [row.key, row.metrics]));
}
