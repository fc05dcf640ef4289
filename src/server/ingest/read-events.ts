/**
 * Reads an ingest body, a JSON array or NDJSON, into valid events and per-index rejections. NDJSON is
 * parsed line by line as it arrives; nothing is stored until the whole body is read, so a body over the
 * size limit, or one cut off, stores nothing.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ClientError } from '../errors';
import type { StoredEvent } from '../storage/engine';
import { fromProviderUsage } from './providers/provider-event';
import type { EventCheck } from './scoped-events';

/** Most rejections listed in a response; `rejected_total` counts them all. */
export const MAX_LISTED_REJECTIONS = 1000;

export interface Rejection {
  index: number;
  error: string;
}

export interface ReadEvents {
  events: StoredEvent[];
  rejected: Rejection[];
  rejectedTotal: number;
  /** Values the adapter turned into nothing to store (such as a failed call in a gateway's log). */
  ignored: number;
}

/** An ingest adapter: one parsed value to a native usage event, a rejection, or nothing to store. */
export type ToUsageEvent = (value: unknown) => { event: unknown } | { error: string } | { ignore: true };

export interface ReadOptions {
  /** The adapter for the body's values; by default native events and provider usage objects. */
  toUsageEvent?: ToUsageEvent;
  /** Read a JSON body that is not one JSON value as NDJSON, for senders that label NDJSON application/json. */
  ndjsonInJson?: boolean;
}

export type BodyFormat = 'json' | 'ndjson';

/**
 * The body format for a Content-Type, or null when it is not one we read. A missing type and `text/plain` are
 * refused rather than guessed: a client that sends them has usually not chosen a format at all.
 */
export function bodyFormat(contentType: string | undefined): BodyFormat | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'].includes(type)) return 'ndjson';
  return null;
}

/** The 415 for a body type we do not read, naming the two we do. */
export function unsupportedBodyType(contentType: string | undefined): ClientError {
  const sent = contentType ? `unsupported Content-Type '${contentType.slice(0, 64)}'` : 'missing Content-Type';
  return new ClientError(
    `${sent}; send application/json (a JSON array of events, or one event object) or application/x-ndjson (one event per line)`,
    415,
    'unsupported_media_type',
  );
}

/**
 * `check`: the caller's event check (`eventValidator(request.principal)`), so every body meets its token's scope;
 * `options.toUsageEvent`: the body's ingest adapter, run before the check.
 */
export async function readEvents(body: Readable, format: BodyFormat, maxBytes: number, check: EventCheck, options: ReadOptions = {}): Promise<ReadEvents> {
  const out: ReadEvents = { events: [], rejected: [], rejectedTotal: 0, ignored: 0 };
  const toUsageEvent = options.toUsageEvent ?? fromProviderUsage;
  const add = (index: number, value: unknown) => {
    const native = toUsageEvent(value);
    if ('ignore' in native) {
      out.ignored++;
      return;
    }
    const result = 'event' in native ? check(native.event) : native;
    if ('event' in result) out.events.push(result.event);
    else reject(out, index, result.error);
  };
  let index = 0;
  const addLine = (line: string) => {
    if (line.trim() === '') return;
    // A line that is only a bracket is never an NDJSON event: the body is pretty-printed JSON.
    if (index === 0 && ['[', '{'].includes(line.trim())) {
      throw new ClientError(
        `the body looks like pretty-printed JSON (its first line is '${line.trim()}'), not NDJSON (one event object per line); send it with Content-Type: application/json`,
        400,
        'invalid_ndjson',
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      reject(out, index++, `line is not valid JSON (${(err as Error).message})`);
      return;
    }
    if (Array.isArray(value)) {
      reject(out, index++, 'line is a JSON array; NDJSON takes one event object per line (send an array with Content-Type: application/json)');
      return;
    }
    add(index++, value);
  };
  const chunks = limitBytes(body, maxBytes);
  if (format === 'json') {
    const text = await readText(chunks);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (options.ndjsonInJson) {
        for (const line of text.split('\n')) addLine(line.endsWith('\r') ? line.slice(0, -1) : line);
        return out;
      }
      throw new ClientError(`body is not valid JSON (${(err as Error).message}); send a JSON array of events or NDJSON`, 400, 'invalid_json');
    }
    if (Array.isArray(value)) value.forEach((v, i) => add(i, v));
    else if (value !== null && typeof value === 'object') add(0, value);
    else throw new ClientError('body must be a JSON array of events (or one event object), or NDJSON', 400, 'invalid_body');
    return out;
  }
  for await (const batch of lines(chunks)) for (const line of batch) addLine(line);
  return out;
}

/**
 * Events an ingest adapter has already parsed from its own format (OTLP, provider usage objects), checked one by one
 * exactly as a body's events are: `check` is the caller's `eventValidator(request.principal)`.
 */
export function checkEvents(values: readonly unknown[], check: EventCheck): ReadEvents {
  const out: ReadEvents = { events: [], rejected: [], rejectedTotal: 0, ignored: 0 };
  values.forEach((value, index) => {
    const result = check(value);
    if ('event' in result) out.events.push(result.event);
    else reject(out, index, result.error);
  });
  return out;
}

function reject(out: ReadEvents, index: number, error: string): void {
  out.rejectedTotal++;
  if (out.rejected.length < MAX_LISTED_REJECTIONS) out.rejected.push({ index, error });
}

/**
 * Passes the body through, failing with 413 once more than `maxBytes` have arrived, and with a 400 when the
 * client goes away (or is cut off by the request timeout) before the body ends: its mistake, not ours.
 */
async function* limitBytes(body: Readable, maxBytes: number): AsyncGenerator<Buffer> {
  let seen = 0;
  try {
    // Stopping early must not destroy the request: the rest of the body is drained so the client hears the 413.
    for await (const chunk of body.iterator({ destroyOnReturn: false })) {
      seen += (chunk as Buffer).length;
      if (seen > maxBytes) throw bodyTooLarge(maxBytes);
      yield chunk as Buffer;
    }
  } catch (err) {
    if (err instanceof ClientError) throw err;
    throw new ClientError(`the body ended early, after ${seen} bytes (${(err as Error).message}); nothing was stored, send it again`, 400, 'body_incomplete');
  }
}

/**
 * Lines of UTF-8 text split on \n (a trailing \r is dropped), as the chunks arrive: the complete lines of each chunk
 * together, since a step of an async generator per line costs more than parsing the line.
 */
async function* lines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of chunks) {
    const parts = (rest + decoder.write(chunk)).split('\n');
    rest = parts.pop()!;
    yield parts.map((part) => (part.endsWith('\r') ? part.slice(0, -1) : part));
  }
  rest += decoder.end();
  if (rest) yield [rest];
}

/** A whole body as bytes, with the same size limit and early-end errors as event bodies (for OTLP). */
export async function readBytes(body: Readable, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of limitBytes(body, maxBytes)) parts.push(chunk);
  return Buffer.concat(parts);
}

async function readText(chunks: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

export function bodyTooLarge(maxBytes: number): ClientError {
  return new ClientError(`body is larger than ${maxBytes} bytes; send the events in smaller batches`, 413, 'body_too_large');
}
