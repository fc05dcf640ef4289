/** Terminal output for the CLI: numbers with thousands separators, aligned tables, sparklines, instants in a zone. */
import { DateTime } from 'luxon';
import { metricDefinition, type MetricId } from '../../shared';

const NUMBER_FORMATS = new Map<number, Intl.NumberFormat>();

/** `1234567.891` with 1 decimal → `1,234,567.9`. */
export function formatNumber(value: number, decimals = 0): string {
  let format = NUMBER_FORMATS.get(decimals);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    NUMBER_FORMATS.set(decimals, format);
  }
  return format.format(value);
}

/** A column heading: the metric's name, with the currency for money (`Cost (USD)`). */
export function metricHeader(metric: MetricId, currency: string | undefined): string {
  const def = metricDefinition(metric);
  return def.unit === 'currency' && currency ? `${def.name} (${currency})` : def.name;
}

/** Decimals shown for a metric, from the catalogue: token and request counts are whole, rates are not. */
export function metricDecimals(metric: MetricId): number {
  return metricDefinition(metric).decimals;
}

/** A metric value for a table cell; `–` where the metric has no value. */
export function formatMetric(metric: MetricId, value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : formatNumber(value, metricDecimals(metric));
}

/** 0.4123 → `41.2%`. */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Epoch ms as `2026-11-28 14:05` in an IANA zone. */
export function formatInstant(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-LL-dd HH:mm');
}

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** Columns padded to their widest cell, a rule under the header; a row of `null` draws a rule. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[] | null)[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r ? r[i].length : 0))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(columns.map((c) => c.header)), rule, ...rows.map((r) => (r ? line(r) : rule))].join('\n');
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * One character per value, scaled between the smallest and largest value (a blank where there is no value).
 * More values than `width` are averaged in groups so the line fits.
 */
export function sparkline(values: readonly (number | null)[], width = 60): string {
  const groups = Math.min(width, values.length);
  const points: (number | null)[] = [];
  for (let g = 0; g < groups; g++) {
    const part = values.slice(Math.floor((g * values.length) / groups), Math.floor(((g + 1) * values.length) / groups)).filter((v): v is number => v !== null);
    points.push(part.length ? part.reduce((a, b) => a + b, 0) / part.length : null);
  }
  const present = points.filter((v): v is number => v !== null);
  const lo = Math.min(...present);
  const hi = Math.max(...present);
  return points
    .map((v) => (v === null ? ' ' : BARS[hi === lo ? (hi > 0 ? BARS.length - 1 : 0) : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))]))
    .join('');
}
