/**
 * Preloaded into a benchmark's server with `--server-cpu-prof DIR` (Node 20 refuses --cpu-prof in NODE_OPTIONS):
 * profiles the main thread from start to exit and writes DIR/server-<pid>.cpuprofile (open it in Chrome's DevTools).
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TOKENSCOPE_BENCH_CPU_PROFILE_DIR;
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.start');
// The inspector answers a same-thread session synchronously, so the profile is written before the process ends.
process.once('exit', () =>
  session.post('Profiler.stop', (err, result) => !err && writeFileSync(join(dir, `server-${process.pid}.cpuprofile`), JSON.stringify(result.profile))),
);
