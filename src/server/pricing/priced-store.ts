/**
 * Prices every event on its way into a store, whichever ingest path it came by (the HTTP API, an adapter, the
 * demo seeder): the store then keeps the cost beside the tokens, in every rollup.
 */
import type { Store } from '../storage/engine';
import { priceEvents } from './event-cost';
import { createPriceLookup } from './price-lookup';
import type { PriceTable } from './price-table';

/** The same store, whose `ingest` prices the events first; everything else is the store's own. */
export function withPricing(store: Store, table: PriceTable): Store {
  const lookup = createPriceLookup(table);
  const ingest: Store['ingest'] = (events) => store.ingest(priceEvents(events, lookup));
  return new Proxy(store, { get: (target, property) => (property === 'ingest' ? ingest : Reflect.get(target, property, target)) });
}
