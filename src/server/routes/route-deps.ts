/** What every route module is given. */
import type { Config } from '../config';
import type { Store } from '../storage/engine';

export interface RouteDeps {
  config: Readonly<Config>;
  store: Store;
}
