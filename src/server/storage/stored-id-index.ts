/**
 * The ids of stored events, hashed to 64 bits and grouped by the UTC day of their timestamp, for the days a
 * writer has loaded: a resend is recognised in memory instead of by reading the stored events. A matching hash
 * only makes a candidate, which the writer confirms against the stored ids, so a collision never drops an event.
 * Memory is bounded: the least recently used days are forgotten, and an event whose days are not held is checked
 * against the stored events as before.
 */
import { DEDUPE_WINDOW_MS } from './engine';

const DAY_MS = 86_400_000;
/** Most slots in use before a day's table grows (linear probing stays short below this). */
const MAX_LOAD = 0.75;
const INITIAL_SLOTS = 1024;

/**
 * A 64-bit hash of an id as two 32-bit halves: two multiply–xorshift passes over its UTF-16 code units with
 * different seeds, mixed at the end. Never (0, 0), which marks an empty slot. Not cryptographic: it only spreads
 * ids over slots, and every match is confirmed.
 */
export function hashId(id: string, out: Int32Array): void {
  let a = 0x9e3779b9;
  let b = 0x7f4a7c15;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x85ebca6b);
    b = Math.imul(b ^ c, 0xc2b2ae35);
  }
  a ^= a >>> 15;
  b ^= b >>> 13;
  a = Math.imul(a ^ Math.imul(b, 0x27d4eb2f), 0x165667b1);
  b = Math.imul(b ^ Math.imul(a, 0x9e3779b1), 0x85ebca77);
  a ^= a >>> 16;
  b ^= b >>> 16;
  out[0] = a;
  out[1] = a === 0 && b === 0 ? 1 : b;
}

/** An open-addressing set of 64-bit hashes (linear probing), 8 bytes a slot. */
export class HashSet64 {
  private hi: Int32Array;
  private lo: Int32Array;
  private count = 0;

  constructor(expected = 0) {
    const slots = Math.max(INITIAL_SLOTS, Math.ceil(expected / MAX_LOAD) + 1);
    this.hi = new Int32Array(slots);
    this.lo = new Int32Array(slots);
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength;
  }

  has(hi: number, lo: number): boolean {
    const slots = this.hi.length;
    for (let i = (lo >>> 0) % slots; ; i = i + 1 === slots ? 0 : i + 1) {
      if (this.hi[i] === hi && this.lo[i] === lo) return true;
      if (this.hi[i] === 0 && this.lo[i] === 0) return false;
    }
  }

  add(hi: number, lo: number): void {
    if ((this.count + 1) / this.hi.length > MAX_LOAD) this.grow();
    const slots = this.hi.length;
    for (let i = (lo >>> 0) % slots; ; i = i + 1 === slots ? 0 : i + 1) {
      if (this.hi[i] === hi && this.lo[i] === lo) return;
      if (this.hi[i] === 0 && this.lo[i] === 0) {
        this.hi[i] = hi;
        this.lo[i] = lo;
        this.count++;
        return;
      }
    }
  }

  private grow(): void {
    const { hi, lo } = this;
    this.hi = new Int32Array(Math.ceil(hi.length * 1.5));
    this.lo = new Int32Array(this.hi.length);
    this.count = 0;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.add(hi[i], lo[i]);
  }
}

/** What the index needs from a store to load days: how many ids each holds, and the ids themselves. */
export interface StoredIdSource {
  /** Ids stored per day, for the days given (a day without ids may be left out). */
  countIds(days: readonly number[]): Promise<Map<number, number>>;
  /** Every stored id of the days given, with its day. */
  forEachId(days: readonly number[], each: (day: number, id: string) => void): Promise<void>;
}

/** Bytes a day of `ids` ids takes once loaded. */
const bytesFor = (ids: number) => 8 * Math.max(INITIAL_SLOTS, Math.ceil(ids / MAX_LOAD) + 1);

const dayOf = (ts: number) => Math.floor(ts / DAY_MS);
/** The first and last day whose events an event at `ts` may share its id with (those within the dedupe window). */
const firstDay = (ts: number) => dayOf(ts - DEDUPE_WINDOW_MS);
const lastDay = (ts: number) => dayOf(ts + DEDUPE_WINDOW_MS);

/** The days whose events an event at `ts` may share its id with. */
export function windowDays(ts: number): number[] {
  const days: number[] = [];
  for (let d = firstDay(ts); d <= lastDay(ts); d++) days.push(d);
  return days;
}

/** The days whose events any of these events may share its id with. */
export function windowDaysOf(timestamps: Iterable<number>): Set<number> {
  const eventDays = new Set<number>();
  for (const ts of timestamps) eventDays.add(dayOf(ts));
  const days = new Set<number>();
  for (const d of eventDays) for (const w of windowDays(d * DAY_MS)) days.add(w);
  return days;
}

