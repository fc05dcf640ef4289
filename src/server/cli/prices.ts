/**
 * `tokenscope prices check`: the models a running backend saw in a range that have no price (their tokens are
 * left out of cost), and `tokenscope reprice`: applies the backend's price table to usage already stored.
 */
import type { Command } from 'commander';
import type { RankingResponse } from '../../shared';
import { apiClientFromEnv, type ApiClient } from './api-client';
import { formatInstant, formatMetric, formatNumber, renderTable } from './format';
import { timeRange, type QueryOptions } from './query-options';

/** Most models listed; far more than any deployment prices. */
const MODELS_LISTED = 1000;

export function registerPrices(program: Command): void {
  const prices = program.command('prices').description('check the price table against the usage a running backend stored');
  prices
    .command('check')
    .description('list the models seen in a range that have no price (exit 2 when there are any)')
    .option('--last <span>', 'time range ending now, e.g. 24h, 7d, 30d (default 30d)')
    .option('--from <time>', 'range start: RFC 3339 or epoch ms (instead of --last)')
    .option('--to <time>', 'range end, exclusive (default now)')
    .option('--url <url>', 'backend URL (TOKENSCOPE_URL, default http://127.0.0.1:8080); the token comes from TOKENSCOPE_TOKEN')
    .action(async (options: QueryOptions) => {
      const { text, unpriced } = await runPricesCheck(options, apiClientFromEnv(options.url), Date.now());
      console.log(text);
      if (unpriced > 0) process.exitCode = 2;
    });
  program
    .command('reprice')
    .description("apply the backend's price table (as it was at its start) to the usage stored in a range, and print what changed")
    .requiredOption('--from <time>', 'range start: RFC 3339 or epoch ms')
    .requiredOption('--to <time>', 'range end, exclusive: RFC 3339 or epoch ms')
    .option('--url <url>', 'backend URL (TOKENSCOPE_URL); needs an ingest token in TOKENSCOPE_TOKEN')
    .action(async (options: QueryOptions) => {
      console.log(await runReprice(options, apiClientFromEnv(options.url), Date.now()));
    });
}

/** The unpriced models of the range, by unpriced tokens; `unpriced` counts them. */
export async function runPricesCheck(options: QueryOptions, client: ApiClient, now: number): Promise<{ text: string; unpriced: number }> {
  const range = timeRange({ ...options, last: options.from === undefined ? (options.last ?? '30d') : options.last }, now);
  const ranking = await client.query<RankingResponse>({
    type: 'ranking',
    ...range,
    dimension: 'model',
    metrics: ['unpriced_tokens', 'requests'],
    limit: MODELS_LISTED,
  });
  const rows = ranking.rows.filter((r) => (r.metrics.unpriced_tokens ?? 0) > 0);
  const title = `Models without a price, ${formatInstant(ranking.from, 'UTC')} → ${formatInstant(ranking.to, 'UTC')} UTC`;
  if (rows.length === 0) return { text: `${title}\nevery model seen has a price (or a cost from its source)`, unpriced: 0 };
  const table = renderTable(
    [{ header: 'Model' }, { header: 'Unpriced Tokens', align: 'right' }, { header: 'Requests', align: 'right' }],
    rows.map((r) => [r.label, formatMetric('unpriced_tokens', r.metrics.unpriced_tokens), formatMetric('requests', r.metrics.requests)]),
  );
  const more = (ranking.other?.metrics.unpriced_tokens ?? 0) > 0 ? ` More models beyond the first ${MODELS_LISTED} may lack a price too.` : '';
  const advice = 'Add them to the price table (TOKENSCOPE_PRICES), restart the backend, then run tokenscope reprice for the range.';
  return { text: `${title}\n\n${table}\n\n${formatNumber(rows.length)} model(s) unpriced.${more} ${advice}`, unpriced: rows.length };
}

export async function runReprice(options: QueryOptions, client: ApiClient, now: number): Promise<string> {
  const answer = await client.reprice(timeRange(options, now));
  const money = (v: number) => formatNumber(v, 4);
  const head = `Repriced ${formatInstant(answer.from, 'UTC')} → ${formatInstant(answer.to, 'UTC')} UTC with ${answer.prices}: ${formatNumber(answer.changed)} of ${formatNumber(answer.events)} calls changed; cost ${money(answer.cost_before)} → ${money(answer.cost_after)} ${answer.currency}, unpriced tokens ${formatNumber(answer.unpriced_tokens_before)} → ${formatNumber(answer.unpriced_tokens_after)}`;
  if (answer.groups.length === 0) return head;
  const table = renderTable(
    [
      { header: 'Service' },
      { header: 'Model' },
      { header: 'Changed', align: 'right' },
      { header: `Cost before (${answer.currency})`, align: 'right' },
      { header: `Cost after (${answer.currency})`, align: 'right' },
      { header: 'Unpriced before', align: 'right' },
      { header: 'Unpriced after', align: 'right' },
    ],
    answer.groups.map((g) => [
      g.service,
      g.model,
      formatNumber(g.changed),
      money(g.cost_before),
      money(g.cost_after),
      formatNumber(g.unpriced_tokens_before),
      formatNumber(g.unpriced_tokens_after),
    ]),
  );
  return `${head}\n\n${table}`;
}
