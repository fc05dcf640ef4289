/**
 * Bundles the browser test's harness page (host.tsx with React and @grafana/* inside); the plugin is built apart.
 * `--env grafana=12` (default) bundles the repository's @grafana/* 12.4 with React 18; `--env grafana=13` bundles
 * the test/plugin/grafana-13 workspace's @grafana/* 13.2 with React 19, the runtime of Grafana 13.2+.
 * Next to host.js it writes bundled-packages.json (name, version, folder of every package in the bundle), so the
 * test can show the page holds exactly one React and one copy of each @grafana package, of the intended line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { swcRule } from '../../../src/plugin/webpack.config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const GRAFANA_13_MODULES = path.join(here, '../grafana-13/node_modules');

/**
 * The 13.2 line sits in the workspace's own node_modules because it conflicts with the repository's 12.4 line.
 * Packages hoisted to the repository's node_modules (react-select, @emotion/react, …) would still find React 18
 * there, so React is redirected for every importer; the @grafana entry points only for host.tsx, since the
 * workspace's @grafana packages already find each other beside them.
 */
const GRAFANA_13_ALIASES = {
  react: path.join(GRAFANA_13_MODULES, 'react'),
  'react-dom': path.join(GRAFANA_13_MODULES, 'react-dom'),
  '@grafana/data$': path.join(GRAFANA_13_MODULES, '@grafana/data'),
  '@grafana/ui$': path.join(GRAFANA_13_MODULES, '@grafana/ui'),
  '@grafana/runtime$': path.join(GRAFANA_13_MODULES, '@grafana/runtime'),
};

/** The package folder (…/node_modules/<name>) a bundled file comes from, or undefined for our own files. */
function packageFolder(file) {
  const match = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
  return match?.[1];
}

/** Writes bundled-packages.json: one entry per package folder that contributed a module to the bundle. */
class BundledPackagesPlugin {
  apply(compiler) {
    compiler.hooks.done.tap('BundledPackagesPlugin', (stats) => {
      const folders = new Set();
      for (const module of stats.compilation.modules) {
        const folder = module.resource && packageFolder(module.resource);
        if (folder) folders.add(folder);
      }
      const packages = [...folders].sort().map((folder) => {
        const { name, version } = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
        return { name, version, folder };
      });
      writeFileSync(path.join(compiler.outputPath, 'bundled-packages.json'), JSON.stringify(packages, null, 1));
    });
  }
}

export default (env = {}) => {
  const grafana = env.grafana ?? '12';
  if (grafana !== '12' && grafana !== '13') throw new Error(`--env grafana must be 12 or 13, not ${grafana}`);
  return {
    mode: 'development',
    devtool: false,
    target: 'web',
    entry: path.join(here, 'host.tsx'),
    output: {
      path: path.resolve(env.outDir ?? path.join(here, `../../../test-output/harness-${grafana}`)),
      filename: 'host.js',
      publicPath: `/harness/${grafana}/`,
      clean: true,
    },
    resolve: { extensions: ['.ts', '.tsx', '.js', '.mjs'], alias: grafana === '13' ? GRAFANA_13_ALIASES : {} },
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
    plugins: [new BundledPackagesPlugin()],
  };
};
