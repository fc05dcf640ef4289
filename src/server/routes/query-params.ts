/**
 * Query parameters of the GET routes (export, dimension values) as a query body: `from`, `to`, `metrics`,
 * `dimension`, `granularity`, `limit`, `timezone`, and filters as `service=a&service=b` (or `service=a,b`),
 * or exactly as JSON in `filters={"service":["a,b"]}` for values that contain commas.
 */
import { DIMENSION_IDS, type ApiQueryInput, type QueryType } from '../../shared';
import { ClientError } from '../errors';

export type QueryParams = Record<string, string | string[] | undefined>;

const last = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);
const listOf = (v: string | string[] | undefined) =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
const numberOrText = (v: string | undefined) => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : v);

export function queryFromParams(params: QueryParams, type: QueryType, fallback: Partial<ApiQueryInput> = {}): Record<string, unknown> {
  const filters: Record<string, string[]> = {};
  const json = last(params.filters);
  if (json !== undefined) {
    try {
      Object.assign(filters, JSON.parse(json));
    } catch {
      throw new ClientError('filters: must be JSON such as {"model":["glm-5"]}', 400, 'invalid_query');
    }
  }
  for (const d of DIMENSION_IDS) {
    const values = listOf(params[d]);
    if (values.length) filters[d] = [...(filters[d] ?? []), ...values];
  }
  const query: Record<string, unknown> = { ...fallback, type, filters };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) query[key] = value;
  };
  set('from', numberOrText(last(params.from)));
  set('to', numberOrText(last(params.to)));
  const metrics = listOf(params.metrics);
  if (metrics.length) query.metrics = metrics;
  set('dimension', last(params.dimension));
  set('granularity', last(params.granularity));
  set('limit', numberOrText(last(params.limit)));
  set('timezone', last(params.timezone));
  return query;
}
