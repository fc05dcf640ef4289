/** The largest calls: individual raw events of a range, ordered by a token count or the duration. */
import { callOrderFields, type CallsResponse } from '../../shared';
import type { Store } from '../storage/engine';
import type { NormalisedQuery } from './normalise';

export async function answerCalls(store: Store, q: NormalisedQuery): Promise<CallsResponse> {
  const { calls, earliest } = await store.largestCalls({ from: q.from, to: q.to, filters: q.filters, orderBy: callOrderFields(q.orderBy), limit: q.limit });
  return {
    type: 'calls',
    from: q.from,
    to: q.to,
    orderBy: q.orderBy,
    calls: calls.map((e) => ({
      time: e.ts,
      service: e.service,
      model: e.model,
      modelType: e.modelType,
      apiKey: e.apiKey,
      apiKeyLabel: e.apiKeyLabel,
      inputTokens: e.inputTokens,
      outputTokens: e.outputTokens,
      totalTokens: e.inputTokens + e.outputTokens,
      cacheReadTokens: e.cacheReadTokens,
      cacheWriteTokens: e.cacheWriteTokens,
      reasoningTokens: e.reasoningTokens,
      durationMs: e.durationMs,
      id: e.id,
      traceId: e.traceId,
      spanId: e.spanId,
    })),
    rawEventsFrom: earliest,
    beforeRawEvents: earliest === null || q.from < earliest,
  };
}
