/**
 * One load client, run as its own process by `npm run bench -- --load`: an ingest client (NDJSON batches of
 * 500 events stamped in the last day) or a query client (the dashboards' refresh requests, one after another),
 * for a number of seconds. Prints one JSON line: acknowledged events, errors, and per-request times and kinds.
 */
import { parseArgs } from 'node:util';
import { makeEvents, ndjson } from '../test/support/usage-events';
import { dashboardRefreshes, send, type HttpRequest } from './dashboard-refresh';

const { values: args } = parseArgs({
  options: { role: { type: 'string' }, url: { type: 'string' }, seconds: { type: 'string' }, client: { type: 'string', default: '0' } },
});
const url = args.url!;
const client = Number(args.client);
const deadline = performance.now() + Number(args.seconds) * 1000;
const BATCH = 500;
const HOUR = 3_600_000;
const result = { role: args.role, acked: 0, errors: [] as string[], ms: [] as number[], kinds: [] as string[] };

/** What a dashboard request asks for: the query type, or the dimension values a variable lists. */
const kindOf = (request: HttpRequest) => (request.method === 'GET' ? 'values' : ((request.body as { type?: string }).type ?? 'query'));

if (args.role === 'ingest') {
  const now = Date.now();
  for (let n = 0; performance.now() < deadline; n++) {
    const events = makeEvents(BATCH, now - 24 * HOUR, 24 * HOUR - 60_000, 1 + client * 100_003 + n, `load-c${client}-b${n}`);
    const started = performance.now();
    try {
      const res = await fetch(`${url}/api/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson(events) });
      const body = (await res.json()) as { accepted: number };
      if (res.status !== 200 || body.accepted !== events.length) result.errors.push(`ingest: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      else result.acked += body.accepted;
    } catch (err) {
      result.errors.push(`ingest: ${(err as Error).message}`);
    }
    result.ms.push(performance.now() - started);
  }
} else {
  for (let round = 0; performance.now() < deadline; round++) {
    const refresh = dashboardRefreshes(Date.now())[(round + client) % 2];
    for (const request of refresh.requests) {
      if (performance.now() >= deadline) break;
      const started = performance.now();
      try {
        await send(url, request);
        result.ms.push(performance.now() - started);
        result.kinds.push(kindOf(request));
      } catch (err) {
        result.errors.push((err as Error).message);
      }
    }
  }
}
process.stdout.write(JSON.stringify(result) + '\n');
