/**
 * Template variables in query fields. Grafana's TemplateSrv does the replacing; this module decides what a
 * multi-value or All selection means for each kind of field: one value for scalar fields, several entries for
 * lists, and for filters All means "no filter" (not a list of every value known when the dashboard loaded).
 */
import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import { LABELS } from './labels';

/** Grafana's variable syntax: `$var`, `[[var]]`, `[[var:fmt]]`, `${var}`, `${var.field}`, `${var:fmt}`. */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;
/** Stands in for a variable's values while the text around them is kept; cannot occur in a typed value. */
const SLOT = '\u0000';
/** Most entries one list entry may expand into; past that the query is surely a mistake. */
const MAX_EXPANSION = 10_000;

export type TemplateReplacer = Pick<TemplateSrv, 'replace' | 'getVariables'>;

/** Names of the variables referenced in `text`. */
export function variableNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(VARIABLE)) names.push(m[1] ?? m[2] ?? m[4]);
  return names;
}

export function hasVariable(text: string): boolean {
  return variableNames(text).length > 0;
}

/** A single value (dimension, granularity, Top N). A variable with several values selected is an error naming `field`. */
export function interpolateValue(templateSrv: TemplateReplacer, text: string, scopedVars: ScopedVars | undefined, field: string): string {
  if (!hasVariable(text)) return text;
  let several = false;
  const result = templateSrv.replace(text, scopedVars, (value: unknown) => {
    if (!Array.isArray(value)) return String(value ?? '');
    if (value.length !== 1) several = true;
    return String(value[0] ?? '');
  });
  if (several) throw new Error(LABELS.errors.multiValue(field, text));
  return result;
}

/**
 * A list of values (metrics, filter values). An entry that references a multi-value variable becomes one
 * entry per selected value (`svc-$env` with env = a, b → `svc-a`, `svc-b`); empty results are dropped.
 */
export function interpolateList(templateSrv: TemplateReplacer, entries: readonly string[], scopedVars: ScopedVars | undefined): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    if (!hasVariable(entry)) {
      if (entry !== '') out.push(entry);
      continue;
    }
    const slots: string[][] = [];
    const text = templateSrv.replace(entry, scopedVars, (value: unknown) => {
      slots.push((Array.isArray(value) ? value : [value]).map((v) => String(v ?? '')));
      return `${SLOT}${slots.length - 1}${SLOT}`;
    });
    for (const value of expand(text, slots)) if (value !== '') out.push(value);
  }
  return [...new Set(out)];
}

/**
 * True when any variable in `entries` is set to All on the dashboard (and not pinned to one value by a
 * repeated panel's scopedVars): such a filter keeps every value, including ones that appear later.
 */
export function selectsAll(templateSrv: TemplateReplacer, entries: readonly string[], scopedVars: ScopedVars | undefined): boolean {
  const names = entries.flatMap(variableNames);
  if (names.length === 0) return false;
  const variables = templateSrv.getVariables();
  return names.some((name) => {
    if (scopedVars?.[name]) return false;
    const current = (variables.find((v) => v.name === name) as { current?: { value?: unknown } } | undefined)?.current?.value;
    return current === '$__all' || (Array.isArray(current) && current.includes('$__all'));
  });
}

/** The text with each slot replaced by each of its values: the cartesian product, in order. */
function expand(text: string, slots: string[][]): string[] {
  const parts = text.split(SLOT);
  // parts alternate: literal, slot index, literal, slot index, …, literal
  let results = [parts[0]];
  for (let i = 1; i < parts.length; i += 2) {
    const values = slots[Number(parts[i])] ?? [];
    const next: string[] = [];
    for (const prefix of results) for (const value of values) next.push(prefix + value + parts[i + 1]);
    if (next.length > MAX_EXPANSION) throw new Error(`a filter expands into more than ${MAX_EXPANSION} values`);
    results = next;
  }
  return results;
}
