/** `tokenscope calls`: the largest individual calls of a range, with their ids, from a running backend. */
import type { Command } from 'commander';
import { CALL_ORDERS, type CallOrderId, type CallsResponse } from '../../shared';
import { apiClientFromEnv, type ApiClient } from './api-client';
import { formatInstant, formatNumber, renderTable } from './format';
import { addQueryOptions, parseFilters, timeRange, type QueryOptions } from './query-options';

export interface CallsOptions extends Omit<QueryOptions, 'metric'> {
  orderBy?: string;
}

export function registerCalls(program: Command): void {
  // Calls are ordered, not measured: no --metric.
  addQueryOptions(
    program
      .command('calls')
      .description('print the largest individual calls of a running backend, with their event, trace and span ids')
      .option('--order-by <field>', `${CALL_ORDERS.map((o) => o.id).join(', ')} (default total_tokens)`),
    null,
  ).action(async (options: CallsOptions) => {
    console.log(await runCalls(options, apiClientFromEnv(options.url), Date.now()));
  });
}

export async function runCalls(options: CallsOptions, client: ApiClient, now: number): Promise<string> {
  const calls = await client.query<CallsResponse>({
    type: 'calls',
    ...timeRange(options, now),
    filters: parseFilters(options.filter),
    limit: options.limit,
    ...(options.orderBy ? { orderBy: options.orderBy as CallOrderId } : {}),
  });
  return formatCalls(calls);
}

export function formatCalls(response: CallsResponse): string {
  const order = CALL_ORDERS.find((o) => o.id === response.orderBy)!;
  const title = `Largest calls by ${order.name}, ${formatInstant(response.from, 'UTC')} → ${formatInstant(response.to, 'UTC')} UTC`;
  const note =
    response.beforeRawEvents && response.rawEventsFrom !== null
      ? `\nnote: the range starts before the earliest raw event kept (${new Date(response.rawEventsFrom).toISOString()}); older calls cannot be listed`
      : '';
  if (response.calls.length === 0) return `${title}\nno calls in this range${note}`;
  const rows = response.calls.map((c) => [
    new Date(c.time).toISOString(),
    c.service,
    c.model,
    c.apiKeyLabel,
    formatNumber(c.totalTokens),
    formatNumber(c.inputTokens),
    formatNumber(c.outputTokens),
    c.durationMs === null ? '–' : formatNumber(c.durationMs),
    c.id ?? '–',
    c.traceId ?? '–',
  ]);
  const columns = [
    { header: 'Time (UTC)' },
    { header: 'Service' },
    { header: 'Model' },
    { header: 'API Key' },
    { header: 'Total', align: 'right' as const },
    { header: 'Input', align: 'right' as const },
    { header: 'Output', align: 'right' as const },
    { header: 'ms', align: 'right' as const },
    { header: 'Event id' },
    { header: 'Trace id' },
  ];
  return `${title}\n\n${renderTable(columns, rows)}${note}`;
}
