/**
 * API keys that look like secrets are never stored as sent: they become a stable one-way id (so rankings and
 * filters still work) and a masked label for people (`sk-…a1b2`). Names such as `team-search` stay as they are.
 */
import { createHash } from 'node:crypto';

/** Prefix of every stored id that stands for a secret-looking key. */
export const KEY_ID_PREFIX = 'key:';

const SECRET_PREFIX = /^(sk|rk|pk|ak|api|key|secret|token|bearer)[-_]/i;
const cache = new Map<string, ProtectedKey>();
const CACHE_LIMIT = 10_000;

export interface ProtectedKey {
  /** What is stored and what filters take. */
  id: string;
  /** What a person sees. */
  label: string;
}

/**
 * True for values that look like a credential rather than a name: a known secret prefix followed by a
 * long tail, or a long unbroken string of mixed letters and digits with high entropy.
 */
export function looksSecret(value: string): boolean {
  if (value.startsWith(KEY_ID_PREFIX)) return false;
  if (/\s/.test(value.trim())) return /^bearer\s/i.test(value);
  const prefixed = SECRET_PREFIX.exec(value);
  if (prefixed && value.length - prefixed[0].length >= 16) return true;
  if (value.length < 24) return false;
  if (!/[a-z]/i.test(value) || !/\d/.test(value)) return false;
  return entropyPerChar(value) >= 3.5;
}

/** The stored id and label for a key as sent. */
export function protectApiKey(value: string): ProtectedKey {
  let result = cache.get(value);
  if (result) return result;
  if (looksSecret(value)) {
    const secret = value.replace(/^bearer\s+/i, '');
    const digest = createHash('sha256').update(secret).digest('hex').slice(0, 16);
    result = { id: `${KEY_ID_PREFIX}${digest}`, label: mask(secret) };
  } else {
    result = { id: value, label: value };
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(value, result);
  return result;
}

/** Runs of 16 or more characters that could be one credential: no spaces, quotes, slashes or brackets. */
const WORDS = /(?:bearer\s+)?[^\s'"`/\\;,()=<>{}[\]]{16,}/gi;

/**
 * `text` with every secret-looking word in its masked form: error messages quote what a client sent (a path,
 * an unknown name), and a key pasted in the wrong place must not be echoed back whole.
 */
export function maskSecrets(text: string): string {
  return text.replace(WORDS, (word) => (looksSecret(word) ? protectApiKey(word).label : word));
}

function mask(secret: string): string {
  const prefix = /^[a-z]{2,6}[-_]/i.exec(secret)?.[0] ?? '';
  return `${prefix}…${secret.slice(-4)}`;
}

function entropyPerChar(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
