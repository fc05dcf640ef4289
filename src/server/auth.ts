/** Bearer-token access control: a route declares the access it needs; the token's roles decide, its scope travels on. */
import { ClientError } from './errors';
import type { Role } from './tokens/tokens-file';
import type { Principal, TokenSet } from './tokens/token-set';

/** What a route needs: `public` routes need nothing; `metrics` (GET /metrics) takes a read or a scrape token. */
export type Access = 'ingest' | 'read' | 'metrics' | 'public';

/** The roles that open each access. */
const GRANTED_BY: Record<Exclude<Access, 'public'>, readonly Role[]> = { ingest: ['ingest'], read: ['read'], metrics: ['read', 'scrape'] };
const NEEDED: Record<Exclude<Access, 'public'>, string> = { ingest: 'an ingest', read: 'a read', metrics: 'a read or metrics' };
const MAY: Record<Role, string> = { ingest: 'send usage', read: 'read', scrape: 'scrape /metrics' };

export interface Authorizer {
  /**
   * The caller's principal when the Authorization header grants `access`; null when auth is off or the route is
   * public (then nothing is scoped). Throws a 401 or 403 ClientError otherwise.
   */
  check(access: Access, authorization: string | undefined): Principal | null;
}

/** `tokens()` is asked on every request, so a reloaded token set applies to the next request. */
export function createAuthorizer(authEnabled: boolean, tokens: () => TokenSet): Authorizer {
  return {
    check(access, authorization) {
      if (!authEnabled || access === 'public') return null;
      const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (!token) {
        throw new ClientError(`missing bearer token: send 'Authorization: Bearer <token>' with ${NEEDED[access]} token`, 401, 'unauthorized');
      }
      const principal = tokens().identify(token);
      if (!principal) throw new ClientError('invalid bearer token', 401, 'unauthorized');
      if (GRANTED_BY[access].some((r) => principal.roles.has(r))) return principal;
      const may = [...principal.roles].map((r) => MAY[r]).join(' and ');
      throw new ClientError(`this token may only ${may}; use ${NEEDED[access]} token`, 403, 'forbidden');
    },
  };
}
