/**
 * The tokens file (TOKENSCOPE_TOKENS_FILE, YAML): each token as the SHA-256 of its secret, a name, its roles, an
 * optional scope per dimension and optional per-token limits. Read and checked here; errors name the entry and
 * the field, never a secret or a hash.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Document, isMap, isSeq, parse, parseDocument, YAMLError } from 'yaml';
import { z } from 'zod';
import { DIMENSION_IDS, formatIssues, isPattern, scopeAllows, type DimensionId, type Scope } from '../../shared';
import { MAX_NAME_LENGTH } from '../ingest/event-schema';
import { maskSecrets, protectApiKey } from '../api-keys';

/** What a token may do: send usage, query, or only scrape GET /metrics. */
export const ROLES = ['ingest', 'read', 'scrape'] as const;
export type Role = (typeof ROLES)[number];

/** Per-token limits that replace the server's defaults; 0 turns a limit off for the token. */
export interface TokenLimits {
  requestsPerSecond?: number;
  bytesPerSecond?: number;
}

/** One token of the file, checked and resolved. */
export interface TokenDefinition {
  name: string;
  /** SHA-256 of the token (32 bytes). */
  sha256: Buffer;
  roles: readonly Role[];
  /** What the token may see and write; null: everything. */
  scope: Scope | null;
  /** Ingest: the service an event without one is given. */
  service: string | null;
  limits: TokenLimits;
}

/** The SHA-256 of a token as 64 lowercase hex digits: what the file stores. */
export const tokenSha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

const CONTROL = /[\u0000-\u001f\u007f]/;
const text = (what: string) =>
  z
    .string({ error: `must be ${what}` })
    .min(1, { error: 'must not be empty' })
    .max(MAX_NAME_LENGTH, { error: `must be at most ${MAX_NAME_LENGTH} characters` })
    .refine((v) => !CONTROL.test(v), { error: 'must not contain control characters' });
const entries = z.union([text('a value or pattern'), z.array(text('a value or pattern such as team-a-*'), { error: 'must be a list' })], {
  error: 'must be a value or a list of values and patterns such as [team-a-*]',
});
const perSecond = z.number({ error: 'must be a number >= 0 (0: no limit)' }).min(0, { error: 'must be a number >= 0 (0: no limit)' });

