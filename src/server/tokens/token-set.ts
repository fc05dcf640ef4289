/**
 * The tokens the server accepts at one moment: those of the environment variables (unscoped) and those of the
 * tokens file. A presented token is found by comparing its SHA-256 with every stored one in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Scope } from '../../shared';
import type { Role, TokenDefinition, TokenLimits } from './tokens-file';

/** Who is calling: a token's name (never its secret), what it may do, and what it may see and write. */
export interface Principal {
  name: string;
  roles: ReadonlySet<Role>;
  /** null: everything. */
  scope: Scope | null;
  /** Ingest: the service an event without one is given. */
  service: string | null;
  limits: TokenLimits;
}

/** The bearer tokens of the environment variables, by role. */
export interface EnvTokens {
  ingest: readonly string[];
  read: readonly string[];
  scrape: readonly string[];
}

const ENV_NAMES: Record<Role, string> = { ingest: 'TOKENSCOPE_INGEST_TOKENS', read: 'TOKENSCOPE_READ_TOKENS', scrape: 'TOKENSCOPE_METRICS_TOKENS' };

const sha256 = (token: string) => createHash('sha256').update(token).digest();

export interface TokenSet {
  /** The principal the token stands for, or null for an unknown token. */
  identify(token: string): Principal | null;
  /** Number of tokens. */
  readonly size: number;
}

/** Throws when a file token is also one of the environment's. */
export function buildTokenSet(env: EnvTokens, file: readonly TokenDefinition[]): TokenSet {
  const entries: { sha256: Buffer; principal: Principal }[] = [];
  for (const role of Object.keys(ENV_NAMES) as Role[]) {
    env[role].forEach((token, i) =>
      entries.push({
        sha256: sha256(token),
        principal: { name: `${ENV_NAMES[role]}[${i + 1}]`, roles: new Set([role]), scope: null, service: null, limits: {} },
      }),
    );
  }
  for (const t of file) {
    const same = entries.find((e) => e.sha256.equals(t.sha256));
    if (same) throw new Error(`tokens (${t.name}) sha256: the same token as ${same.principal.name}; give it one entry`);
    entries.push({ sha256: t.sha256, principal: { name: t.name, roles: new Set(t.roles), scope: t.scope, service: t.service, limits: t.limits } });
  }
  return {
    size: entries.length,
    identify(token) {
      const candidate = sha256(token);
      // Every stored hash is compared, whatever matches, so timing says nothing about which token it was.
      let found: Principal | null = null;
      for (const e of entries) if (timingSafeEqual(candidate, e.sha256)) found = e.principal;
      return found;
    },
  };
}
