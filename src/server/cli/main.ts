/** The `tokenscope` command line: serve, demo, import, top, trend, token. */
import { Command } from 'commander';
import { packageVersion } from '../config';
import { registerDemo } from './demo';
import { registerImport } from './import';
import { registerServe } from './serve';
import { registerToken } from './token';
import { registerTop } from './top';
import { registerTrend } from './trend';

const program = new Command()
  .name('tokenscope')
  .description('LLM token-usage statistics: aggregation backend and tools')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError();
registerServe(program);
registerDemo(program);
registerImport(program);
registerTop(program);
registerTrend(program);
registerToken(program);

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`tokenscope: ${err.message}`);
  process.exit(1);
});
