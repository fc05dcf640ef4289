/** The query API's request model: one zod schema, the types derived from it, defaults and error wording. */
import { z } from 'zod';
import {
  CALL_ORDER_IDS,
  DIMENSION_IDS,
  GRANULARITY_IDS,
  METRIC_IDS,
  QUERY_TYPE_IDS,
  type CallOrderId,
  type DimensionId,
  type Granularity,
  type MetricId,
  type QueryType,
} from './catalogue';
import { isTimeZone, parseInstant } from './time';

/** Limits every engine honours. */
export const LIMITS = {
  /** Most buckets one trend series may have; more is a 400 naming a coarser granularity. */
  maxBuckets: 50_000,
  /** Largest Top-N. */
  maxLimit: 1000,
  /** Longest movers offset: a year and a day. */
  maxOffsetMs: 366 * 86_400_000,
  /** Most values in one filter list. */
  maxFilterValues: 1000,
  /** Longest filter value, in characters. */
  maxValueLength: 512,
} as const;

/** Defaults applied to every query field that is left out. */
export const DEFAULTS = {
  /** Top-N for rankings and split trends. */
  limit: 10,
  granularity: 'auto' as Granularity,
  /** IANA zone that trend buckets align to. */
  timezone: 'UTC',
  /** Dimension of a ranking that names none. */
  dimension: 'model' as DimensionId,
  /** Used by `auto` granularity when the caller sends no maxDataPoints. */
  maxDataPoints: 1000,
  metrics: {
    totals: ['total_tokens', 'input_tokens', 'output_tokens'],
    ranking: ['total_tokens', 'input_tokens', 'output_tokens'],
    trend: ['total_tokens'],
    movers: ['total_tokens'],
    calls: [],
  } satisfies Record<QueryType, MetricId[]>,
  /** What a `calls` query orders by when it names nothing. */
  callOrder: 'total_tokens' as CallOrderId,
};

const list = (values: readonly string[]) => values.join(', ');
/** A rejected value as quoted back in a message: cut short, so a megabyte sent is not a megabyte returned. */
const echo = (value: unknown) => {
  const text = String(value);
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
};

const metricId = z.string().refine((v): v is MetricId => (METRIC_IDS as readonly string[]).includes(v), {
  error: (issue) => `unknown metric '${echo(issue.input)}'; valid metrics: ${list(METRIC_IDS)}`,
});
const dimensionId = z.string().refine((v): v is DimensionId => (DIMENSION_IDS as readonly string[]).includes(v), {
  error: (issue) => `unknown dimension '${echo(issue.input)}'; valid dimensions: ${list(DIMENSION_IDS)}`,
});
const filterValues = z
  .array(z.string().max(LIMITS.maxValueLength, { error: `a value is longer than ${LIMITS.maxValueLength} characters` }), {
    error: 'must be a list of strings',
  })
  .max(LIMITS.maxFilterValues, { error: `at most ${LIMITS.maxFilterValues} values` });

