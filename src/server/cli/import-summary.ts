import { looksSecret } from '../api-keys';

/** What an import did, and the server's rejection reasons grouped so that a thousand bad rows read as a few lines. */

export interface ImportSummary {
  /** Rows sent to the server. */
  rows: number;
  batches: number;
  accepted: number;
  duplicates: number;
  /** Rows rejected by the server, plus rows that could not be read from the file. */
  rejected: number;
  /** Largest group first. */
  reasons: RejectionReason[];
  /** CSV header columns that fed no event field. */
  ignoredColumns: string[];
  ms: number;
}

export interface RejectedRow {
  /** Line number in the file (1-based). */
  line: number;
  reason: string;
}

export interface RejectionReason {
  reason: string;
  count: number;
  /** The first few line numbers. */
  lines: number[];
  /** A short sample of the value the first rejection quoted (never a secret-looking one). */
  example?: string;
}

/** Longest sample of a rejected value shown. */
const EXAMPLE_CHARS = 24;

const EXAMPLE_LINES = 5;

/**
 * Groups rejections whose messages differ only in the value they quote first (`timestamp: 'x' is not …`)
 * or the parser detail in parentheses (`line is not valid JSON (Unexpected token …)`).
 * `unlisted`: rejections the server counted but did not list (it lists at most 1000 per request).
 */
export function groupRejections(rows: readonly RejectedRow[], unlisted = 0): RejectionReason[] {
  const groups = new Map<string, RejectionReason>();
  for (const row of [...rows].sort((a, b) => a.line - b.line)) {
    const quoted = /(?:^|; )[\w.]+: '([^']*)'/.exec(row.reason)?.[1];
    const reason = row.reason.replace(/(^|; )([\w.]+: )'[^']*'/g, "$1$2'…'").replace(/\s*\([^)]*\)/g, '');
    let group = groups.get(reason);
    if (!group) groups.set(reason, (group = { reason, count: 0, lines: [], ...(quoted === undefined ? {} : { example: sample(quoted) }) }));
    group.count++;
    if (group.lines.length < EXAMPLE_LINES) group.lines.push(row.line);
  }
  if (unlisted > 0)
    groups.set('', { reason: 'reason not listed by the server (it lists the first 1000 per batch; use a smaller --batch-size)', count: unlisted, lines: [] });
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

function sample(value: string): string {
  if (looksSecret(value)) return 'a secret-looking value, not shown';
  return value.length > EXAMPLE_CHARS ? `'${value.slice(0, EXAMPLE_CHARS)}…'` : `'${value}'`;
}
