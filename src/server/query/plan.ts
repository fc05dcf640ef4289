/**
 * Turns a range and its buckets into scan pieces: for each run of equal-width buckets, the coarsest storage
 * tier whose slots line up with the buckets covers the middle, and finer tiers (down to raw events) the
 * ragged ends, so answers are exact to the millisecond while most rows read are rollups. Where retention has
 * dropped the finer tiers, edges move back to the start of the slot of the finest tier still held there
 * (`snapper`), so answers stay exact at that tier and no tier is read where it no longer holds every slot.
 */
import type { CoarseResolution } from '../../shared';
import { TIERS, type ScanPiece, type TierId } from '../storage/engine';
import type { HeldFrom } from '../storage/retention';

/** A run of consecutive buckets of one width; `step` null means one bucket starting at `origin`. */
interface Run {
  origin: number;
  step: number | null;
  from: number;
  to: number;
}

/** Rollup tiers, coarsest first. */
const ROLLUPS_DESC = TIERS.filter((t) => t.id !== 'raw').reverse();

/** Every tier holds everything: no retention. */
const ALL_HELD: HeldFrom = { raw: 0, '1m': 0, '5m': 0, '15m': 0, '1h': 0, '1d': 0 };

/** Rollup tiers, finest first. */
const ROLLUPS_ASC = TIERS.filter((t) => t.id !== 'raw');

/**
 * Where a range edge or bucket boundary `t` goes given what the tiers hold: unchanged where raw events are held,
 * else back to the start of its slot in the finest tier held there, or forward to the oldest time any tier holds.
 */
export function snapper(held: HeldFrom): (t: number) => { at: number; slotMs: number } {
  return (t) => {
    if (t >= held.raw) return { at: t, slotMs: 1 };
    for (const tier of ROLLUPS_ASC) if (t >= held[tier.id]) return { at: Math.floor(t / tier.ms) * tier.ms, slotMs: tier.ms };
    return { at: held['1d'], slotMs: 0 };
  };
}

/** Pieces for one bucket spanning [from, to): totals and rankings. */
export function planRange(from: number, to: number, held: HeldFrom = ALL_HELD): ScanPiece[] {
  const snap = snapper(held);
  return planRun({ origin: from, step: null, from: snap(from).at, to: snap(to).at }, held);
}

/** Pieces for the buckets given by `boundaries`, clipped to [from, to): trends. */
export function planBuckets(from: number, to: number, boundaries: readonly number[], held: HeldFrom = ALL_HELD): ScanPiece[] {
  return runsOf(from, to, boundaries, snapper(held)).flatMap((run) => planRun(run, held));
}

/**
 * Says how an answer falls short of what was asked because of retention: null when every edge and boundary is
 * where it was asked and no part of the range is older than the oldest data kept.
 */
export function coarseResolution(from: number, to: number, boundaries: readonly number[], held: HeldFrom = ALL_HELD): CoarseResolution | null {
  const snap = snapper(held);
  const points = [from, to, ...boundaries.filter((b) => b > from && b < to)];
  const moved = points.map(snap).filter((s, i) => s.at !== points[i]);
  const gone = held['1d'] > 0 && from < held['1d'];
  if (moved.length === 0 && !gone) return null;
  return { exactFrom: held.raw, slotMs: Math.max(0, ...moved.map((s) => s.slotMs)), keptFrom: gone ? held['1d'] : null };
}

/**
 * Runs of equal-width buckets that need no moving; a bucket with a moved edge is a run of its own (step null),
 * still labelled with the bucket's start. Moved edges are shared by neighbours, so the runs never overlap.
 */
function runsOf(from: number, to: number, boundaries: readonly number[], snap: ReturnType<typeof snapper>): Run[] {
  const runs: Run[] = [];
  for (let i = 0; i + 1 < boundaries.length; i++) {
    const [start, end] = [boundaries[i], boundaries[i + 1]];
    const lo = Math.max(start, from);
    const hi = Math.min(end, to);
    if (lo >= hi) continue;
    const [slo, shi] = [snap(lo).at, snap(hi).at];
    if (slo !== lo || shi !== hi) {
      if (slo < shi) runs.push({ origin: start, step: null, from: slo, to: shi });
      continue;
    }
    const last = runs[runs.length - 1];
    if (last && last.step === end - start && last.to === start) last.to = hi;
    else runs.push({ origin: start, step: end - start, from: lo, to: hi });
  }
  return runs;
}

function planRun(run: Run, held: HeldFrom): ScanPiece[] {
  if (run.from >= run.to) return [];
  // A tier may serve this run only if every bucket boundary is one of its slot boundaries.
  const usable = ROLLUPS_DESC.filter((t) => run.step === null || (run.step % t.ms === 0 && run.origin % t.ms === 0));
  return decompose(run.from, run.to, usable, run, held);
}

function decompose(from: number, to: number, tiers: readonly { id: TierId; ms: number }[], run: Run, held: HeldFrom): ScanPiece[] {
  if (from >= to) return [];
  for (let i = 0; i < tiers.length; i++) {
    const { id, ms } = tiers[i];
    // Never a slot the tier no longer holds (held bounds are multiples of the slot size).
    const start = Math.max(Math.ceil(from / ms) * ms, held[id]);
    const end = Math.floor(to / ms) * ms;
    if (start < end) {
      const finer = tiers.slice(i + 1);
      return [...decompose(from, start, finer, run, held), piece(id, start, end, run), ...decompose(end, to, finer, run, held)];
    }
  }
  return from >= held.raw ? [piece('raw', from, to, run)] : [];
}

function piece(tier: TierId, from: number, to: number, run: Run): ScanPiece {
  return { tier, from, to, origin: run.origin, step: run.step };
}
