/**
 * Turns a provider's own usage object into Tokenscope's token counts by a mapping table (data, one per
 * provider): input includes cache reads and writes, reasoning is part of output. Anything that does not fit
 * the table exactly is an error naming the field, never a guess.
 */

import { maskSecrets } from '../../api-keys';

/** Tokenscope's counts, as the mapping tables name them. */
export type TokenCount = 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'reasoning';

/**
 * A sum of provider fields, as dot paths into the usage object. A field with a trailing `?` may be absent
 * (or null) and then counts 0; every other field of the sum must be present for the sum to apply.
 */
export type FieldSum = readonly string[];

/** One shape of usage object a provider returns (e.g. OpenAI's Chat Completions or its Responses API). */
export interface UsageShape {
  /** What a person calls it, for error messages. */
  name: string;
  /** A field only this shape of the provider's usage has; it tells the shapes apart. */
  identifiedBy: string;
  /**
   * How each count is computed: one or more sums of the same quantity. The first sum whose fields are all
   * present is used, and every other present sum must agree with it. A count with no entry is 0. The first
   * sums of `input` and `output` are required.
   */
  counts: Partial<Record<TokenCount, readonly FieldSum[]>>;
  /** A field that, when present, must equal input + output. */
  total?: string;
}

/** Everything Tokenscope knows about one provider's usage objects. */
export interface ProviderMapping {
  /** The id clients send as `provider`. */
  id: string;
  /** The provider's name, for error messages. */
  name: string;
  shapes: readonly UsageShape[];
}

/** The counts of a usage event, named as its fields. */
export interface NormalisedTokens {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
}

type Result = { tokens: NormalisedTokens } | { error: string };

const COUNTS: readonly TokenCount[] = ['input', 'output', 'cacheRead', 'cacheWrite', 'reasoning'];

/** The normalised counts of `usage` by `mapping`, or the reason it does not fit (fields prefixed `usage.`). */
export function normaliseUsage(mapping: ProviderMapping, usage: unknown): Result {
  if (typeof usage !== 'object' || usage === null || Array.isArray(usage)) {
    return { error: `usage: must be the ${mapping.name} usage object as its API returned it` };
  }
  const matching = mapping.shapes.filter((s) => present(read(usage, s.identifiedBy)));
  if (matching.length === 0) {
    const expected = mapping.shapes.map((s) => `${s.identifiedBy} (${s.name})`).join(' or ');
    return { error: `usage: does not fit ${mapping.name} usage: expected ${expected}` };
  }
  if (matching.length > 1) {
    return {
      error: `usage: has ${matching.map((s) => s.identifiedBy).join(' and ')}, which ${mapping.name} never sends together; send one usage object as returned`,
    };
  }
  return normaliseShape(matching[0], usage);
}

function normaliseShape(shape: UsageShape, usage: object): Result {
  const counts = {} as Record<TokenCount, number>;
  const usedFields = {} as Record<TokenCount, string>;
  for (const count of COUNTS) {
    const sums = shape.counts[count] ?? [];
    let chosen: { value: number; fields: string } | null = null;
    for (const [i, sum] of sums.entries()) {
      const value = sumFields(usage, sum, shape.name, i === 0 && (count === 'input' || count === 'output'));
      if (typeof value === 'string') return { error: value };
      if (value === null) continue;
      const fields = describe(sum);
      if (chosen === null) chosen = { value, fields };
      else if (value !== chosen.value)
        return { error: `usage.${sum[0].replace('?', '')}: ${fields} = ${value} disagrees with ${chosen.fields} = ${chosen.value}` };
    }
    counts[count] = chosen?.value ?? 0;
    usedFields[count] = chosen?.fields ?? '';
  }
  if (counts.cacheRead + counts.cacheWrite > counts.input) {
    return {
      error: `usage: cache tokens (${describeCache(usedFields)} = ${counts.cacheRead + counts.cacheWrite}) exceed the prompt (${usedFields.input} = ${counts.input}); cached tokens are part of the prompt`,
    };
  }
  if (counts.reasoning > counts.output) {
    return {
      error: `usage: reasoning tokens (${usedFields.reasoning} = ${counts.reasoning}) exceed the output (${usedFields.output} = ${counts.output}); reasoning is part of the output`,
    };
  }
  if (shape.total) {
    const total = read(usage, shape.total);
    if (present(total)) {
      if (!isCount(total)) return { error: `usage.${shape.total}: must be an integer >= 0` };
      const sum = counts.input + counts.output;
      if (total !== sum)
        return {
          error: `usage.${shape.total}: ${total} is not input + output = ${sum} (${usedFields.input} + ${usedFields.output}); the usage object does not fit ${shape.name}`,
        };
    }
  }
  return {
    tokens: {
      input_tokens: counts.input,
      output_tokens: counts.output,
      cache_read_tokens: counts.cacheRead,
      cache_write_tokens: counts.cacheWrite,
      reasoning_tokens: counts.reasoning,
    },
  };
}

/** The sum, null when a field it needs is absent (an error when `required`), or an error for a bad value. */
function sumFields(usage: object, sum: FieldSum, shapeName: string, required: boolean): number | null | string {
  let total = 0;
  for (const field of sum) {
    const optional = field.endsWith('?');
    const path = optional ? field.slice(0, -1) : field;
    const value = read(usage, path);
    if (!present(value)) {
      if (optional) continue;
      return required ? `usage.${path}: is required in ${shapeName} usage` : null;
    }
    if (!isCount(value)) return `usage.${path}: must be an integer >= 0, not ${kind(value)}`;
    total += value;
  }
  if (!Number.isSafeInteger(total)) return `usage: ${describe(sum)} is larger than ${Number.MAX_SAFE_INTEGER}`;
  return total;
}

/** The value at a dot path, or undefined; only plain objects are walked, so nesting depth costs nothing. */
function read(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const present = (v: unknown) => v !== undefined && v !== null;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const describe = (sum: FieldSum) => sum.map((f) => f.replace('?', '')).join(' + ');
const describeCache = (fields: Record<TokenCount, string>) => [fields.cacheRead, fields.cacheWrite].filter(Boolean).join(' + ');

function kind(v: unknown): string {
  if (typeof v === 'string') return `the string ${maskSecrets(JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v))}`;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
