/**
 * Token scopes: the values of each dimension a token may see or write. An entry is a value, or a simple pattern
 * in which `*` stands for any run of characters (`team-a-*`); the one definition of matching for every layer.
 */
import { DIMENSION_IDS, type DimensionId } from './catalogue';

/** Allowed entries per dimension; a dimension left out is not restricted. A listed dimension with no entries allows nothing. */
export type Scope = Partial<Record<DimensionId, readonly string[]>>;

/** True when the entry is a pattern (contains `*`) rather than one value. */
export const isPattern = (entry: string): boolean => entry.includes('*');

/**
 * The pattern as an anchored regular expression source that RE2 (DuckDB, ClickHouse) and JavaScript read the
 * same way: every ASCII character that is not a letter or digit is escaped, `*` becomes `.*`.
 */
export function patternSource(pattern: string): string {
  const escape = (part: string) => part.replace(/[\x20-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/g, '\\$&');
  return `^${pattern.split('*').map(escape).join('.*')}$`;
}

const compiled = new Map<string, RegExp>();

/** True when `value` is the entry, or matches it as a pattern. */
export function entryMatches(entry: string, value: string): boolean {
  if (!isPattern(entry)) return entry === value;
  let re = compiled.get(entry);
  if (!re) {
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(entry, (re = new RegExp(patternSource(entry))));
  }
  return re.test(value);
}

/** True when the scope allows `value` for `dimension`. */
export function scopeAllows(scope: Scope, dimension: DimensionId, value: string): boolean {
  const entries = scope[dimension];
  return entries === undefined || entries.some((e) => entryMatches(e, value));
}

/** The first dimension whose value the scope does not allow, or null when it allows them all. */
export function scopeViolation(scope: Scope, values: Record<DimensionId, string>): DimensionId | null {
  return DIMENSION_IDS.find((d) => !scopeAllows(scope, d, values[d])) ?? null;
}
