/**
 * Grafana's TemplateSrv as the plugin sees it, for tests (the real one lives in Grafana's app, not in a
 * package). It follows public/app/features/templating/template_srv.ts: `$var`, `${var}`, `${var:fmt}` and
 * `[[var]]`; scopedVars win; a multi-value variable hands its array to a format function; All without a custom
 * all value means every option's value, with one the custom text is returned unformatted; `${var:text}` is the
 * selection's display text (values joined by " + ", "All" for All).
 */
import type { ScopedVars, TypedVariableModel } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

export interface TestVariable {
  name: string;
  /** The selected value(s); `$__all` (or `['$__all']`) for All. */
  value: string | string[];
  /** Every option's value, for All. */
  options?: string[];
  /** A custom all value such as `.*`. */
  allValue?: string;
  /** What the variable shows for the selection (`${var:text}`); the value when absent. */
  text?: string | string[];
}

const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

export function createTemplateSrv(variables: TestVariable[] = []): TemplateSrv {
  const byName = new Map(variables.map((v) => [v.name, v]));
  const isAll = (v: string | string[]) => v === '$__all' || (Array.isArray(v) && v[0] === '$__all');
  const formatValue = (value: string | string[], format: unknown, variable: unknown): string => {
    if (typeof format === 'function') return format(value, variable, formatValue);
    if (!Array.isArray(value)) return value;
    switch (format) {
      case 'csv':
        return value.join(',');
      case 'pipe':
        return value.join('|');
      case 'json':
        return JSON.stringify(value);
      case 'raw':
        return value.join(',');
      default:
        return value.length === 1 ? value[0] : `{${value.join(',')}}`;
    }
  };
  const textOf = (v: TestVariable): string => {
    if (isAll(v.value)) return 'All';
    const text = v.text ?? v.value;
    return Array.isArray(text) ? text.join(' + ') : text;
  };
  const srv: TemplateSrv = {
    getVariables: () =>
      variables.map(
        (v) =>
          ({
            name: v.name,
            type: 'custom',
            multi: Array.isArray(v.value),
            includeAll: v.options !== undefined,
            allValue: v.allValue,
            current: { value: v.value, text: v.value },
            options: (v.options ?? []).map((o) => ({ value: o, text: o, selected: false })),
          }) as unknown as TypedVariableModel,
      ),
    replace(target?: string, scopedVars?: ScopedVars, format?: string | ((...args: any[]) => unknown)): string {
      if (!target) return target ?? '';
      return target.replace(VARIABLE, (match, var1, var2, fmt2, var3, _path, fmt3) => {
        const name = var1 || var2 || var3;
        const fmt = fmt2 || fmt3 || format;
        const scoped = scopedVars?.[name];
        const variable = byName.get(name);
        if (scoped) return formatValue(scoped.value as string | string[], fmt, variable ?? {});
        if (!variable) return match;
        if (fmt === 'text') return textOf(variable);
        let value = variable.value;
        if (isAll(value)) {
          if (variable.allValue) return srv.replace(variable.allValue);
          value = variable.options ?? [];
        }
        return formatValue(value, fmt, variable);
      });
    },
    containsTemplate: (target?: string) => !!target && [...target.matchAll(VARIABLE)].some((m) => byName.has(m[1] || m[2] || m[4])),
    updateTimeRange: () => {},
  };
  return srv;
}
