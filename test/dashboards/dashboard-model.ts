/**
 * Reading the committed dashboard JSON the way Grafana would: its panels, variables and their defaults, the
 * variables a text references, and panel targets interpolated with chosen variable values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dashboard, Panel, VariableModel } from '@grafana/schema';
import type { SavedQuery } from '../../src/shared';
import { DASHBOARDS } from '../../dashboards/src/dashboards';

export const REPO = join(import.meta.dirname, '..', '..');
export const DASHBOARD_DIR = join(REPO, 'dashboards');

/** Every committed dashboard file, parsed. */
export function committedDashboards(): Array<{ file: string; text: string; dashboard: Dashboard }> {
  return DASHBOARDS.map(({ file }) => {
    const text = readFileSync(join(DASHBOARD_DIR, file), 'utf8');
    return { file, text, dashboard: JSON.parse(text) as Dashboard };
  });
}

export function panelsOf(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((p) => (p.type === 'row' ? ((p as { panels?: Panel[] }).panels ?? []) : [p as Panel]));
}

export function variablesOf(dashboard: Dashboard): VariableModel[] {
  return dashboard.templating?.list ?? [];
}

export function targetsOf(panel: Panel): SavedQuery[] {
  return (panel.targets ?? []) as unknown as SavedQuery[];
}

/** Grafana's variable syntax: `$var`, `[[var]]`, `[[var:fmt]]`, `${var}`, `${var.field}`, `${var:fmt}`. */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Grafana's built-in variables that panel links and queries may use without defining them. */
export const GLOBAL_VARIABLES = new Set(['__from', '__to', '__timezone', '__interval', '__interval_ms', '__range', '__dashboard', '__org', '__user', '__all']);

/** Names of every variable referenced anywhere inside `value` (strings of any depth). */
export function referencedVariables(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(VARIABLE)].map((m) => m[1] ?? m[2] ?? m[4]);
  if (Array.isArray(value)) return value.flatMap(referencedVariables);
  if (value && typeof value === 'object') return Object.values(value).flatMap(referencedVariables);
  return [];
}

/** A variable's value as Grafana keeps it: one string, or a list for a multi-value variable. */
export type VariableValue = string | string[];

/** The values a freshly opened dashboard starts with (each variable's `current`). */
export function defaultValues(dashboard: Dashboard): Map<string, VariableValue> {
  return new Map(variablesOf(dashboard).map((v) => [v.name, v.current?.value ?? '']));
}

/** The choices of a fixed-list (`custom`) variable. */
export function customChoices(variable: VariableModel): string[] {
  return (variable.options ?? []).map((o) => String(o.value));
}

/**
 * A saved query with variables replaced the way the plugin documents it: a scalar field takes the one value;
 * a filter entry that is a multi-value variable becomes one entry per value, and All drops the filter.
 */
export function interpolateQuery(query: SavedQuery, values: Map<string, VariableValue>): SavedQuery {
  const valueOf = (name: string): VariableValue => {
    const value = values.get(name);
    if (value === undefined) throw new Error(`variable ${name} is not defined`);
    return value;
  };
  const scalar = (text: string) =>
    text.replace(VARIABLE, (_m, a?: string, b?: string, _f?: string, c?: string) => {
      const value = valueOf((a ?? b ?? c)!);
      if (Array.isArray(value)) throw new Error(`multi-value variable in a single-value field: ${text}`);
      return value;
    });
  const filters: Record<string, string[]> = {};
  for (const [dimension, entries] of Object.entries(query.filters ?? {})) {
    const out: string[] = [];
    let all = false;
    for (const entry of entries ?? []) {
      const names = referencedVariables(entry);
      if (names.length === 0) out.push(entry);
      else if (names.length === 1 && entry.match(VARIABLE)?.[0] === entry) {
        const value = valueOf(names[0]);
        const list = Array.isArray(value) ? value : [value];
        if (list.includes('$__all')) all = true;
        else out.push(...list);
      } else out.push(scalar(entry));
    }
    if (!all) filters[dimension] = out;
  }
  return {
    ...query,
    metrics: query.metrics.map(scalar),
    ...(query.dimension !== undefined ? { dimension: scalar(query.dimension) } : {}),
    ...(query.granularity !== undefined ? { granularity: scalar(query.granularity) } : {}),
    ...(typeof query.limit === 'string' ? { limit: scalar(query.limit) } : {}),
    filters,
  };
}
