/**
 * The one place where values become ClickHouse SQL text. ClickHouse 18.16 has no server-side query
 * parameters, so every string, number and name that goes into a statement passes through these functions.
 */

/** A UTF-16 surrogate without its partner: it has no UTF-8 form, so it cannot reach the server unchanged. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Characters written as escapes: the quote, the escape character, and every ASCII control character. */
const NEEDS_ESCAPE = /[\\'`\u0000-\u001f\u007f]/g;
const MAX_UINT64 = 2n ** 64n - 1n;

function escapeChar(c: string): string {
  if (c === '\\' || c === "'" || c === '`') return `\\${c}`;
  // \xHH works in every ClickHouse version, and keeps NUL, newlines and the like out of the statement text.
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

function escape(value: string, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string, got ${typeof value}`);
  if (LONE_SURROGATE.test(value)) throw new Error(`${what} is not well-formed Unicode (it has a lone surrogate)`);
  return value.replace(NEEDS_ESCAPE, escapeChar);
}

/** A string literal: `'it\'s'`. Any well-formed string, of any length, reads back unchanged. */
export function quoteString(value: string): string {
  return `'${escape(value, 'a string value')}'`;
}

/** A quoted identifier (database, table or column name): `` `my db` ``. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new Error('an identifier must not be empty');
  return `\`${escape(name, 'an identifier')}\``;
}

/** A signed integer literal; refuses anything that is not a safe integer. */
export function quoteInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not a safe integer: ${value}`);
  return String(value);
}

/** An unsigned 64-bit literal, from a bigint or its decimal digits. */
export function quoteUInt64(value: bigint | string): string {
  const n = typeof value === 'bigint' ? value : /^\d{1,20}$/.test(value) ? BigInt(value) : -1n;
  if (n < 0n || n > MAX_UINT64) throw new Error(`not an unsigned 64-bit integer: ${String(value)}`);
  return n.toString();
}

/** `(a, b, c)` for an IN list; the list must not be empty (`x IN ()` is not SQL). */
export function quoteList<T>(values: readonly T[], quote: (v: T) => string): string {
  if (values.length === 0) throw new Error('an IN list must not be empty');
  return `(${values.map(quote).join(', ')})`;
}
