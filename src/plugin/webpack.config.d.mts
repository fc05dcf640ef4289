/** Types of webpack.config.mjs, for the tests that import its lists. */
import type { Configuration, RuleSetRule } from 'webpack';

export declare const GRAFANA_EXTERNALS: string[];
export declare const swcRule: RuleSetRule;
declare const config: (env?: { development?: boolean; outDir?: string }) => Configuration;
export default config;
