/** Options that `top` and `trend` share: the time range (--last or --from/--to), filters, metrics, server URL. */
import { InvalidArgumentError, type Command } from 'commander';
import type { Filters } from '../../shared';

export interface QueryOptions {
  from?: string;
  to?: string;
  last?: string;
  filter?: string[];
  metric?: string;
  limit?: number;
  url?: string;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Adds the shared options to a command; `--metric` only when the command measures a metric (`defaultMetric` not null). */
export function addQueryOptions(command: Command, defaultMetric: string | null): Command {
  if (defaultMetric !== null)
    command.option('--metric <ids>', `metric id, or several separated by commas (the first orders a ranking); default ${defaultMetric}`);
  return command
    .option('--last <span>', 'time range ending now, e.g. 30m, 24h, 7d, 2w (default 24h)')
    .option('--from <time>', 'range start: RFC 3339 or epoch ms (instead of --last)')
    .option('--to <time>', 'range end, exclusive: RFC 3339 or epoch ms (default now)')
    .option('--filter <dimension=values>', 'keep only these values, e.g. model=glm-5,kimi-k2.5 (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--limit <n>', 'top N (default 10)', parseWholeNumber)
    .option('--url <url>', 'backend URL (TOKENSCOPE_URL, default http://127.0.0.1:8080); the token comes from TOKENSCOPE_TOKEN');
}

/** `from` and `to` for the query API: from --from/--to, else --last (default 24h) ending at `now`. */
export function timeRange(options: Pick<QueryOptions, 'from' | 'to' | 'last'>, now: number): { from: number | string; to: number | string } {
  const instant = (text: string) => (/^\d+$/.test(text) ? Number(text) : text);
  if (options.last !== undefined && (options.from !== undefined || options.to !== undefined)) {
    throw new Error('use either --last or --from/--to, not both');
  }
  if (options.from !== undefined) return { from: instant(options.from), to: options.to === undefined ? now : instant(options.to) };
  if (options.to !== undefined) throw new Error('--to needs --from');
  const span = /^(\d+)\s*([mhdw])$/.exec((options.last ?? '24h').trim());
  if (!span || Number(span[1]) === 0) throw new Error(`--last: '${options.last}' is not a span such as 30m, 24h, 7d or 2w`);
  return { from: now - Number(span[1]) * UNIT_MS[span[2]], to: now };
}

/** `--filter model=a,b --filter service=c` as query filters (the server checks the dimension names). */
export function parseFilters(specs: readonly string[] = []): Filters {
  const filters: Record<string, string[]> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const values = spec
      .slice(eq + 1)
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    if (eq <= 0 || values.length === 0) throw new Error(`--filter: '${spec}' is not dimension=value[,value], e.g. model=glm-5`);
    const dimension = spec.slice(0, eq).trim();
    filters[dimension] = [...(filters[dimension] ?? []), ...values];
  }
  return filters as Filters;
}

/** `--metric a,b` as a list, or the default. */
export function parseMetrics(text: string | undefined, fallback: string): string[] {
  return (text ?? fallback)
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
}

export function parseWholeNumber(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`'${text}' is not a whole number`);
  return n;
}
