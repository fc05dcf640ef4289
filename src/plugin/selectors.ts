/** Test ids of the editors' fields, shared by the component tests and the browser test. */

export const SELECTORS = {
  config: {
    url: 'tokenscope-config-url',
    token: 'tokenscope-config-token',
  },
  query: {
    editor: 'tokenscope-query-editor',
    queryType: 'tokenscope-query-type',
    metrics: 'tokenscope-query-metrics',
    dimension: 'tokenscope-query-dimension',
    granularity: 'tokenscope-query-granularity',
    topN: 'tokenscope-query-topn',
    filter: (dimension: string) => `tokenscope-query-filter-${dimension}`,
  },
  variable: {
    dimension: 'tokenscope-variable-dimension',
  },
} as const;
