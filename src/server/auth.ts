/** Bearer-token access control: ingest tokens may send usage, read tokens may query; compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from './config';
import { ClientError } from './errors';

/** What a route needs: `public` routes need nothing. */
export type Access = 'ingest' | 'read' | 'public';

const digest = (token: string) => createHash('sha256').update(token).digest();

export interface Authorizer {
  /** Throws a 401 or 403 ClientError when the Authorization header does not grant `access`. */
  check(access: Access, authorization: string | undefined): void;
}

export function createAuthorizer(config: Pick<Config, 'authEnabled' | 'ingestTokens' | 'readTokens'>): Authorizer {
  const ingest = config.ingestTokens.map(digest);
  const read = config.readTokens.map(digest);
  // Every stored digest is compared, whatever matches, so timing says nothing about which token it was.
  const matches = (candidate: Buffer, tokens: Buffer[]) => tokens.reduce((hit, t) => timingSafeEqual(candidate, t) || hit, false);

  return {
    check(access, authorization) {
      if (!config.authEnabled || access === 'public') return;
      const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (!token) {
        throw new ClientError(`missing bearer token: send 'Authorization: Bearer <token>' with ${access === 'read' ? 'a read' : 'an ingest'} token`, 401, 'unauthorized');
      }
      const candidate = digest(token);
      const isIngest = matches(candidate, ingest);
      const isRead = matches(candidate, read);
      if ((access === 'ingest' && isIngest) || (access === 'read' && isRead)) return;
      if (isIngest || isRead) {
        throw new ClientError(`this token may only ${isIngest ? 'send usage' : 'read'}; use ${access === 'read' ? 'a read' : 'an ingest'} token`, 403, 'forbidden');
      }
      throw new ClientError('invalid bearer token', 401, 'unauthorized');
    },
  };
}
