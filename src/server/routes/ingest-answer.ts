/** The answer to an ingest request, the same for every ingest route: 200 on (partial) success, 400 when nothing was usable. */
import type { FastifyReply } from 'fastify';
import type { IngestResponse } from '../../shared';
import type { ReadEvents } from '../ingest/read-events';
import type { IngestResult } from '../storage/engine';

/** Reasons quoted in the error message of a batch with nothing usable. */
const QUOTED_REASONS = 3;

/**
 * Partial success is a 200. A request of which nothing could be used is a 400 with the same counts plus the API's
 * usual `error` (naming the first reasons), so `curl -f` and clients that look only at the status notice.
 */
export function ingestAnswer(reply: FastifyReply, read: ReadEvents, stored: IngestResult): IngestResponse {
  const answer: IngestResponse = { accepted: stored.accepted, duplicates: stored.duplicates, rejected: read.rejected, rejected_total: read.rejectedTotal };
  if (read.rejectedTotal === 0 || read.events.length > 0) return answer;
  reply.code(400);
  const reasons = read.rejected.slice(0, QUOTED_REASONS).map((r) => `[${r.index}] ${r.error}`);
  const more = read.rejectedTotal > reasons.length ? `; and ${read.rejectedTotal - reasons.length} more` : '';
  const message = `none of the ${read.rejectedTotal} events could be stored: ${reasons.join('; ')}${more}`;
  return { error: { code: 'no_valid_events', message }, ...answer };
}
