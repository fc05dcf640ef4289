/**
 * Per-token fair use: requests per second and request-body bytes per second, each a token bucket that holds two
 * seconds' worth (so bursts pass) and refills continuously. A caller over either limit gets a 429 with
 * Retry-After; other tokens are not slowed. Bytes are counted from Content-Length as a request arrives.
 */
import type { Config } from './config';
import { RateLimitedError } from './errors';
import type { Principal } from './tokens/token-set';

/** A bucket holds this many seconds of its rate. */
const BURST_SECONDS = 2;

interface Bucket {
  level: number;
  at: number;
}

export interface RateLimiter {
  /** Charges one request of `bytes` body bytes to the principal; throws a RateLimitedError when over a limit. */
  charge(principal: Principal, bytes: number): void;
}

type Kind = 'requests' | 'bytes';
const SETTING: Record<Kind, { perSecond: keyof Principal['limits']; file: string; env: string; unit: string }> = {
  requests: { perSecond: 'requestsPerSecond', file: 'requests_per_second', env: 'TOKENSCOPE_RATE_LIMIT_REQUESTS', unit: 'requests' },
  bytes: { perSecond: 'bytesPerSecond', file: 'bytes_per_second', env: 'TOKENSCOPE_RATE_LIMIT_BYTES', unit: 'bytes' },
};

export function createRateLimiter(
  config: Pick<Config, 'rateLimitRequests' | 'rateLimitBytes' | 'maxBodyBytes'>,
  now: () => number = performance.now.bind(performance),
): RateLimiter {
  const defaults: Record<Kind, number> = { requests: config.rateLimitRequests, bytes: config.rateLimitBytes };
  // By token name: a reloaded file keeps each token's bucket.
  const buckets = new Map<string, Bucket>();

  /** Seconds until `cost` fits, or 0 when it was taken now. */
  const take = (key: string, rate: number, capacity: number, cost: number): number => {
    const t = now();
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = { level: capacity, at: t }));
    b.level = Math.min(capacity, b.level + ((t - b.at) / 1000) * rate);
    b.at = t;
    // A single cost above the bucket (a large body under a small limit) waits for a full bucket, then passes.
    const needed = Math.min(cost, capacity);
    if (b.level >= needed) {
      b.level -= needed;
      return 0;
    }
    return (needed - b.level) / rate;
  };

  return {
    charge(principal, bytes) {
      for (const kind of ['requests', 'bytes'] as const) {
        const rate = principal.limits[SETTING[kind].perSecond] ?? defaults[kind];
        const cost = kind === 'requests' ? 1 : bytes;
        if (!rate || !cost) continue;
        const capacity = kind === 'bytes' ? Math.max(rate * BURST_SECONDS, config.maxBodyBytes) : rate * BURST_SECONDS;
        const wait = take(`${kind}\u0000${principal.name}`, rate, capacity, cost);
        if (wait > 0) {
          const s = SETTING[kind];
          throw new RateLimitedError(
            `token '${principal.name}' is over its limit of ${rate} ${s.unit} per second; retry after ${Math.ceil(wait)} s (${s.file} in the tokens file, or ${s.env})`,
            Math.ceil(wait),
          );
        }
      }
    },
  };
}
