/**
 * The variable replacer Grafana hands to @grafana/data's `getLinksSupplier`, for tests. Grafana's real one is its
 * TemplateSrv with the data-link macros of public/app/features/templating/macroRegistry.ts and dataMacros.ts,
 * which live in Grafana's app, not in a package; this follows them for the macros the plugin's links use:
 * `${__value.raw|time|numeric|text}`, `${__data.fields.<name>[.numeric]}` (through @grafana/data's own
 * getFieldDisplayValuesProxy), `${__field.name}`, `${__field.labels.<name>}` and `${__url_time_range}`; values are
 * URI-encoded when the caller asks for the `uriencode` format, as getLinksSupplier does for a link's URL.
 */
import { FieldType, getFieldDisplayValuesProxy, type DataContextScopedVar, type InterpolateFunction, type ScopedVars } from '@grafana/data';

const MACRO = /\$\{(__[\w]+)(?:\.([^:}]+))?(?::([^}]+))?\}/g;

/** Grafana's `uriencode` format: encodeURIComponent plus the characters it leaves alone. */
const encodeStrict = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function pick(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, part) => (o === null || o === undefined ? undefined : (o as Record<string, unknown>)[part]), object);
}

/** A replacer for a dashboard whose time range is [from, to) in epoch ms. */
export function dataLinkReplacer(range: { from: number; to: number }): InterpolateFunction {
  return (text: string, scopedVars?: ScopedVars, format?: unknown) => {
    const context = (scopedVars as { __dataContext?: DataContextScopedVar } | undefined)?.__dataContext?.value;
    const evaluate = (match: string, name: string, path: string | undefined): unknown => {
      if (name === '__url_time_range') return { preformatted: `from=${range.from}&to=${range.to}` };
      if (!context || context.rowIndex === undefined) return match;
      const { frame, field, rowIndex } = context;
      if (name === '__value') {
        if (path === 'time') return frame.fields.find((f) => f.type === FieldType.time)?.values[rowIndex];
        const value = field.values[rowIndex];
        return path === 'raw' || path === 'numeric' ? value : String(value);
      }
      if (name === '__data') return pick({ name: frame.name, refId: frame.refId, fields: getFieldDisplayValuesProxy({ frame, rowIndex }) }, path ?? '');
      if (name === '__field') return pick({ name: field.name, labels: field.labels ?? {} }, path ?? '');
      return match;
    };
    return text.replace(MACRO, (match, name: string, path: string | undefined, explicit: string | undefined) => {
      const value = evaluate(match, name, path);
      if (value && typeof value === 'object' && 'preformatted' in value) return String(value.preformatted);
      if (value === match) return match;
      const textValue = value === undefined || value === null ? '' : String(value);
      return (explicit ?? format) === 'uriencode' || explicit === 'percentencode' ? encodeStrict(textValue) : textValue;
    });
  };
}
