/** Reads the retention settings: TOKENSCOPE_RAW_RETENTION and TOKENSCOPE_RETENTION_<TIER>, each `<n>d`, `<n>h` or `off`. */
import { TIERS, type TierId } from './storage/engine';
import type { RetentionPolicy } from './storage/retention';

const DAY = 86_400_000;
const UNIT_MS: Record<string, number> = { d: DAY, h: 3_600_000 };

/** The variable that sets each tier's retention. */
export const RETENTION_VARIABLES: Record<TierId, string> = {
  raw: 'TOKENSCOPE_RAW_RETENTION',
  '1m': 'TOKENSCOPE_RETENTION_1M',
  '15m': 'TOKENSCOPE_RETENTION_15M',
  '1h': 'TOKENSCOPE_RETENTION_1H',
  '1d': 'TOKENSCOPE_RETENTION_1D',
};

/**
 * Defaults when a tier's variable is unset: the minute tier follows raw events, 15-minute slots keep 90 days,
 * hours 400 days, days forever; each at least as long as the tier below. With raw events kept forever (the
 * default) every tier is, so nothing is deleted unless TOKENSCOPE_RAW_RETENTION is set.
 */
const DEFAULT_DAYS: Record<Exclude<TierId, 'raw'>, number | 'raw' | null> = { '1m': 'raw', '15m': 90, '1h': 400, '1d': null };

/** Raw events are kept at least this long: the dedupe window on either side, and ClickHouse's start-up repair. */
const MIN_RAW_MS = 2 * DAY;

function parseDuration(variable: string, value: string): number | null {
  const v = value.trim().toLowerCase();
  if (v === 'off' || v === 'forever') return null;
  const match = /^(\d+)\s*([dh])$/.exec(v);
  if (!match || Number(match[1]) === 0) throw new Error(`${variable}: '${value.slice(0, 32)}' is not a retention; use a number of days or hours such as 30d or 36h, or off`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

/** The policy from the environment; throws naming the variable for a bad or inconsistent value. */
export function readRetention(env: Record<string, unknown>): RetentionPolicy {
  const policy = {} as RetentionPolicy;
  let finer: { id: TierId; ms: number | null } | null = null;
  for (const tier of TIERS) {
    const variable = RETENTION_VARIABLES[tier.id];
    const given = env[variable];
    let ms: number | null;
    if (typeof given === 'string' && given.trim() !== '') {
      ms = parseDuration(variable, given);
      if (finer && longer(finer.ms, ms)) {
        throw new Error(`${variable} must be at least ${RETENTION_VARIABLES[finer.id]} (each tier is summed from the one below and must outlive it)`);
      }
    } else {
      const fallback: number | 'raw' | null = tier.id === 'raw' ? null : DEFAULT_DAYS[tier.id];
      ms = fallback === 'raw' ? policy.raw : fallback === null ? null : fallback * DAY;
      if (finer && longer(finer.ms, ms)) ms = finer.ms;
    }
    if (tier.id === 'raw' && ms !== null && ms < MIN_RAW_MS) throw new Error(`${variable} must be at least 2d (resends are recognised for a day either side)`);
    policy[tier.id] = ms;
    finer = { id: tier.id, ms };
  }
  return policy;
}

/** True when retention `a` keeps data longer than `b` (null: forever). */
function longer(a: number | null, b: number | null): boolean {
  if (a === null) return b !== null;
  return b !== null && a > b;
}
