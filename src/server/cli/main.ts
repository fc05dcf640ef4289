/** The `tokenscope` command line: serve, demo, import, top, trend, movers, calls, token, prices check, reprice, vacuum. */
import { Command } from 'commander';
import { packageVersion } from '../config';
import { limitHeapGrowth } from '../heap-growth';
import { registerCalls } from './calls';
import { registerDemo } from './demo';
import { registerImport } from './import';
import { registerMovers } from './movers';
import { registerPrices } from './prices';
import { registerServe } from './serve';
import { registerToken } from './token';
import { registerTop } from './top';
import { registerTrend } from './trend';
import { registerVacuum } from './vacuum';

// Before any command runs: the server's heap is held to twice its live objects (see heap-growth.ts).
limitHeapGrowth();

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
registerMovers(program);
registerCalls(program);
registerToken(program);
registerPrices(program);
registerVacuum(program);

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`tokenscope: ${err.message}`);
  process.exit(1);
});
