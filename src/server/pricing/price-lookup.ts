/**
 * Finds the price of a call: the entries for the call's service before those for every service, within each
 * the exact model id before patterns (in file order); the first of these that has a price in effect at the
 * call's time gives the one with the latest `from`. An override or a new price therefore never changes calls
 * made before its date.
 */
import type { Price, PriceTable } from './price-table';

/** The prices of one entry key (service, model or pattern), latest `from` first. */
type Timeline = readonly Price[];

export interface PriceLookup {
  /** The price in effect for a call of `model` on `service` at `ts` (epoch ms), or null when there is none. */
  find(service: string, model: string, ts: number): Price | null;
}

/** Most (service, model) pairs whose candidate timelines are remembered. */
const CACHE_LIMIT = 10_000;

export function createPriceLookup(table: PriceTable): PriceLookup {
  const exact = new Map<string, Price[]>();
  const patterns: { key: string; service: string | null; regex: RegExp; prices: Price[] }[] = [];
  for (const price of table.prices) {
    if (price.model !== null) {
      const key = `${price.service ?? ''}\u0000${price.model}`;
      const list = exact.get(key) ?? [];
      list.push(price);
      exact.set(key, list);
    } else {
      const key = `${price.service ?? ''}\u0000${price.pattern}`;
      let group = patterns.find((p) => p.key === key);
      if (!group) patterns.push((group = { key, service: price.service, regex: globToRegExp(price.pattern!), prices: [] }));
      group.prices.push(price);
    }
  }
  for (const list of [...exact.values(), ...patterns.map((p) => p.prices)]) list.sort((a, b) => b.from - a.from);

  // By service, then model: two lookups of strings each hashed once, instead of a joined key built per call.
  const candidates = new Map<string, Map<string, Timeline[]>>();
  let remembered = 0;
  const timelinesFor = (service: string, model: string): Timeline[] => {
    let forService = candidates.get(service);
    const found = forService?.get(model);
    if (found) return found;
    const matching = (forService: string | null) => patterns.filter((p) => p.service === forService && p.regex.test(model)).map((p) => p.prices);
    const timelines = [exact.get(`${service}\u0000${model}`), ...matching(service), exact.get(`\u0000${model}`), ...matching(null)].filter(
      (t): t is Price[] => t !== undefined,
    );
    if (remembered >= CACHE_LIMIT) {
      candidates.clear();
      remembered = 0;
      forService = undefined;
    }
    if (!forService) candidates.set(service, (forService = new Map()));
    forService.set(model, timelines);
    remembered++;
    return timelines;
  };

  return {
    find(service, model, ts) {
      for (const timeline of timelinesFor(service, model)) {
        for (const price of timeline) if (price.from <= ts) return price;
      }
      return null;
    },
  };
}

/** A glob over a whole model id: `*` any run of characters, `?` one character, everything else literal. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}
