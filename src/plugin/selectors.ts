/** Test ids of the editors' fields, shared by the component tests and the browser test. */

export const SELECTORS = {
  config: {
    url: 'tokenscope-config-url',
    token: 'tokenscope-config-token',
    tracingUid: 'tokenscope-config-tracing-uid',
    tracingType: 'tokenscope-config-tracing-type',
  },
  query: {
    editor: 'tokenscope-query-editor',
    queryType: 'tokenscope-query-type',
    metrics: 'tokenscope-query-metrics',
    dimension: 'tokenscope-query-dimension',
    granularity: 'tokenscope-query-granularity',
    topN: 'tokenscope-query-topn',
    offset: 'tokenscope-query-offset',
    orderBy: 'tokenscope-query-order-by',
    filter: (dimension: string) => `tokenscope-query-filter-${dimension}`,
  },
  variable: {
    dimension: 'tokenscope-variable-dimension',
  },
} as const;
