/** What both Tokenscope dashboards share: time picker quick ranges, tags, links to each other, the JSON envelope. */
import { DashboardCursorSync, defaultDashboard, type Dashboard, type Panel, type TimeOption, type VariableModel } from '@grafana/schema';

/** The ranges of the Usage Statistics page, besides Grafana's own absolute-range picker. */
export const QUICK_RANGES: TimeOption[] = [
  { display: 'Last 1 hour', from: 'now-1h', to: 'now' },
  { display: 'Today', from: 'now/d', to: 'now' },
  { display: 'Last 3 days', from: 'now-3d', to: 'now' },
  { display: 'Last 7 days', from: 'now-7d', to: 'now' },
  { display: 'Last 30 days', from: 'now-30d', to: 'now' },
];

/** Tag on both dashboards; the dashboard links list every dashboard with it. */
export const DASHBOARD_TAG = 'tokenscope';

export function tokenscopeDashboard(spec: {
  uid: string;
  title: string;
  description: string;
  variables: VariableModel[];
  panels: Panel[];
  time: { from: string; to: string };
}): Dashboard {
  return {
    id: null,
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    ...defaultDashboard,
    tags: [DASHBOARD_TAG],
    editable: true,
    graphTooltip: DashboardCursorSync.Crosshair,
    timezone: 'browser',
    time: spec.time,
    timepicker: { quick_ranges: QUICK_RANGES, refresh_intervals: ['1m', '5m', '15m', '1h'] },
    refresh: '',
    links: [
      {
        title: 'Tokenscope',
        type: 'dashboards',
        tags: [DASHBOARD_TAG],
        asDropdown: false,
        icon: 'external link',
        includeVars: false,
        keepTime: true,
        targetBlank: false,
        tooltip: '',
      },
    ],
    templating: { list: spec.variables },
    annotations: { list: [] },
    panels: spec.panels.map((p, i) => ({ ...p, id: i + 1 })),
  };
}
