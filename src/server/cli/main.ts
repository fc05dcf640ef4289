/** The `tokenscope` command line: serve, demo, import, top, trend. */
import { Command } from 'commander';
import { registerServe } from './serve';

const program = new Command()
  .name('tokenscope')
  .description('LLM token-usage statistics: aggregation backend and tools')
  .showHelpAfterError();
registerServe(program);

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`tokenscope: ${err.message}`);
  process.exit(1);
});
