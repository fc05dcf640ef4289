/**
 * Builds the plugin into dist/: one AMD module.js (what Grafana loads) with Grafana's shared libraries left
 * external, plus plugin.json with %VERSION%/%TODAY% filled in, the logo and dashboard screenshots, README and CHANGELOG.
 * JSX is compiled to React.createElement (classic runtime), so the bundle needs no react/jsx-runtime from
 * Grafana: that external exists only from Grafana 11.6.11 / 12.0.10 / 12.1.7 / 12.2.5 / 12.3 on, and
 * createElement behaves the same on React 18 and 19.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const { id: pluginId } = JSON.parse(readFileSync(path.join(here, 'plugin.json'), 'utf8'));

/** Modules Grafana shares with plugins at run time; importing one of them must never bundle a copy. */
export const GRAFANA_EXTERNALS = [
  'react',
  'react-dom',
  'react/jsx-runtime',
  '@grafana/data',
  '@grafana/ui',
  '@grafana/runtime',
  'rxjs',
  'rxjs/operators',
  'lodash',
  '@emotion/css',
  '@emotion/react',
  'moment',
  'i18next',
  'd3',
  'redux',
  'react-redux',
  'react-router',
  'react-router-dom',
  'slate',
  'prismjs',
  'jquery',
];

/** swc-loader settings shared with the browser test's harness. */
export const swcRule = {
  test: /\.[cm]?[jt]sx?$/,
  exclude: /node_modules/,
  use: {
    loader: 'swc-loader',
    options: {
      jsc: {
        parser: { syntax: 'typescript', tsx: true },
        target: 'es2020',
        transform: { react: { runtime: 'classic', pragma: 'React.createElement', pragmaFrag: 'React.Fragment' } },
      },
    },
  },
};

/** The input Grafana asks for when a dashboard is imported from the data source's Dashboards tab. */
export const DATASOURCE_INPUT = 'DS_TOKENSCOPE';
/** The uid the provisioned data source has; the committed dashboards name it. */
const PROVISIONED_UID = 'tokenscope';

/**
 * A committed dashboard as the plugin ships it (plugin.json `includes`): every reference to the provisioned data
 * source, and the proxy URL of the download link, becomes `${DS_TOKENSCOPE}`, which Grafana's import fills with the
 * data source the user imports it for, whatever its uid.
 */
const importable = (content) => {
  const swap = (value) => {
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === 'object') {
      const out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
      if (out.type === pluginId && out.uid === PROVISIONED_UID) out.uid = `\${${DATASOURCE_INPUT}}`;
      return out;
    }
    return typeof value === 'string' ? value.replaceAll(`/proxy/uid/${PROVISIONED_UID}/`, `/proxy/uid/\${${DATASOURCE_INPUT}}/`) : value;
  };
  const dashboard = swap(JSON.parse(content.toString()));
  const inputs = [{ name: DATASOURCE_INPUT, label: 'Tokenscope', description: '', type: 'datasource', pluginId, pluginName: 'Tokenscope' }];
  return JSON.stringify({ __inputs: inputs, ...dashboard, id: null }, null, 2) + '\n';
};

const withMetadata = (content) =>
  content.toString().replaceAll('%VERSION%', version).replaceAll('%TODAY%', new Date().toISOString().slice(0, 10));

/** `--env outDir=<folder>` builds elsewhere than dist/ (the browser test does, so it never races the bundle test). */
export default (env = {}) => ({
  mode: env.development ? 'development' : 'production',
  target: 'web',
  context: here,
  entry: { module: './module.ts' },
  output: {
    path: env.outDir ? path.resolve(env.outDir) : path.join(root, 'dist'),
    filename: '[name].js',
    library: { type: 'amd' },
    publicPath: `public/plugins/${pluginId}/`,
    uniqueName: pluginId,
    clean: true,
  },
  externals: GRAFANA_EXTERNALS,
  resolve: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  module: { rules: [swcRule] },
  devtool: 'source-map',
  performance: { hints: false },
  plugins: [
    new CopyWebpackPlugin({
      patterns: [
        { from: 'plugin.json', transform: withMetadata },
        { from: 'img', to: 'img' },
        // The dashboard screenshots (npm run screenshots): plugin.json's info.screenshots and README.md show them
        // from img/, which Grafana serves at public/plugins/<id>/img/.
        { from: path.join(root, 'docs/images/*.png'), to: 'img/[name][ext]' },
        { from: 'README.md' },
        { from: path.join(root, 'dashboards', '*.json'), to: 'dashboards/[name][ext]', transform: importable },
        { from: 'CHANGELOG.md' },
        { from: path.join(root, 'LICENSE'), noErrorOnMissing: true },
      ],
    }),
  ],
});
