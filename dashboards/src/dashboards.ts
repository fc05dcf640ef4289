/** Every provisioned dashboard and the file it is written to (dashboards/<file>). */
import type { Dashboard } from '@grafana/schema';
import { usageRankingDashboard } from './usage-ranking';
import { usageTrendDashboard } from './usage-trend';

export const DASHBOARDS: ReadonlyArray<{ file: string; build: () => Dashboard }> = [
  { file: 'usage-ranking.json', build: usageRankingDashboard },
  { file: 'usage-trend.json', build: usageTrendDashboard },
];

/** The JSON exactly as committed: two-space indent and a final newline. */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
