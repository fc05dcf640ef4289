#!/usr/bin/env node
// The `tokenscope` command: runs the TypeScript CLI through tsx's loader, so there is no build step to forget.
// CommonJS (bin/package.json) because it must run before Node starts its thread pool, which an ES module entry
// starts while it loads: DuckDB runs every query and commit on that pool, and with Node's default of 4 threads the
// 4 reader connections' queries held every thread while the writer's commits waited for one.
process.env.UV_THREADPOOL_SIZE ??= '16';

import('tsx/esm/api')
  .then(({ register }) => {
    register();
    return import('../src/server/cli/main.ts');
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
