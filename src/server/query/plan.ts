/**
 * Turns a range and its buckets into scan pieces: for each run of equal-width buckets, the coarsest storage
 * tier whose slots line up with the buckets covers the middle, and finer tiers (down to raw events) the
 * ragged ends, so answers are exact to the millisecond while most rows read are rollups.
 */
import { TIERS, type ScanPiece, type TierId } from '../storage/engine';

/** A run of consecutive buckets of one width; `step` null means one bucket starting at `origin`. */
interface Run {
  origin: number;
  step: number | null;
  from: number;
  to: number;
}

/** Rollup tiers, coarsest first. */
const ROLLUPS_DESC = TIERS.filter((t) => t.id !== 'raw').reverse();

/** Pieces for one bucket spanning [from, to): totals and rankings. */
export function planRange(from: number, to: number): ScanPiece[] {
  return planRun({ origin: from, step: null, from, to });
}

/** Pieces for the buckets given by `boundaries`, clipped to [from, to): trends. */
export function planBuckets(from: number, to: number, boundaries: readonly number[]): ScanPiece[] {
  return runsOf(boundaries).flatMap((run) => planRun({ ...run, from: Math.max(run.from, from), to: Math.min(run.to, to) }));
}

function runsOf(boundaries: readonly number[]): Run[] {
  const runs: Run[] = [];
  for (let i = 0; i + 1 < boundaries.length; i++) {
    const [start, end] = [boundaries[i], boundaries[i + 1]];
    const last = runs[runs.length - 1];
    if (last && last.step === end - start && last.to === start) last.to = end;
    else runs.push({ origin: start, step: end - start, from: start, to: end });
  }
  return runs;
}

function planRun(run: Run): ScanPiece[] {
  if (run.from >= run.to) return [];
  // A tier may serve this run only if every bucket boundary is one of its slot boundaries.
  const usable = ROLLUPS_DESC.filter((t) => run.step === null || (run.step % t.ms === 0 && run.origin % t.ms === 0));
  return decompose(run.from, run.to, usable, run);
}

function decompose(from: number, to: number, tiers: readonly { id: TierId; ms: number }[], run: Run): ScanPiece[] {
  if (from >= to) return [];
  for (let i = 0; i < tiers.length; i++) {
    const { id, ms } = tiers[i];
    const start = Math.ceil(from / ms) * ms;
    const end = Math.floor(to / ms) * ms;
    if (start < end) {
      const finer = tiers.slice(i + 1);
      return [...decompose(from, start, finer, run), piece(id, start, end, run), ...decompose(end, to, finer, run)];
    }
  }
  return [piece('raw', from, to, run)];
}

function piece(tier: TierId, from: number, to: number, run: Run): ScanPiece {
  return { tier, from, to, origin: run.origin, step: run.step };
}
