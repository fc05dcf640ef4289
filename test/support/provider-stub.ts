/**
 * A local stand-in for the OpenAI and Anthropic HTTP APIs (the one thing tests cannot run): chat completions and
 * messages answered in the providers' real response shapes, with usage (cache and reasoning details) drawn from a
 * seeded sequence and recorded, so a test knows exactly what the provider reported.
 */
import { createServer, type Server } from 'node:http';
import type { CallUsage } from './genai-spans';
import { rng } from './usage-events';

export interface ProviderStub {
  url: string;
  /** What the provider reported for each call, in the metric definitions' terms (input includes cache). */
  reported: CallUsage[];
  close(): Promise<void>;
}

/**
 * A chat completion as OpenAI streams it (server-sent events, stream_options.include_usage): the content, the
 * finish reason, then a last chunk with no choices and the usage.
 */
function streamCompletion(res: import('node:http').ServerResponse, completion: Record<string, any>): void {
  const chunk = (choices: object[], usage?: object) =>
    `data: ${JSON.stringify({ id: completion.id, object: 'chat.completion.chunk', created: completion.created, model: completion.model, choices, ...(usage ? { usage } : {}) })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(chunk([{ index: 0, delta: { role: 'assistant', content: 'An answer.' }, finish_reason: null }]));
  res.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
  res.write(chunk([], completion.usage));
  res.end('data: [DONE]\n\n');
}

export async function startProviderStub(seed: number): Promise<ProviderStub> {
  const r = rng(seed);
  const int = (max: number) => Math.floor(r() * max);
  const reported: CallUsage[] = [];
  const answers: Partial<Record<string, () => Record<string, any>>> = {
    '/v1/chat/completions': () => {
      // OpenAI: prompt_tokens include cached_tokens; reasoning_tokens are part of completion_tokens.
      const [prompt, completion] = [1 + int(4000), 1 + int(1500)];
      const [cached, reasoning] = [int(prompt), int(completion)];
      const model = 'o4-mini-2025-04-16';
      reported.push({ model, input: prompt, output: completion, cacheRead: cached, cacheWrite: 0, reasoning });
      return {
        id: `chatcmpl-${reported.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'An answer.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: prompt,
          completion_tokens: completion,
          total_tokens: prompt + completion,
          prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
        },
        service_tier: 'default',
        system_fingerprint: 'fp_stub',
      };
    },
    '/v1/messages': () => {
      // Anthropic: input_tokens exclude cache reads and writes, which come apart.
      const [uncached, read, write, output] = [1 + int(800), int(6000), r() < 0.5 ? int(3000) : 0, 1 + int(900)];
      const model = 'claude-sonnet-4-5-20250929';
      reported.push({ model, input: uncached + read + write, output, cacheRead: read, cacheWrite: write, reasoning: 0 });
      return {
        id: `msg_${reported.length}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: 'An answer.' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: uncached, output_tokens: output, cache_creation_input_tokens: write, cache_read_input_tokens: read, service_tier: 'standard' },
      };
    },
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const answer = answers[(req.url ?? '').split('?')[0]];
      if (!answer) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const completion = answer();
      if ((JSON.parse(body || '{}') as { stream?: boolean }).stream) return streamCompletion(res, completion);
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${reported.length}` });
      res.end(JSON.stringify(completion));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    reported,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
