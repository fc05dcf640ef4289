/** Maps CSV rows onto usage-event fields: `--map field=column,…`, same-named columns by default, numbers converted. */
import { usageEventSchema } from '../ingest/event-schema';

/** The fields of a usage event, as a client sends them. */
export const EVENT_FIELDS = Object.keys(usageEventSchema.shape);
/** The fields an event cannot do without: those whose schema refuses an absent value. */
export const REQUIRED_FIELDS = EVENT_FIELDS.filter((f) => !usageEventSchema.shape[f as keyof typeof usageEventSchema.shape].safeParse(undefined).success);
/** Fields sent as JSON numbers when the cell holds one; anything else goes as text and the server says why it is wrong. */
const NUMERIC_FIELDS = new Set(['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'duration_ms']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `timestamp=time,input_tokens=prompt` (possibly given several times) as field → column. */
export function parseMapping(specs: readonly string[]): Map<string, string> {
  const mapping = new Map<string, string>();
  for (const pair of specs.flatMap((s) => s.split(','))) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const field = pair.slice(0, eq).trim();
    const column = pair.slice(eq + 1).trim();
    if (eq <= 0 || column === '') throw new Error(`--map: '${pair}' is not field=column, e.g. input_tokens=prompt_tokens`);
    if (!EVENT_FIELDS.includes(field)) throw new Error(`--map: unknown event field '${field}'; fields: ${EVENT_FIELDS.join(', ')}`);
    if (mapping.has(field)) throw new Error(`--map: field '${field}' is mapped twice`);
    mapping.set(field, column);
  }
  return mapping;
}

/** Which column feeds which field, given the CSV header. */
export interface ColumnPlan {
  fields: [field: string, column: string][];
  /** Header columns that feed no field. */
  ignored: string[];
}

export function planColumns(header: readonly string[], mapping: ReadonlyMap<string, string>): ColumnPlan {
  const missing = [...mapping].filter(([, column]) => !header.includes(column));
  if (missing.length > 0) {
    throw new Error(`--map: ${missing.map(([f, c]) => `column '${c}' (for ${f})`).join(', ')} not in the CSV header; columns: ${header.join(', ')}`);
  }
  const mappedColumns = new Set(mapping.values());
  const fields: ColumnPlan['fields'] = EVENT_FIELDS.flatMap((field) => {
    const column = mapping.get(field) ?? (header.includes(field) && !mappedColumns.has(field) ? field : undefined);
    return column === undefined ? [] : [[field, column] as [string, string]];
  });
  // Every row would be rejected for the same missing field: say so once, before anything is sent.
  const unfed = REQUIRED_FIELDS.filter((f) => !fields.some(([field]) => field === f));
  if (unfed.length > 0) {
    throw new Error(
      `the CSV has no column for ${unfed.join(', ')}; name the columns with --map, e.g. --map ${unfed.map((f) => `${f}=<column>`).join(',')} (columns: ${header.join(', ')})`,
    );
  }
  const used = new Set(fields.map(([, column]) => column));
  return { fields, ignored: header.filter((c) => !used.has(c)) };
}

/** One CSV row as a usage event: empty cells left out, numeric fields as numbers. */
export function rowToEvent(row: Readonly<Record<string, string>>, plan: ColumnPlan): Record<string, string | number> {
  const event: Record<string, string | number> = {};
  for (const [field, column] of plan.fields) {
    const cell = row[column]?.trim();
    if (cell === undefined || cell === '') continue;
    event[field] = NUMERIC_FIELDS.has(field) && NUMBER.test(cell) ? Number(cell) : cell;
  }
  return event;
}
