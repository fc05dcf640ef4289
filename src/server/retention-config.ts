/** Reads the retention settings: TOKENSCOPE_RAW_RETENTION and TOKENSCOPE_RETENTION_<TIER>, each `<n>d`, `<n>h` or `off`. */
import { TIERS, type TierId } from './storage/engine';
import type { RetentionPolicy } from './storage/retention';

const DAY = 86_400_000;
const UNIT_MS: Record<string, number> = { d: DAY, h: 3_600_000 };

/**
 * How each tier's retention is set: a variable of its own, or kept exactly as long as a finer tier. The 5-minute
 * tier came later and was filled, on upgrade, from the 1-minute tier: kept as long as that tier, it holds every
 * slot the planner may read it for, on a database that had dropped older minutes before the upgrade too.
 */
const RETENTION_SETTINGS: Record<TierId, { variable: string } | { sameAs: TierId }> = {
  raw: { variable: 'TOKENSCOPE_RAW_RETENTION' },
  '1m': { variable: 'TOKENSCOPE_RETENTION_1M' },
  '5m': { sameAs: '1m' },
  '15m': { variable: 'TOKENSCOPE_RETENTION_15M' },
  '1h': { variable: 'TOKENSCOPE_RETENTION_1H' },
  '1d': { variable: 'TOKENSCOPE_RETENTION_1D' },
};

/** The variable that sets a tier's retention (for a tier kept as long as another, that tier's). */
function variableOf(tier: TierId): string {
  const setting = RETENTION_SETTINGS[tier];
  return 'variable' in setting ? setting.variable : variableOf(setting.sameAs);
}

/**
 * Defaults when a tier's variable is unset: the minute tier follows raw events, 15-minute slots keep 90 days,
 * hours 400 days, days forever; each at least as long as the tier below. With raw events kept forever (the
 * default) every tier is, so nothing is deleted unless TOKENSCOPE_RAW_RETENTION is set.
 */
const DEFAULT_DAYS: Partial<Record<TierId, number | 'raw' | null>> = { '1m': 'raw', '15m': 90, '1h': 400, '1d': null };

/** Raw events are kept at least this long: the dedupe window on either side, and ClickHouse's start-up repair. */
const MIN_RAW_MS = 2 * DAY;

function parseDuration(variable: string, value: string): number | null {
  const v = value.trim().toLowerCase();
  if (v === 'off' || v === 'forever') return null;
  const match = /^(\d+)\s*([dh])$/.exec(v);
  if (!match || Number(match[1]) === 0)
    throw new Error(`${variable}: '${value.slice(0, 32)}' is not a retention; use a number of days or hours such as 30d or 36h, or off`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

/** The policy from the environment; throws naming the variable for a bad or inconsistent value. */
export function readRetention(env: Record<string, unknown>): RetentionPolicy {
  const policy = {} as RetentionPolicy;
  let finer: { id: TierId; ms: number | null } | null = null;
  for (const tier of TIERS) {
    const setting = RETENTION_SETTINGS[tier.id];
    if ('sameAs' in setting) {
      policy[tier.id] = policy[setting.sameAs];
      finer = { id: tier.id, ms: policy[tier.id] };
      continue;
    }
    const variable = setting.variable;
    const given = env[variable];
    let ms: number | null;
    if (typeof given === 'string' && given.trim() !== '') {
      ms = parseDuration(variable, given);
      if (finer && longer(finer.ms, ms)) {
        throw new Error(`${variable} must be at least ${variableOf(finer.id)} (each tier is summed from the one below and must outlive it)`);
      }
    } else {
      const fallback = DEFAULT_DAYS[tier.id] ?? null;
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
