/**
 * Cumulative gen_ai.client.token.usage streams → deltas. Per stream (resource, scope and point attributes) it
 * keeps the last point seen: a later point gives the difference; a new start time or a smaller count means the
 * sender restarted or reset, so the point is a fresh stream and counts whole; an older or equal point counts
 * nothing (a retried export).
 *
 * After a backend restart this memory is empty. A stream first seen then whose start time is before the backend
 * started may have been counted by the previous process, so its first point is only remembered, not counted:
 * nothing is counted twice, and what the stream used between its last point before the restart and its first
 * point after is not counted (one export interval per stream, 60 s by default in the SDKs).
 */

/** Streams remembered; the oldest are forgotten first (a forgotten stream is then treated as after a restart). */
export const MAX_STREAMS = 100_000;

export interface PointTotals {
  /** Point start and time, Unix nanoseconds. */
  start: bigint;
  time: bigint;
  count: number;
  sum: number;
}

export class CumulativeStreams {
  private readonly last = new Map<string, PointTotals>();

  /** @param startedAtNs when this backend process started (Unix ns) */
  constructor(
    private readonly startedAtNs: bigint,
    private readonly maxStreams = MAX_STREAMS,
  ) {}

  /** The calls and tokens a cumulative point adds to its stream. */
  delta(stream: string, point: PointTotals): { count: number; sum: number } {
    const previous = this.last.get(stream);
    if (previous && point.start === previous.start && point.time <= previous.time) return { count: 0, sum: 0 };
    this.remember(stream, point);
    if (!previous) return point.start >= this.startedAtNs ? { count: point.count, sum: point.sum } : { count: 0, sum: 0 };
    if (point.start !== previous.start || point.count < previous.count || point.sum < previous.sum) return { count: point.count, sum: point.sum };
    return { count: point.count - previous.count, sum: point.sum - previous.sum };
  }

  private remember(stream: string, point: PointTotals): void {
    this.last.delete(stream);
    this.last.set(stream, point);
    if (this.last.size > this.maxStreams) this.last.delete(this.last.keys().next().value!);
  }
}
