/** The rows of the detailed CSV export: one per resource per bucket with every metric, as people read them. */
import { DateTime } from 'luxon';
import { DEFAULTS, OTHER_LABEL, formatMicros, metricDefinition, type DimensionId } from '../../shared';
import type { Store } from '../storage/engine';
import { metricValue, moneyMicros } from './metric-values';
import type { NormalisedQuery } from './normalise';
import { trendData } from './trend';

export interface ExportRows {
  /** The split dimension and the column headers, in order. */
  dimension: DimensionId;
  columns: string[];
  /** Rows as the response drains; buckets where a resource had no calls are left out. */
  rows: Iterable<Record<string, unknown>>;
}

export async function exportRows(store: Store, q: NormalisedQuery): Promise<ExportRows> {
  const dimension = q.dimension ?? DEFAULTS.dimension;
  const data = await trendData(store, { ...q, dimension });
  const withId = dimension === 'api_key';
  // Money is written exactly, from the integer micro-unit sums: no binary fraction reaches an accounting sheet.
  const money = new Set(q.metrics.filter((m) => metricDefinition(m).formula.kind === 'money'));
  function* rows(): Generator<Record<string, unknown>> {
    for (let i = 0; i < data.spans.length; i++) {
      const time = DateTime.fromMillis(data.boundaries[i], { zone: q.timezone }).toISO({ suppressMilliseconds: true });
      for (const { key, label } of data.keys) {
        const sums = data.sums.get(key)![i];
        if (sums.requests === 0) continue;
        const row: Record<string, unknown> = { time, [dimension]: key === null ? OTHER_LABEL : label };
        if (withId) row.api_key_id = key ?? '';
        for (const m of q.metrics) {
          row[m] = money.has(m) ? formatMicros(moneyMicros(m, sums)) : roundForPeople(metricValue(m, sums, data.spans[i]), metricDefinition(m).decimals);
        }
        yield row;
      }
    }
  }
  return { dimension, columns: ['time', dimension, ...(withId ? ['api_key_id'] : []), ...q.metrics], rows: rows() };
}

/** A value as a person reads it in a spreadsheet: rounded to the metric's decimals, empty where there is none. */
function roundForPeople(value: number | null, decimals: number): number | '' {
  if (value === null) return '';
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
