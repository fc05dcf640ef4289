/** What DuckDB's error messages mean for the store: a full or unwritable disk, or a database it gave up on. */

/** DuckDB's words for a commit that is durable in the log although the checkpoint after it failed. */
const DURABLE_COMMIT = /COMMIT succeeded and is durable/;
/** After a failed checkpoint DuckDB refuses every statement until the database is opened again. */
const INVALIDATED = /database has been invalidated|Reopen the database instance/;

/** Later statements on an invalidated database fail with this, without running. */
const ALREADY_INVALIDATED = /database has been invalidated because of a previous fatal error/;

/** The error's message and those of its causes. */
const message = (err: unknown): string => (err instanceof Error ? `${err.message}${err.cause ? `\n${message(err.cause)}` : ''}` : String(err));

/** True when a COMMIT failed only in the checkpoint after it: the transaction itself is stored. */
export function isDurableCommit(err: unknown): boolean {
  return DURABLE_COMMIT.test(message(err));
}

/** True when DuckDB has invalidated the database: it must be closed and opened again to serve anything. */
export function isInvalidated(err: unknown): boolean {
  return INVALIDATED.test(message(err));
}

/** True when the call failed on a database DuckDB had given up on before it: the call itself did nothing. */
export function wasRefusedAsInvalidated(err: unknown): boolean {
  return ALREADY_INVALIDATED.test(message(err));
}

/** A failed write in words for the client: what is wrong with the disk, then DuckDB's own message. */
export function writeProblem(err: unknown): string {
  const text = message(err);
  if (/No space left on device|Disk quota exceeded/i.test(text)) return `the disk holding the database is full (${text})`;
  if (/Read-only file system|Permission denied|Operation not permitted/i.test(text)) return `the database folder is not writable (${text})`;
  return text;
}
