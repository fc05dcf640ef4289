/**
 * Retention: how long each tier keeps its data, and what that leaves each tier holding at a given time. Engines
 * drop what is past retention in the background; the planner reads a tier only where it still holds every
 * slot, and ingest refuses events older than the raw tier's bound (so a resend can never be counted twice).
 */
import { TIERS, type TierId } from './engine';

/** Per tier, how long data is kept, ms; null keeps it forever. */
export type RetentionPolicy = Record<TierId, number | null>;

/** Keeps everything: the default, so that nothing is deleted unless asked. */
export const KEEP_EVERYTHING: RetentionPolicy = { raw: null, '1m': null, '5m': null, '15m': null, '1h': null, '1d': null };

/**
 * Per tier, the earliest time it holds completely: every slot starting at or after it is whole and will not be
 * dropped before the next look. 0 for a tier that keeps everything.
 */
export type HeldFrom = Record<TierId, number>;

/** How often engines look for data past retention. */
export const RETENTION_SWEEP_MS = 10 * 60_000;

/** The time before which each tier's data may be dropped now: `now` minus its retention, or null (kept). */
export function dropBefore(policy: RetentionPolicy, now: number): Record<TierId, number | null> {
  return Object.fromEntries(TIERS.map((t) => [t.id, policy[t.id] === null ? null : Math.max(0, now - policy[t.id]!)])) as Record<TierId, number | null>;
}

const ceilTo = (t: number, ms: number) => Math.ceil(t / ms) * ms;

/**
 * What each tier holds at `now`. A tier's bound is rounded up to the next coarser tier's slot size and is never
 * earlier than a coarser tier's: so a range edge moved onto the finest tier held there can be tiled by the
 * planner from tiers that hold every slot it reads, and a rollup slot recomputed from the tier below (ClickHouse)
 * always finds that tier whole. The raw bound is therefore also the oldest event ingest accepts.
 */
export function heldFrom(policy: RetentionPolicy, now: number): HeldFrom {
  const drop = dropBefore(policy, now);
  const held = {} as HeldFrom;
  let coarser = 0;
  for (let i = TIERS.length - 1; i >= 0; i--) {
    const tier = TIERS[i];
    const align = TIERS[Math.min(i + 1, TIERS.length - 1)].ms;
    const own = drop[tier.id] === null ? 0 : ceilTo(drop[tier.id]!, align);
    held[tier.id] = Math.max(own, coarser);
    coarser = held[tier.id];
  }
  return held;
}

/** True when nothing is ever dropped. */
export function keepsEverything(policy: RetentionPolicy): boolean {
  return TIERS.every((t) => policy[t.id] === null);
}
