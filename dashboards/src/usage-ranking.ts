/** The "Usage Ranking" dashboard: totals, the Top-N list with a CSV download, and stacked bars per interval. */
import { LegendDisplayMode, type Dashboard } from '@grafana/schema';
import { DIMENSIONS, GRANULARITIES, MODEL_TYPES, type DimensionId, type MetricId } from '../../src/shared';
import { tokenscopeDashboard } from './dashboard';
import { exportUrl } from './export-link';
import { metricInfo, panelLink, rankingBarGaugePanel, statPanel, tablePanel, target, timeSeriesPanel, type Target } from './panels';
import { customVariable, dimensionVariable } from './variables';

export const USAGE_RANKING_UID = 'tokenscope-usage-ranking';

/** The dimensions the page ranks by, in its order (model type is a filter here, not a ranking). */
const RANKED: readonly DimensionId[] = ['service', 'model', 'api_key'];
const TOP_N = ['5', '10', '20', '50'] as const;
/** The model type a language-model ranking starts from. */
const DEFAULT_MODEL_TYPE = MODEL_TYPES[0].id;

const modelTypeFilter = { model_type: ['$model_type'] };

function totalsTarget(metric: MetricId): Target {
  return target({ queryType: 'totals', metrics: [metric], filters: modelTypeFilter });
}

/** The total cards across the top, left to right; a card without a title of its own takes the metric's name. */
const TOTAL_CARDS: readonly { metric: MetricId; title?: string }[] = [
  { metric: 'total_tokens', title: 'Total Tokens Consumed' },
  { metric: 'input_tokens' },
  { metric: 'output_tokens' },
  { metric: 'cost' },
];
const CARD_WIDTH = 24 / TOTAL_CARDS.length;

function totalCard({ metric, title }: (typeof TOTAL_CARDS)[number], index: number) {
  const m = metricInfo(metric);
  const card = {
    title: title ?? m.name,
    description: title ? `${m.name}: ${m.description}` : m.description,
    unit: m.unit,
    gridPos: { x: CARD_WIDTH * index, y: 0, w: CARD_WIDTH, h: 4 },
    targets: [totalsTarget(metric)],
  };
  return metric === 'cost' ? costCard(card) : statPanel(card);
}

/**
 * The cost card also shows the unpriced tokens, so a total cost is never silently low, but only when there are
 * any: the unpriced total's row is dropped when it is 0 (the filter does nothing to the cost frame, which lacks
 * that field), and the stat then shows the cost alone. Grafana's filter names fields by their display name.
 */
function costCard(card: Parameters<typeof statPanel>[0]) {
  const unpriced = metricInfo('unpriced_tokens');
  return statPanel({
    ...card,
    description: `${card.description} Unpriced Tokens, shown beside it when not zero: ${unpriced.description}`,
    decimals: 2,
    eachRow: true,
    targets: [...card.targets, { ...totalsTarget('unpriced_tokens'), refId: 'B' }],
    transformations: [
      {
        id: 'filterByValue',
        options: { type: 'exclude', match: 'any', filters: [{ fieldName: unpriced.name, config: { id: 'equal', options: { value: 0 } } }] },
      },
    ],
  });
}

/** What the Top-N list and the stacked bars rank and show: tokens or cost. */
const RANKED_METRICS: readonly MetricId[] = ['total_tokens', 'cost'];

export function usageRankingDashboard(): Dashboard {
  const ranked = RANKED_METRICS.map(metricInfo);
  const definitions = ranked.map((m) => `${m.name}: ${m.description}`).join(' ');
  const rankingQuery = { metrics: ['$metric'], dimension: '$dimension', limit: '$topN', filters: modelTypeFilter };

  return tokenscopeDashboard({
    uid: USAGE_RANKING_UID,
    title: 'Tokenscope · Usage Ranking',
    description: 'Token consumption of language models over the selected range: totals, the Top-N services, models or API keys, and when they used it.',
    time: { from: 'now-7d', to: 'now' },
    variables: [
      customVariable({
        name: 'dimension',
        label: 'Statistical dimension',
        description: 'What the ranking and the trend are broken down by.',
        choices: RANKED.map((id) => ({ text: DIMENSIONS.find((d) => d.id === id)!.byName, value: id })),
        current: 'model',
      }),
      customVariable({
        name: 'metric',
        label: 'Ranked by',
        description: 'What the Top-N list and the trend rank and show: tokens, or their cost in the reporting currency.',
        choices: RANKED_METRICS.map((id, i) => ({ text: ranked[i].name, value: id })),
        current: 'total_tokens',
      }),
      customVariable({
        name: 'topN',
        label: 'Top N',
        description: 'How many resources the ranking lists; the trend stacks them and puts the rest in "other".',
        choices: TOP_N.map((n) => ({ text: n, value: n })),
        current: '10',
      }),
      customVariable({
        name: 'granularity',
        label: 'Granularity',
        description: 'Length of one bar of the trend (Auto follows the panel width and the range).',
        choices: [{ text: 'Auto', value: 'auto' }, ...GRANULARITIES.map((g) => ({ text: g.id, value: g.id }))],
        current: 'auto',
      }),
      dimensionVariable({
        dimension: 'model_type',
        description: 'The ranking is for language models (text generation) unless another model type is chosen.',
        multi: false,
        current: DEFAULT_MODEL_TYPE,
      }),
    ],
    panels: [
      ...TOTAL_CARDS.map(totalCard),
      rankingBarGaugePanel({
        title: 'Top ${topN} · ${dimension:text} by ${metric:text}',
        description: `The top N by the chosen metric over the selected range, largest first. ${definitions} "Download detailed data" (link icon) saves one CSV row per resource per interval with every metric.`,
        unit: undefined,
        gridPos: { x: 0, y: 4, w: 9, h: 14 },
        targets: [target({ queryType: 'ranking', ...rankingQuery })],
        transformations: [
          // The bars are the resources: drop the share column, and the "other" row (always last, and only
          // present when there are more than Top N resources).
          { id: 'organize', options: { excludeByName: { share: true } } },
          { id: 'limit', options: { limitField: '$topN' } },
        ],
        links: [
          panelLink(
            'Download detailed data',
            exportUrl({ dimension: '${dimension}', limit: '${topN}', granularity: '${granularity}', filters: { model_type: '${model_type}' } }),
            'CSV from the Tokenscope backend: the current range, dimension, Top N, granularity and model type',
          ),
        ],
      }),
      timeSeriesPanel({
        title: '${metric:text} per interval · ${dimension:text}',
        description: `The chosen metric per interval at the chosen granularity, one colour per resource, the rest stacked as "other", to show peak periods. ${definitions}`,
        unit: undefined,
        style: 'stackedBars',
        legend: { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
        gridPos: { x: 9, y: 4, w: 15, h: 14 },
        targets: [target({ queryType: 'trend', ...rankingQuery, granularity: '$granularity' })],
      }),
      tablePanel({
        title: 'Top movers · ${dimension:text} by ${metric:text}',
        description: `The ${'$'}{topN} resources whose chosen metric changed most against the range just before, of the same length (largest change first, rises and falls alike; new and vanished ones flagged). ${definitions}`,
        gridPos: { x: 0, y: 18, w: 24, h: 10 },
        targets: [target({ queryType: 'movers', ...rankingQuery })],
      }),
    ],
  });
}
