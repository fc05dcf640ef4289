/** What every route module is given. */
import type { Config } from '../config';
import type { AppMetrics } from '../metrics/app-metrics';
import type { Store } from '../storage/engine';

export interface RouteDeps {
  config: Readonly<Config>;
  store: Store;
  /** The app's Prometheus metrics (GET /metrics); ingest reports its outcomes here. */
  metrics: AppMetrics;
}
