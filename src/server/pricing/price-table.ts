/**
 * The price table: a YAML file of effective-dated prices per million tokens, read and checked once at start.
 * Every price is turned into an exact fraction of micro-units of the reporting currency per token, so an
 * error (a bad value, an unknown field, a currency without a rate) stops the start with the file's line.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { formatIssues, parseInstant } from '../../shared';
import { multiply, parseDecimal, type Fraction } from './decimal';

/** The price table shipped with Tokenscope, used when TOKENSCOPE_PRICES is not set. */
export const DEFAULT_PRICES_FILE = new URL('./default-prices.yaml', import.meta.url).pathname;

/** One price, resolved: every rate is micro-units of the reporting currency per token. */
export interface Price {
  /** The file's line where the entry starts, for messages. */
  line: number;
  /** Only events of this service (an override), or null for every service. */
  service: string | null;
  /** The exact model id, or null for a pattern entry. */
  model: string | null;
  /** A glob (`*` any run of characters, `?` one character) matched against the whole model id, or null. */
  pattern: string | null;
  /** Epoch ms from which the price applies; 0 when the entry gives no date. */
  from: number;
  /** The entry's own currency (already converted into the reporting currency below). */
  currency: string;
  /** Uncached input tokens. */
  input: Fraction;
  cacheRead: Fraction;
  cacheWrite: Fraction;
  /** Output tokens that are not reasoning tokens. */
  output: Fraction;
  /** Reasoning tokens (part of output); the output price unless the entry names one. */
  reasoning: Fraction;
}

export interface PriceTable {
  /** The reporting currency every price was converted into. */
  currency: string;
  /** Where the table was read from. */
  file: string;
  prices: readonly Price[];
}

/** Units of the reporting currency per unit of another currency, by ISO 4217 code. */
export type CurrencyRates = ReadonlyMap<string, Fraction>;

