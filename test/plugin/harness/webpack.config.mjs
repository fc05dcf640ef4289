/**
 * Bundles a harness page with React and @grafana/* inside; the plugin is built apart. `--env page=editors`
 * (default) bundles host.tsx, the editors' page, as host.js; `--env page=dashboards` bundles dashboard/main.tsx,
 * the page that draws the dashboards, as dashboards.js.
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
  '@grafana/ui/unstable$': path.join(GRAFANA_13_MODULES, '@grafana/ui/dist/esm/unstable.mjs'),
  '@grafana/schema$': path.join(GRAFANA_13_MODULES, '@grafana/schema'),
  '@grafana/runtime$': path.join(GRAFANA_13_MODULES, '@grafana/runtime'),
};

/** The harness pages: their entry and bundle name. */
const PAGES = {
  editors: { entry: path.join(here, 'host.tsx'), filename: 'host.js' },
  dashboards: { entry: path.join(here, 'dashboard/main.tsx'), filename: 'dashboards.js', jsx: 'automatic' },
};

/**
 * The plugin's swc rule, with React's automatic JSX runtime for pages that stand for Grafana's own code (which is
 * built that way; React 19 warns about the classic transform in a development build).
 */
function swcRuleFor(page) {
  if (!page.jsx) return swcRule;
  const { options } = swcRule.use;
  const react = { ...options.jsc.transform.react, runtime: page.jsx };
  delete react.pragma;
  delete react.pragmaFrag;
  return { ...swcRule, use: { ...swcRule.use, options: { ...options, jsc: { ...options.jsc, transform: { ...options.jsc.transform, react } } } } };
}

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
  const page = PAGES[env.page ?? 'editors'];
  if (!page) throw new Error(`--env page must be one of ${Object.keys(PAGES).join(', ')}, not ${env.page}`);
  return {
    mode: 'development',
    devtool: false,
    target: 'web',
    entry: page.entry,
    output: {
      path: path.resolve(env.outDir ?? path.join(here, `../../../test-output/harness-${grafana}`)),
      filename: page.filename,
      publicPath: `/harness/${grafana}/`,
      clean: true,
    },
    resolve: { extensions: ['.ts', '.tsx', '.js', '.mjs'], alias: grafana === '13' ? GRAFANA_13_ALIASES : {} },
    module: {
      rules: [
        swcRuleFor(page),
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
