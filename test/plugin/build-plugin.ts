/** Runs the plugin's webpack build (the same as `npm run build`) in a child process, into dist/ or another folder. */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');
const require = createRequire(join(REPO, 'package.json'));

export function buildPlugin(outDir?: string): void {
  const args = [
    require.resolve('webpack-cli/bin/cli.js'),
    '--config',
    join(REPO, 'src/plugin/webpack.config.mjs'),
    ...(outDir ? ['--env', `outDir=${outDir}`] : []),
  ];
  const run = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (run.status !== 0) throw new Error(`plugin build failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
}