/** Filters: for each dimension, the values to keep. Absent or empty means all. */
export const filtersSchema = z.strictObject(
  Object.fromEntries(DIMENSION_IDS.map((d) => [d, filterValues.optional()])) as Record<DimensionId, z.ZodOptional<typeof filterValues>>,
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown filter ${issue.keys.map((k) => `'${k}'`).join(', ')}; valid filters: ${list(DIMENSION_IDS)}`
        : 'must be an object such as {"model": ["glm-5"]}',
  },
);
export type Filters = Partial<Record<DimensionId, string[]>>;

const instant = z
  .union([z.number(), z.string()], {
    error: (issue) => (issue.input === undefined ? 'is required: epoch milliseconds or RFC 3339 text' : 'must be epoch milliseconds or RFC 3339 text'),
  })
  .transform((value, ctx) => {
    const parsed = parseInstant(value);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed.ms;
  });

/** Units a movers offset may be written in, e.g. `90m`, `24h`, `7d`, `1w`. */
const OFFSET_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const OFFSET_ADVICE = "must be a duration such as '1h', '1d' or '7d' (minutes m, hours h, days d of 24 hours, weeks w), at most 366d";

/** Milliseconds of an offset text such as `7d`, or null when it is not one. */
export function parseOffset(text: string): number | null {
  const match = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * OFFSET_UNITS_MS[match[2]];
  return ms > 0 && ms <= LIMITS.maxOffsetMs ? ms : null;
}

const offset = z.string({ error: OFFSET_ADVICE }).transform((text, ctx) => {
  const ms = parseOffset(text);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `'${echo(text)}' ${OFFSET_ADVICE}` });
    return z.NEVER;
  }
  return ms;
});

/**
 * The body of `POST /api/v1/query`. Unknown top-level fields are ignored (Grafana adds its own), unknown
 * filter keys, metrics and dimensions are rejected with the list of valid ones.
 */
export const apiQuerySchema = z
  .object({
    /** `totals`, `ranking`, `trend`, `movers` or `calls`. */
    type: z.enum(QUERY_TYPE_IDS as [QueryType, ...QueryType[]], {
      error: (issue) => `${issue.input === undefined ? 'is required' : `unknown query type '${echo(issue.input)}'`}; valid types: ${list(QUERY_TYPE_IDS)}`,
    }),
    /** Range start, inclusive: epoch ms or RFC 3339, e.g. `1767225600000` or `2026-01-01T00:00:00Z`. */
    from: instant,
    /** Range end, exclusive. */
    to: instant,
    /** Metric ids, e.g. `["total_tokens"]`; the first orders a ranking; a movers query compares exactly one. */
    metrics: z
      .array(metricId, { error: 'must be a list of metric ids' })
      .min(1, { error: 'name at least one metric' })
      .max(METRIC_IDS.length * 2)
      .optional(),
    /** `service`, `model`, `api_key` or `model_type`: what a ranking or movers query ranks and a trend splits by. */
    dimension: dimensionId.optional(),
    filters: filtersSchema.optional(),
    /** `auto`, `1m`, `5m`, `1h` or `1d`. */
    granularity: z
      .enum(GRANULARITY_IDS as [Granularity, ...Granularity[]], {
        error: (issue) => `unknown granularity '${echo(issue.input)}'; valid granularities: ${list(GRANULARITY_IDS)}`,
      })
      .optional(),
    /** Top-N (rows of a ranking or movers query, calls of a calls query), 1 to 1000; default 10. */
    limit: z
      .number({ error: 'must be a whole number from 1 to 1000' })
      .int({ error: 'must be a whole number from 1 to 1000' })
      .min(1, { error: 'must be a whole number from 1 to 1000' })
      .max(LIMITS.maxLimit, { error: 'must be a whole number from 1 to 1000' })
      .optional(),
    /** IANA time zone for bucket alignment, e.g. `Europe/Berlin`; default `UTC`. */
    timezone: z
      .string()
      .refine(isTimeZone, { error: (issue) => `unknown time zone '${echo(issue.input)}'; use an IANA name such as 'Europe/Berlin' or 'UTC'` })
      .optional(),
    /** Grafana's suggested interval in ms, used by `auto`. */
    intervalMs: z.number({ error: 'must be a number of milliseconds' }).positive({ error: 'must be positive' }).optional(),
    /** Grafana's maximum number of points, used by `auto`. */
    maxDataPoints: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).positive({ error: 'must be positive' }).optional(),
    /**
     * Movers: how far back the range compared against lies, e.g. `7d` for the same hours a week earlier;
     * default the range's own length (the range just before). Days are 24 hours.
     */
    offset: offset.optional(),
    /** Calls: what the calls are ordered by, largest first; default `total_tokens`. */
    orderBy: z
      .enum(CALL_ORDER_IDS as [CallOrderId, ...CallOrderId[]], {
        error: (issue) => `unknown call order '${echo(issue.input)}'; valid orders: ${list(CALL_ORDER_IDS)}`,
      })
      .optional(),
  })
  .superRefine((q, ctx) => {
    if (q.from >= q.to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    if (q.type === 'movers' && (q.metrics?.length ?? 0) > 1) {
      ctx.addIssue({ code: 'custom', path: ['metrics'], message: `a movers query compares one metric; name one, not ${q.metrics!.length}` });
    }
  });

export type ApiQueryInput = z.input<typeof apiQuerySchema>;
/** A validated query: instants resolved to epoch ms; optional fields still optional (see `withDefaults`). */
export type ApiQuery = z.output<typeof apiQuerySchema>;

/** A validated query with every default filled in. */
export interface ResolvedApiQuery {
  type: QueryType;
  from: number;
  to: number;
  metrics: MetricId[];
  /** Always set for rankings and movers (default `model`); for trends, set only when the series are split by it. */
  dimension?: DimensionId;
  filters: Filters;
  granularity: Granularity;
  limit: number;
  timezone: string;
  intervalMs?: number;
  maxDataPoints: number;
  /** Movers: the offset in ms when the query names one; otherwise the range's length applies. */
  offsetMs?: number;
  /** Calls: the order of the calls. */
  orderBy: CallOrderId;
}

/** Fills in the defaults of a validated query. */
export function withDefaults(q: ApiQuery): ResolvedApiQuery {
  const filters: Filters = {};
  for (const d of DIMENSION_IDS) {
    const values = q.filters?.[d];
    if (values && values.length > 0) filters[d] = [...new Set(values)];
  }
  return {
    type: q.type,
    from: q.from,
    to: q.to,
    metrics: (q.metrics ?? DEFAULTS.metrics[q.type]) as MetricId[],
    dimension: q.dimension ?? (q.type === 'ranking' || q.type === 'movers' ? DEFAULTS.dimension : undefined),
    filters,
    granularity: q.granularity ?? DEFAULTS.granularity,
    limit: q.limit ?? DEFAULTS.limit,
    timezone: q.timezone ?? DEFAULTS.timezone,
    intervalMs: q.intervalMs,
    maxDataPoints: q.maxDataPoints ?? DEFAULTS.maxDataPoints,
    ...(q.offset !== undefined ? { offsetMs: q.offset } : {}),
    orderBy: q.orderBy ?? DEFAULTS.callOrder,
  };
}

/** Validates and resolves a query: the resolved query, or one message per problem, each `field: reason`. */
export function parseApiQuery(input: unknown): { ok: true; query: ResolvedApiQuery } | { ok: false; errors: string[] } {
  const parsed = apiQuerySchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error.issues) };
  return { ok: true, query: withDefaults(parsed.data) };
}

/** `field: reason` for each zod issue, with paths like `metrics[0]` or `filters.service`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = formatPath(issue.path);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}
