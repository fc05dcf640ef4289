/** Bearer-token access control: ingest tokens may send usage, read tokens may query; compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from './config';
import { ClientError } from './errors';

/** What a route needs: `public` routes need nothing; `metrics` (GET /metrics) takes a read or a metrics token. */
export type Access = 'ingest' | 'read' | 'metrics' | 'public';

const NEEDED: Record<Exclude<Access, 'public'>, string> = { ingest: 'an ingest', read: 'a read', metrics: 'a read or metrics' };

const digest = (token: string) => createHash('sha256').update(token).digest();

export interface Authorizer {
  /** Throws a 401 or 403 ClientError when the Authorization header does not grant `access`. */
  check(access: Access, authorization: string | undefined): void;
}

export function createAuthorizer(config: Pick<Config, 'authEnabled' | 'ingestTokens' | 'readTokens' | 'metricsTokens'>): Authorizer {
  const ingest = config.ingestTokens.map(digest);
  const read = config.readTokens.map(digest);
  const scrape = config.metricsTokens.map(digest);
  // Every stored digest is compared, whatever matches, so timing says nothing about which token it was.
  const matches = (candidate: Buffer, tokens: Buffer[]) => tokens.reduce((hit, t) => timingSafeEqual(candidate, t) || hit, false);

  return {
    check(access, authorization) {
      if (!config.authEnabled || access === 'public') return;
      const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (!token) {
        throw new ClientError(`missing bearer token: send 'Authorization: Bearer <token>' with ${NEEDED[access]} token`, 401, 'unauthorized');
      }
      const candidate = digest(token);
      const isIngest = matches(candidate, ingest);
      const isRead = matches(candidate, read);
      const isScrape = matches(candidate, scrape);
      if ((access === 'ingest' && isIngest) || (access === 'read' && isRead) || (access === 'metrics' && (isRead || isScrape))) return;
      if (isIngest || isRead || isScrape) {
        throw new ClientError(`this token may only ${isIngest ? 'send usage' : isRead ? 'read' : 'scrape /metrics'}; use ${NEEDED[access]} token`, 403, 'forbidden');
      }
      throw new ClientError('invalid bearer token', 401, 'unauthorized');
    },
  };
}