const CURRENCY = /^[A-Z]{3}$/;
const currency = z.string().regex(CURRENCY, { error: 'must be a three-letter currency code such as USD' });
const required = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : what);
/** A strict mapping's error: an unknown field is named (a typo such as `ouput` must not pass unnoticed). */
const mapping = (what: string) => (issue: { code?: string; keys?: string[]; input?: unknown }) =>
  issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys!.map((k) => `'${k}'`).join(', ')}` : issue.input === undefined ? 'is required' : what;
const amount = z.union([z.number(), z.string()], { error: required('must be a decimal number >= 0') }).transform((value, ctx) => {
  const parsed = parseDecimal(value);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});
const text = z.string({ error: required('must be text') }).min(1, { error: 'must not be empty' });
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const instant = z.union([z.string(), z.number()], { error: 'must be a date (YYYY-MM-DD, UTC) or an RFC 3339 time' }).transform((value, ctx) => {
  const parsed = parseInstant(typeof value === 'string' && DAY.test(value) ? `${value}T00:00:00Z` : value);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.ms;
});

const entrySchema = z
  .strictObject(
    {
      /** Exact model id. */
      model: text.optional(),
      /** Glob over the model id. */
      pattern: text.optional(),
      /** Only for this service. */
      service: text.optional(),
      /** Applies from this date (UTC midnight) or instant; absent: from the beginning. */
      from: instant.optional(),
      /** ISO 4217 code; default the file's `currency`, else USD. */
      currency: currency.optional(),
      /** Per 1M uncached input tokens. */
      input: amount,
      /** Per 1M input tokens read from the prompt cache; default the input price. */
      cache_read: amount.optional(),
      /** Per 1M input tokens written to the prompt cache; default the input price. */
      cache_write: amount.optional(),
      /** Per 1M output tokens. */
      output: amount,
      /** Per 1M reasoning tokens; default the output price (reasoning is billed as output). */
      reasoning: amount.optional(),
      /** Where the price was read (a URL). */
      source: text,
      /** The date it was read there. */
      read: z.string({ error: required('must be a date YYYY-MM-DD') }).regex(DAY, { error: 'must be a date YYYY-MM-DD' }),
      /** Anything a reader should know, e.g. that the price could not be confirmed on the provider's page. */
      note: text.optional(),
    },
    { error: mapping('must be a mapping with model or pattern, input, output, source and read') },
  )
  .superRefine((e, ctx) => {
    if ((e.model === undefined) === (e.pattern === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of model and pattern' });
  });

const fileSchema = z.strictObject(
  {
    /** Currency of entries that name none; default USD. */
    currency: currency.optional(),
    prices: z.array(entrySchema, { error: required('must be a list of price entries') }),
  },
  { error: mapping('must be a mapping with a prices list') },
);

/** Parses `TOKENSCOPE_CURRENCY_RATES`: `CNY=0.1385,EUR=1.08` (one unit of each in the reporting currency). */
export function parseCurrencyRates(value: string | undefined): Map<string, Fraction> | string {
  const rates = new Map<string, Fraction>();
  for (const part of (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [code, rate, ...rest] = part.split('=').map((s) => s.trim());
    if (!CURRENCY.test(code ?? '') || rate === undefined || rest.length) return `'${part}' is not CODE=rate, e.g. CNY=0.1385`;
    const parsed = parseDecimal(rate);
    if (typeof parsed === 'string') return `${code}: ${parsed}`;
    if (parsed.num === 0n) return `${code}: must be greater than 0`;
    rates.set(code, parsed);
  }
  return rates;
}

/** Reads and checks a price table file; throws an Error naming the file and line of each problem. */
export function loadPriceTable(file: string, reportingCurrency: string, rates: CurrencyRates): PriceTable {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the price table ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parsePriceTable(source, file, reportingCurrency, rates);
}

/** Checks a price table's text; throws an Error whose lines each name `file line N` and the field. */
export function parsePriceTable(source: string, file: string, reportingCurrency: string, rates: CurrencyRates): PriceTable {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false });
  const lineOf = (offset: number) => lines.linePos(offset).line;
  if (doc.errors.length) {
    throw tableError(
      file,
      doc.errors.map((e) => `line ${lineOf(e.pos[0])}: ${e.message.split('\n')[0]}`),
    );
  }
  const parsed = fileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    throw tableError(
      file,
      parsed.error.issues.map((issue) => `line ${lineOf(nodeOffset(doc, issue.path))}: ${formatIssues([issue])[0]}`),
    );
  }
  const fileCurrency = parsed.data.currency ?? 'USD';
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const prices = parsed.data.prices.map((e, i): Price => {
    const line = lineOf(nodeOffset(doc, ['prices', i]));
    const entryCurrency = e.currency ?? fileCurrency;
    const what = e.model !== undefined ? `model ${e.model}` : `pattern ${e.pattern}`;
    const rate = entryCurrency === reportingCurrency ? { num: 1n, den: 1n } : rates.get(entryCurrency);
    if (!rate) {
      problems.push(
        `line ${line} (prices[${i}], ${what}): its currency ${entryCurrency} has no rate to the reporting currency ${reportingCurrency}; add ${entryCurrency}=<value of 1 ${entryCurrency} in ${reportingCurrency}> to TOKENSCOPE_CURRENCY_RATES`,
      );
    }
    const key = `${e.service ?? ''}\u0000${e.model ?? ''}\u0000${e.pattern ?? ''}\u0000${e.from ?? 0}`;
    const earlier = seen.get(key);
    if (earlier !== undefined)
      problems.push(`line ${line} (prices[${i}], ${what}): repeats the entry of line ${earlier} (same model or pattern, service and from)`);
    else seen.set(key, line);
    const convert = (f: Fraction) => multiply(f, rate ?? { num: 1n, den: 1n });
    const input = convert(e.input);
    const output = convert(e.output);
    return {
      line,
      service: e.service ?? null,
      model: e.model ?? null,
      pattern: e.pattern ?? null,
      from: e.from ?? 0,
      currency: entryCurrency,
      input,
      cacheRead: e.cache_read ? convert(e.cache_read) : input,
      cacheWrite: e.cache_write ? convert(e.cache_write) : input,
      output,
      // The same object when the entry names no reasoning price: pricing then bills reasoning as output in one step.
      reasoning: e.reasoning ? convert(e.reasoning) : output,
    };
  });
  if (problems.length) throw tableError(file, problems);
  return { currency: reportingCurrency, file, prices };
}

/** Most problems listed; a table in the wrong currency would otherwise print one line per entry. */
const PROBLEMS_LISTED = 20;

function tableError(file: string, problems: readonly string[]): Error {
  const listed = problems.slice(0, PROBLEMS_LISTED);
  if (problems.length > PROBLEMS_LISTED) listed.push(`… and ${problems.length - PROBLEMS_LISTED} more`);
  return new Error(`invalid price table ${file}:\n  ${listed.join('\n  ')}`);
}

/** Where the value at `path` starts; for a missing key, where its nearest present parent starts. */
function nodeOffset(doc: Document, path: readonly PropertyKey[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as (string | number)[], true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return range[0];
  }
  return 0;
}
