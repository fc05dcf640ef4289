/** What the query layer offers the routes and nothing else: routes import from here, never from a module inside. */
export { answerQuery, prepareQuery } from './answer-query';
export { countEvents } from './event-count';
export { exportRows } from './export-rows';
export { listDimensionValues } from './dimension-values';
export type { NormalisedQuery } from './normalise';
