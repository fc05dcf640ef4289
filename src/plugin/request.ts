/**
 * From a panel query to the backend's request body: migration, template variables, ad-hoc filters, the time
 * range and zone, then validation with the shared schema so a bad field is named before anything is sent.
 */
import type { AdHocVariableFilter, ScopedVars } from '@grafana/data';
import { DIMENSION_IDS, parseApiQuery, toApiQuery, type ApiQueryInput, type DimensionId, type Filters, type MetricId, type SavedQuery } from '../shared';
import { interpolateList, interpolateValue, selectsAll, type TemplateReplacer } from './interpolate';
import { adhocFilterValues } from './adhoc-filters';
import { LABELS } from './labels';
import { migrateQuery } from './migrations';
import type { TokenscopeQuery } from './types';

/** What Grafana's request adds to each query. */
export interface RequestContext {
  /** Epoch ms, start inclusive, end exclusive. */
  from: number;
  to: number;
  /** Grafana's time zone setting: an IANA name, `utc`, `browser` or empty (the default, the browser's). */
  timezone?: string;
  intervalMs?: number;
  maxDataPoints?: number;
  scopedVars?: ScopedVars;
  /** Ad-hoc filters of the dashboard. */
  adhocFilters?: AdHocVariableFilter[];
}

/** A built request, or the reason it cannot be sent. `matchesNothing` when filters exclude every value. */
export type BuiltRequest = { ok: true; body: ApiQueryInput; metrics: MetricId[]; matchesNothing: boolean } | { ok: false; error: string };

/** Grafana's zone setting as an IANA zone, so day and hour buckets line up with the times the user sees. */
export function resolveTimeZone(zone: string | undefined): string {
  if (!zone || zone === 'browser' || zone === 'default') return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  if (zone.toLowerCase() === 'utc') return 'UTC';
  return zone;
}

/**
 * The saved query with every template variable resolved and the ad-hoc filters applied. A filter whose
 * variable is set to All is removed (no filter); filters that exclude everything are reported, not sent, since
 * an empty list means "all" to the backend. Throws an Error naming the field for a value that cannot be used.
 */
export function interpolateQuery(
  query: TokenscopeQuery,
  templateSrv: TemplateReplacer,
  scopedVars?: ScopedVars,
  adhocFilters: AdHocVariableFilter[] = [],
): { query: TokenscopeQuery; matchesNothing: boolean } {
  const saved = migrateQuery(query);
  const filters: Filters = {};
  let matchesNothing = false;
  const keep = (dimension: DimensionId, values: string[]) => {
    const previous = filters[dimension];
    const merged = previous ? previous.filter((v) => values.includes(v)) : values;
    if (merged.length === 0) matchesNothing = true;
    filters[dimension] = merged;
  };
  for (const [dimension, entries] of Object.entries(saved.filters ?? {}) as [DimensionId, string[] | undefined][]) {
    if (!entries || entries.length === 0 || selectsAll(templateSrv, entries, scopedVars)) continue;
    const values = interpolateList(templateSrv, entries, scopedVars);
    if (values.length > 0) keep(dimension, values);
  }
  for (const filter of adhocFilters) keep(...adhocFilter(filter, templateSrv, scopedVars));

  const limit = typeof saved.limit === 'string' ? interpolateValue(templateSrv, saved.limit, scopedVars, 'limit') : saved.limit;
  return {
    matchesNothing,
    query: {
      ...saved,
      metrics: interpolateList(templateSrv, saved.metrics, scopedVars),
      dimension: saved.dimension ? interpolateValue(templateSrv, saved.dimension, scopedVars, 'dimension') : saved.dimension,
      granularity: saved.granularity ? interpolateValue(templateSrv, saved.granularity, scopedVars, 'granularity') : saved.granularity,
      limit,
      filters,
      ...(saved.offset ? { offset: interpolateValue(templateSrv, saved.offset, scopedVars, 'offset') } : {}),
      ...(saved.orderBy ? { orderBy: interpolateValue(templateSrv, saved.orderBy, scopedVars, 'orderBy') } : {}),
    },
  };
}

/** The request body for one panel query, validated against the shared API schema. */
export function buildRequest(query: TokenscopeQuery, context: RequestContext, templateSrv: TemplateReplacer): BuiltRequest {
  let interpolated: { query: SavedQuery; matchesNothing: boolean };
  try {
    interpolated = interpolateQuery(query, templateSrv, context.scopedVars, context.adhocFilters);
  } catch (error) {
    return { ok: false, error: LABELS.errors.query(query.refId, (error as Error).message) };
  }
  const body = toApiQuery(interpolated.query, {
    from: context.from,
    to: context.to,
    timezone: resolveTimeZone(context.timezone),
    intervalMs: context.intervalMs,
    maxDataPoints: context.maxDataPoints,
  });
  const parsed = parseApiQuery(body);
  if (!parsed.ok) return { ok: false, error: LABELS.errors.query(query.refId, parsed.errors.join('; ')) };
  return { ok: true, body, metrics: parsed.query.metrics, matchesNothing: interpolated.matchesNothing };
}

function adhocFilter(filter: AdHocVariableFilter, templateSrv: TemplateReplacer, scopedVars?: ScopedVars): [DimensionId, string[]] {
  if (!(DIMENSION_IDS as readonly string[]).includes(filter.key)) throw new Error(LABELS.errors.adhocKey(filter.key, DIMENSION_IDS.join(', ')));
  const values = adhocFilterValues(filter);
  if (values === null) throw new Error(LABELS.errors.adhocOperator(filter.operator));
  return [filter.key as DimensionId, interpolateList(templateSrv, values, scopedVars)];
}
