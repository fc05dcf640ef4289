/** Bounds how many label sets the live counters may create, so a flood of keys or models cannot blow up Prometheus. */

export interface LabelSetCap {
  /** True when `key` is a known label set or there is still room for it (it is then remembered). */
  admit(key: string): boolean;
  /** Label sets admitted so far. */
  readonly size: number;
}

/**
 * Admits at most `limit` distinct label sets. The first refusal calls `onFull` once (the caller logs it), so
 * the log says when the cap was hit without repeating itself for every later event.
 */
export function createLabelSetCap(limit: number, onFull: () => void): LabelSetCap {
  const known = new Set<string>();
  let warned = false;
  return {
    admit(key) {
      if (known.has(key)) return true;
      if (known.size < limit) {
        known.add(key);
        return true;
      }
      if (!warned) {
        warned = true;
        onFull();
      }
      return false;
    },
    get size() {
      return known.size;
    },
  };
}
