/** The shared query model: catalogue, query schema and defaults, time parsing, saved-query migration, token scopes. */
export * from './base-sums';
export * from './catalogue';
export * from './money';
export * from './query';
export * from './responses';
export * from './saved-query';
export * from './time';
export * from './scope';
