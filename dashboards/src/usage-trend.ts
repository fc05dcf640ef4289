/** The "Usage Trend" dashboard: one time series per metric, a series per model, legends with max/min/mean. */
import type { Dashboard } from '@grafana/schema';
import { GRANULARITIES, MODEL_TYPES, type MetricId } from '../../src/shared';
import { tokenscopeDashboard } from './dashboard';
import { metricInfo, STATS_LEGEND, tablePanel, target, timeSeriesPanel } from './panels';
import { customVariable, dimensionVariable } from './variables';

export const USAGE_TREND_UID = 'tokenscope-usage-trend';

/** The panels of the page, in its order: every metric of the catalogue once, but the parts of cost (editor and CSV only). */
export const TREND_METRICS: readonly MetricId[] = [
  'total_tokens',
  'input_tokens',
  'output_tokens',
  'total_tokens_per_minute',
  'input_tokens_per_minute',
  'output_tokens_per_minute',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'requests',
  'concurrency',
  'cost',
  'unpriced_tokens',
];

/** How many calls the "Largest calls" table lists. */
const LARGEST_CALLS = 20;
/** Height of the "Largest calls" table at the top: a point's "Largest calls in this bucket" link lands on it. */
const CALLS_HEIGHT = 8;

/** Most model series a panel draws; models past it are summed into "other". */
const SERIES_LIMIT = 20;
const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 9;

/** Every panel keeps the chosen model type, services, keys and models. */
const FILTERS = {
  model_type: ['$model_type'],
  service: ['$service'],
  api_key: ['$api_key'],
  model: ['$model'],
};

export function usageTrendDashboard(): Dashboard {
  return tokenscopeDashboard({
    uid: USAGE_TREND_UID,
    title: 'Tokenscope · Usage Trend',
    description: 'Token usage over time per model: tokens, tokens per minute, cache, requests, concurrency and cost.',
    time: { from: 'now-3d', to: 'now' },
    variables: [
      dimensionVariable({
        dimension: 'model_type',
        description: 'The category of models shown; choose it first, the other filters offer what it contains.',
        multi: false,
        current: MODEL_TYPES[0].id,
      }),
      dimensionVariable({
        dimension: 'service',
        label: 'Online Inference Service',
        description: 'The inference services (endpoints) to include.',
        multi: true,
        filters: { model_type: ['$model_type'] },
      }),
      dimensionVariable({
        dimension: 'api_key',
        description: 'The API keys to include (secret-looking keys are shown masked).',
        multi: true,
        filters: { model_type: ['$model_type'], service: ['$service'] },
      }),
      dimensionVariable({
        dimension: 'model',
        description: 'The models to include; each panel draws one series per model.',
        multi: true,
        filters: { model_type: ['$model_type'], service: ['$service'], api_key: ['$api_key'] },
      }),
      customVariable({
        name: 'granularity',
        label: 'Granularity',
        description: 'Length of one point (Auto follows the panel width and the range).',
        choices: [{ text: 'Auto', value: 'auto' }, ...GRANULARITIES.filter((g) => g.id !== '1d').map((g) => ({ text: g.id, value: g.id }))],
        current: 'auto',
      }),
    ],
    panels: [
      ...TREND_METRICS.map((id, i) => {
        const metric = metricInfo(id);
        return timeSeriesPanel({
          title: metric.name,
          description: metric.description,
          unit: metric.unit,
          style: 'lines',
          legend: STATS_LEGEND,
          gridPos: { x: (i % 2) * PANEL_WIDTH, y: CALLS_HEIGHT + Math.floor(i / 2) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
          targets: [target({ queryType: 'trend', metrics: [id], dimension: 'model', limit: SERIES_LIMIT, granularity: '$granularity', filters: FILTERS })],
        });
      }),
      // Drawn on top (gridPos), listed last: the metric panels keep the ids that alert links name (viewPanel).
      tablePanel({
        title: 'Largest calls',
        description: `The ${LARGEST_CALLS} largest calls by total tokens in the selected range under the filters above, with their event, trace and span ids. A row links to this page for its key and model; a trace id opens the trace in the tracing data source named in the data source settings. Click a point of a chart below ("Largest calls in this bucket") to see the calls of that interval.`,
        gridPos: { x: 0, y: 0, w: 24, h: CALLS_HEIGHT },
        targets: [target({ queryType: 'calls', metrics: [], orderBy: 'total_tokens', limit: LARGEST_CALLS, filters: FILTERS })],
      }),
    ],
  });
}
