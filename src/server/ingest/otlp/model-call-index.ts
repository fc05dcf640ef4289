/**
 * One event per model call. Instrumentations nest usage spans for the same call: an SDK's own span inside a
 * wrapper library's span, a framework's step span above the provider call (the Vercel AI SDK's ai.generateText
 * above ai.generateText.doGenerate), each with usage, sometimes in different export batches. This index
 * remembers, per recent trace, the parent of every span it saw and which usage spans it counted, and decides:
 *
 * - within one batch, a usage span with a usage span below it (at any depth, through spans without usage) does
 *   not count: the innermost usage span is the model call;
 * - across batches, a usage span does not count when a usage span above or below it in the same trace was
 *   counted already (usually the inner one, since a child span ends, and is exported, before its parent);
 * - a span counted before counts again when re-exported, so the store sees the same id and drops it.
 *
 * Limits, by design: the memory is in this process (bounded by MAX_LINKS and MAX_TRACES, oldest traces forgotten first), so a
 * wrapper span that arrives after a backend restart, after its trace was forgotten, or at another replica than
 * its inner span, counts a second time; the parent links must arrive no later than the spans that need them.
 */

/** Most parent links remembered (about 100 bytes each). */
export const MAX_LINKS = 500_000;
/** Most traces remembered. */
export const MAX_TRACES = 200_000;
/** Deepest ancestor chain followed. */
const MAX_DEPTH = 256;

interface TraceState {
  /** span id → parent span id; absent until a span with a parent is seen. */
  parents?: Map<string, string>;
  /** Usage spans counted in this trace (few: a list is cheaper than a set). */
  counted: string[];
}

export interface CallCandidate {
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

export class ModelCallIndex {
  private readonly traces = new Map<string, TraceState>();
  private links = 0;

  constructor(
    private readonly maxLinks = MAX_LINKS,
    private readonly maxTraces = MAX_TRACES,
  ) {}

  /** Remembers a span's parent (every span: a span without usage may sit between two with usage). */
  link(traceId: string, spanId: string, parentSpanId: string): void {
    if (!parentSpanId || !traceId || !spanId) return;
    const state = this.trace(traceId);
    state.parents ??= new Map();
    if (state.parents.has(spanId)) return;
    state.parents.set(spanId, parentSpanId);
    this.links++;
  }

  /** The candidates (usage spans of one batch, valid events) that count, in their order; marks them counted. */
  select<T extends CallCandidate>(candidates: readonly T[]): T[] {
    const byTrace = new Map<string, T[]>();
    for (const c of candidates) {
      const list = byTrace.get(c.traceId);
      if (list) list.push(c);
      else byTrace.set(c.traceId, [c]);
    }
    const chosen = new Set<T>();
    for (const [traceId, list] of byTrace) {
      const state = this.trace(traceId);
      const hasInnerUsage = new Set<string>();
      if (list.length > 1) {
        const inBatch = new Set(list.map((c) => c.spanId));
        for (const c of list) for (const a of this.ancestors(state, c.spanId)) if (inBatch.has(a)) hasInnerUsage.add(a);
      }
      for (const c of list) {
        if (hasInnerUsage.has(c.spanId)) continue;
        if (!state.counted.includes(c.spanId)) {
          if (this.overlapsCounted(state, c.spanId)) continue;
          state.counted.push(c.spanId);
        }
        chosen.add(c);
      }
    }
    this.evict();
    return candidates.filter((c) => chosen.has(c));
  }

  /** True when a counted span of the trace is an ancestor or a descendant of `spanId`. */
  private overlapsCounted(state: TraceState, spanId: string): boolean {
    if (state.counted.length === 0) return false;
    for (const a of this.ancestors(state, spanId)) if (state.counted.includes(a)) return true;
    for (const counted of state.counted) for (const a of this.ancestors(state, counted)) if (a === spanId) return true;
    return false;
  }

  private *ancestors(state: TraceState, spanId: string): Generator<string> {
    const parents = state.parents;
    if (!parents) return;
    let current = parents.get(spanId);
    for (let depth = 0; current && depth < MAX_DEPTH; depth++) {
      yield current;
      current = parents.get(current);
    }
  }

  private trace(traceId: string): TraceState {
    let state = this.traces.get(traceId);
    if (!state) {
      state = { counted: [] };
      this.traces.set(traceId, state);
    }
    return state;
  }

  /** Forgets the oldest traces (first seen first) once there are more links than the bound. */
  private evict(): void {
    for (const [traceId, state] of this.traces) {
      if (this.links <= this.maxLinks && this.traces.size <= this.maxTraces) return;
      this.links -= state.parents?.size ?? 0;
      this.traces.delete(traceId);
    }
  }
}