const tokenSchema = z.strictObject(
  {
    name: text('a name such as team-a-grafana').refine((v) => /^[\w.@:-]+$/.test(v), { error: 'must use letters, digits and . _ - @ : only' }),
    sha256: z.string({ error: 'must be the SHA-256 of the token, 64 hex digits (tokenscope token create writes it)' }).regex(/^[0-9a-fA-F]{64}$/, {
      error: 'must be the SHA-256 of the token, 64 hex digits (tokenscope token create writes it)',
    }),
    roles: z
      .array(z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }), { error: `must be a list of ${ROLES.join(', ')}` })
      .min(1, { error: `must name at least one of ${ROLES.join(', ')}` }),
    scope: z
      .strictObject(Object.fromEntries(DIMENSION_IDS.map((d) => [d, entries.optional()])) as Record<DimensionId, z.ZodOptional<typeof entries>>, {
        error: (issue) =>
          issue.code === 'unrecognized_keys'
            ? `unknown dimension ${issue.keys.map((k) => `'${k}'`).join(', ')}; valid dimensions: ${DIMENSION_IDS.join(', ')}`
            : `must map dimensions (${DIMENSION_IDS.join(', ')}) to values`,
      })
      .optional(),
    service: text('a service name').optional(),
    limits: z
      .strictObject(
        { requests_per_second: perSecond.optional(), bytes_per_second: perSecond.optional() },
        {
          error: (issue) =>
            issue.code === 'unrecognized_keys'
              ? `unknown limit ${issue.keys.map((k) => `'${k}'`).join(', ')}; valid: requests_per_second, bytes_per_second`
              : 'must be an object',
        },
      )
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.map((k) => `'${k}'`).join(', ')}; valid fields: name, sha256, roles, scope, service, limits (store a token's SHA-256, never the token)`
        : 'must be a mapping with name, sha256 and roles',
  },
);
const fileSchema = z.strictObject(
  { tokens: z.array(z.unknown(), { error: 'must be a list of tokens' }) },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.map((k) => `'${k}'`).join(', ')}; the file holds 'tokens:'`
        : "must be a mapping with 'tokens:'",
  },
);

const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/** A scope as stored and compared: API keys given as secrets become their stored ids, as in filters. */
function resolveScope(raw: Partial<Record<DimensionId, string | string[]>> | undefined, service: string | undefined): Scope | null {
  const scope: Record<string, readonly string[]> = {};
  for (const d of DIMENSION_IDS) {
    const values = raw?.[d];
    if (values === undefined) continue;
    scope[d] = asList(values).map((v) => (d === 'api_key' && !isPattern(v) ? protectApiKey(v).id : v));
  }
  if (service !== undefined && scope.service === undefined) scope.service = [service];
  return Object.keys(scope).length ? (scope as Scope) : null;
}

/** Checks the file's text; throws an Error listing every problem (`tokens[1] (team-b) roles[0]: …`). */
export function parseTokensFile(source: string): TokenDefinition[] {
  let data: unknown;
  try {
    // No pretty errors: they quote the offending line, which may hold a hash.
    data = parse(source, { prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    if (!(err instanceof YAMLError)) throw err;
    const before = source.slice(0, err.pos[0]).split('\n');
    throw new Error(`not valid YAML at line ${before.length}, column ${before[before.length - 1].length + 1} (${err.code})`);
  }
  const file = fileSchema.safeParse(data ?? { tokens: [] });
  if (!file.success) throw new Error(formatIssues(file.error.issues).join('; '));
  const problems: string[] = [];
  const tokens: TokenDefinition[] = [];
  file.data.tokens.forEach((raw, i) => {
    const name = typeof (raw as { name?: unknown })?.name === 'string' ? ` (${(raw as { name: string }).name})` : '';
    const parsed = tokenSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...formatIssues(parsed.error.issues).map((p) => `tokens[${i}]${name} ${p}`));
      return;
    }
    const t = parsed.data;
    const scope = resolveScope(t.scope, t.service);
    if (t.service !== undefined && scope?.service && !scopeAllows(scope, 'service', t.service)) {
      problems.push(`tokens[${i}]${name} service: '${t.service}' is outside the token's own scope.service`);
    }
    tokens.push({
      name: t.name,
      sha256: Buffer.from(t.sha256, 'hex'),
      roles: [...new Set(t.roles)],
      scope,
      service: t.service ?? null,
      limits: { requestsPerSecond: t.limits?.requests_per_second, bytesPerSecond: t.limits?.bytes_per_second },
    });
  });
  const seen = new Map<string, string>();
  for (const t of tokens) {
    const hash = t.sha256.toString('hex');
    if (seen.has(t.name)) problems.push(`tokens (${t.name}) name: used by two entries; names must be unique`);
    if (seen.has(hash)) problems.push(`tokens (${t.name}) sha256: the same token as entry ${seen.get(hash)}; each token has one entry`);
    seen.set(t.name, t.name).set(hash, t.name);
  }
  if (problems.length) throw new Error(problems.join('; '));
  return tokens;
}

/** Reads and checks the file; throws an Error that starts with the path. */
export function readTokensFile(path: string): TokenDefinition[] {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return parseTokensFile(source);
  } catch (err) {
    // Messages quote field names only, but a token pasted in as a field name must not reach a log whole.
    throw new Error(`${path}: ${maskSecrets((err as Error).message)}`);
  }
}

/** A new entry as written by `tokenscope token create`. */
export interface NewTokenEntry {
  name: string;
  sha256: string;
  roles: readonly Role[];
  scope?: Partial<Record<DimensionId, string[]>>;
  service?: string;
}

/**
 * The file's text with one more token appended, comments and layout of the rest kept; checked as a whole before
 * it is returned, so a name used twice or a bad scope is refused without touching the file.
 */
export function withNewToken(source: string, entry: NewTokenEntry): string {
  const doc: Document = source.trim() ? parseDocument(source, { uniqueKeys: true }) : new Document({ tokens: [] });
  if (doc.errors.length) throw new Error(`not valid YAML (${doc.errors[0].code})`);
  if (!isMap(doc.contents)) doc.contents = doc.createNode({ tokens: [] }) as never;
  if (!isSeq(doc.get('tokens'))) doc.set('tokens', doc.createNode([]));
  const plain: Record<string, unknown> = { name: entry.name, sha256: entry.sha256, roles: [...entry.roles] };
  if (entry.scope && Object.keys(entry.scope).length) plain.scope = entry.scope;
  if (entry.service) plain.service = entry.service;
  doc.addIn(['tokens'], doc.createNode(plain));
  const text = doc.toString();
  parseTokensFile(text);
  return text;
}
