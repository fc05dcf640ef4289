/** Bundles the browser test's harness page (host.tsx with React and @grafana/* inside); the plugin is built apart. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { swcRule } from '../../../src/plugin/webpack.config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export default (env = {}) => ({
  mode: 'development',
  devtool: false,
  target: 'web',
  entry: path.join(here, 'host.tsx'),
  output: { path: path.resolve(env.outDir ?? path.join(here, '../../../test-output/harness')), filename: 'host.js', publicPath: '/harness/', clean: true },
  resolve: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  module: {
    rules: [
      swcRule,
      // @grafana/ui's ESM imports some packages without file extensions (e.g. 'ol/geom').
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      // Some @grafana/ui components import stylesheets; the harness renders none of them.
      { test: /\.css$/, type: 'asset/source' },
    ],
  },
  performance: { hints: false },
});
