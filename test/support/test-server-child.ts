/** Child side of test-server-process.ts: starts test-server.ts with the overrides in argv, stops on SIGTERM. */
import { startTestServer } from './test-server';

const server = await startTestServer(JSON.parse(process.argv[2] ?? '{}'));
process.stdout.write(`listening ${server.url}\n`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.stop().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.stdin.on('end', stop).resume();
