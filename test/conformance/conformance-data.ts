/**
 * The conformance suite's seeded traffic and the plan of how it is sent: three windows (New York's autumn DST
 * change, its spring DST change, and the last two days), names with quotes, backslashes and Unicode, events
 * without ids, and resends of every kind. `referenceIngest` applies the idempotency contract by hand.
 */
import { makeEvents, timeOf, type ClientEvent } from '../support/usage-events';

export const H = 3_600_000;
export const DAY = 24 * H;
/** Same as DEDUPE_WINDOW_MS: events with one id this close in time count once. */
const WINDOW = DAY;

export const FALL = { from: Date.UTC(2025, 9, 31), to: Date.UTC(2025, 9, 31) + 4 * DAY };
export const SPRING = { from: Date.UTC(2026, 2, 6), to: Date.UTC(2026, 2, 6) + 4 * DAY };
const recentEnd = Math.floor(Date.now() / H) * H - H;
export const RECENT = { from: recentEnd - 48 * H, to: recentEnd };

export const HOSTILE_SERVICE = "o'brien\\svc";
export const HOSTILE_MODEL = 'Ünïcödé-模型 "q" 😀';
export const HOSTILE_KEY = "key 'x' \\ y";

function hostileEvents(): ClientEvent[] {
  return makeEvents(60, SPRING.from, 4 * DAY, 77, 'hostile').map((e, i) => ({
    ...e,
    service: i % 2 ? HOSTILE_SERVICE : e.service,
    model: i % 3 ? HOSTILE_MODEL : e.model,
    api_key: i % 4 ? HOSTILE_KEY : e.api_key,
  }));
}

/** Every ninth event has no id: such events are never duplicates, however often they are sent. */
const dropSomeIds = (events: ClientEvent[]) => events.map((e, i) => (i % 9 === 4 ? { ...e, id: undefined } : e));

/** The batches to send, in order, to every engine. */
export function ingestPlan(): ClientEvent[][] {
  const main = dropSomeIds([
    ...makeEvents(1500, FALL.from, FALL.to - FALL.from, 31, 'fall'),
    ...makeEvents(1500, SPRING.from, SPRING.to - SPRING.from, 32, 'spring'),
    ...makeEvents(2000, RECENT.from, RECENT.to - RECENT.from, 33, 'recent'),
    ...hostileEvents(),
  ]);
  const batches: ClientEvent[][] = [];
  for (let i = 0; i < main.length; i += 500) batches.push(main.slice(i, i + 500));
  const withId = main.filter((e) => e.id !== undefined && timeOf(e) < RECENT.from);
  // Resent verbatim: the events with ids are duplicates, those without are stored again.
  batches.push(batches[0], batches[2]);
  // Resent an hour later with other numbers: still the same ids within the window, so duplicates.
  batches.push(withId.slice(0, 100).map((e) => ({ ...e, timestamp: timeOf(e) + H, input_tokens: e.input_tokens + 1 })));
  // The same ids three days later: outside the window, so new events.
  batches.push(withId.slice(100, 130).map((e) => ({ ...e, timestamp: timeOf(e) + 3 * DAY })));
  // Repeats inside one batch: the first copy counts.
  const fresh = makeEvents(20, SPRING.from, DAY, 34, 'twice');
  batches.push(fresh.flatMap((e) => [e, { ...e, output_tokens: e.output_tokens + 5 }]));
  return batches;
}

/** What the contract says a store keeps from a sequence of batches, and the ingest answer for each. */
export function referenceIngest(batches: readonly ClientEvent[][]): { kept: ClientEvent[]; answers: { accepted: number; duplicates: number }[] } {
  const kept: ClientEvent[] = [];
  const timesById = new Map<string, number[]>();
  const answers = batches.map((batch) => {
    const inBatch = new Set<string>();
    let accepted = 0;
    const added: [string, number][] = [];
    for (const e of batch) {
      if (e.id !== undefined && e.id !== null) {
        const t = timeOf(e);
        const repeat = inBatch.has(e.id) || (timesById.get(e.id) ?? []).some((s) => Math.abs(s - t) <= WINDOW);
        inBatch.add(e.id);
        if (repeat) continue;
        added.push([e.id, t]);
      }
      kept.push(e);
      accepted++;
    }
    for (const [id, t] of added) timesById.set(id, [...(timesById.get(id) ?? []), t]);
    return { accepted, duplicates: batch.length - accepted };
  });
  return { kept, answers };
}