/** A held day unused this long is forgotten: time-ordered traffic leaves yesterday's ids behind within minutes. */
export const IDLE_DAY_MS = 5 * 60_000;

/**
 * A held day unused while this many ids were stored is forgotten too: a bulk load in time order passes a day's ids
 * in seconds (at 10M events a month, all 30 days within IDLE_DAY_MS), and the days it left behind stayed until the
 * memory was full. Traffic reaches IDLE_DAY_MS first unless it stores over 3,000 ids a second; a load in random
 * order needs every day in every write, so it keeps them.
 */
export const IDLE_DAY_IDS = 1_000_000;

export class StoredIdIndex {
  /** Held days; a Map keeps insertion order, so the first entry is the least recently used. */
  private readonly days = new Map<number, HashSet64>();
  /** When each held day was last needed: by `now`, and by the count of ids added then. */
  private readonly lastUsed = new Map<number, { at: number; added: number }>();
  /** Ids added so far. */
  private added = 0;
  private readonly scratch = new Int32Array(2);

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  get bytes(): number {
    let sum = 0;
    for (const set of this.days.values()) sum += set.bytes;
    return sum;
  }

  /** Days held, least recently used first. */
  get heldDays(): number[] {
    return [...this.days.keys()];
  }

  /**
   * Loads the days not held yet, as far as memory allows (days not in `needed` are forgotten, least recently
   * used first, to make room), and marks every needed day as just used.
   */
  async load(needed: Iterable<number>, source: StoredIdSource): Promise<void> {
    const wanted = new Set(needed);
    const missing: number[] = [];
    const now = this.now();
    for (const day of wanted) this.lastUsed.set(day, { at: now, added: this.added });
    for (const day of wanted) {
      const set = this.days.get(day);
      if (!set) {
        missing.push(day);
        continue;
      }
      this.days.delete(day);
      this.days.set(day, set);
    }
    if (missing.length === 0) return;
    const counts = await source.countIds(missing);
    const loading = new Map<number, HashSet64>();
    for (const day of missing.sort((a, b) => a - b)) {
      const ids = counts.get(day) ?? 0;
      if (!this.makeRoom(bytesFor(ids) + [...loading.values()].reduce((n, s) => n + s.bytes, 0), wanted)) continue;
      loading.set(day, new HashSet64(ids));
    }
    const toRead = [...loading.keys()].filter((d) => (counts.get(d) ?? 0) > 0);
    if (toRead.length > 0) {
      await source.forEachId(toRead, (day, id) => {
        hashId(id, this.scratch);
        loading.get(day)?.add(this.scratch[0], this.scratch[1]);
      });
    }
    for (const [day, set] of loading) this.days.set(day, set);
  }

  /** Whether every day an event at `ts` may share its id with is held. */
  covers(ts: number): boolean {
    for (let d = firstDay(ts); d <= lastDay(ts); d++) if (!this.days.has(d)) return false;
    return true;
  }

  /** Whether a stored event near `ts` may have this id; only meaningful where `covers(ts)`. */
  mayHold(id: string, ts: number): boolean {
    hashId(id, this.scratch);
    for (let d = firstDay(ts); d <= lastDay(ts); d++) if (this.days.get(d)?.has(this.scratch[0], this.scratch[1])) return true;
    return false;
  }

  /** Records a stored id in its day, if that day is held (a day not held is read whole when it is loaded). */
  add(id: string, ts: number): void {
    this.added++;
    const set = this.days.get(dayOf(ts));
    if (!set) return;
    hashId(id, this.scratch);
    set.add(this.scratch[0], this.scratch[1]);
  }

  /**
   * Forgets days unused for IDLE_DAY_MS or IDLE_DAY_IDS, then the least recently used ones until the index fits its
   * memory again (days grow as ids are added).
   */
  trim(): void {
    const idleBefore = this.now() - IDLE_DAY_MS;
    for (const day of this.days.keys()) {
      const used = this.lastUsed.get(day);
      if (!used || used.at < idleBefore || this.added - used.added >= IDLE_DAY_IDS) this.forget(day);
    }
    this.makeRoom(0, new Set());
  }

  /** Forgets everything, e.g. after a write whose outcome is unknown. */
  clear(): void {
    this.days.clear();
    this.lastUsed.clear();
  }

  /** Frees days not in `keep` until `bytes` more fit; false when they cannot. */
  private makeRoom(bytes: number, keep: Set<number>): boolean {
    if (bytes > this.maxBytes) return false;
    let used = this.bytes;
    for (const [day, set] of this.days) {
      if (used + bytes <= this.maxBytes) break;
      if (keep.has(day)) continue;
      this.forget(day);
      used -= set.bytes;
    }
    return used + bytes <= this.maxBytes;
  }

  private forget(day: number): void {
    this.days.delete(day);
    this.lastUsed.delete(day);
  }
}
