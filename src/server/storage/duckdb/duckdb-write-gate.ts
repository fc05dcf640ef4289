/** Lets writes through, or holds new ones back while maintenance that must see no write at all runs. */
export class WriteGate {
  private inFlight = 0;
  private held: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  /** Runs a write once no maintenance holds the gate; the maintenance waits for it to finish. */
  async admit<T>(write: () => Promise<T>): Promise<T> {
    while (this.held) await this.held;
    this.inFlight++;
    try {
      return await write();
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  /** Holds new writes back and resolves, with the release, once the writes under way have finished. One holder at a time. */
  async hold(): Promise<() => void> {
    if (this.held) throw new Error('the write gate is already held');
    let open!: () => void;
    this.held = new Promise<void>((resolve) => (open = resolve));
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.drained = null;
    return () => {
      this.held = null;
      open();
    };
  }
}
