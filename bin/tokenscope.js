#!/usr/bin/env node
// The `tokenscope` command: runs the TypeScript CLI through tsx's loader, so there is no build step to forget.
// CommonJS (bin/package.json) because it must run before Node starts its thread pool, which an ES module entry
// starts while it loads: DuckDB runs every query and commit on that pool, and with Node's default of 4 threads the
// 4 reader connections' queries held every thread while the writer's commits waited for one.
process.env.UV_THREADPOOL_SIZE ??= '16';
// DuckDB's own jemalloc reads this when DuckDB first allocates, after this line: one arena (instead of one per CPU and
// thread mix), and freed pages given back at once instead of kept as "muzzy" pages, which the kernel counts as
// resident until it needs them. A 5M-event bulk ingest's peak RSS 491-518 -> 435-463 MiB, the load run's 472-495 ->
// 430-436, at the same events/s. Set it yourself to change it (an empty value is jemalloc's default).
process.env.DUCKDB_JE_MALLOC_CONF ??= 'narenas:1,muzzy_decay_ms:0';

import('tsx/esm/api')
  .then(({ register }) => {
    register();
    return import('../src/server/cli/main.ts');
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
