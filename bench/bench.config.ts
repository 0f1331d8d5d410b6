import { compiledWarren } from './compiled-warren';

// A user's config imports 'warren'; compiledWarren() is that (see compiled-warren.ts for why not the name).
const { defineConfig } = compiledWarren();

/**
 * The runtime the benchmark measures. The broker URL and a fresh namespace are filled in by
 * bench/servers/warren-server.ts for every run, so runs never share queues.
 */
export default defineConfig({
  // bench --scale's queues curve adds BENCH_SCALE_QUEUES one-task queues (jobs/scale-jobs.ts).
  jobs: process.env.BENCH_SCALE_QUEUES ? ['jobs/bench-jobs.ts', 'jobs/scale-jobs.ts'] : ['jobs/bench-jobs.ts'],
  pools: { cpu: {}, io: { concurrency: 32 } },
  logLevel: 'silent',
  shutdownGraceMs: 5_000,
  rpcTimeoutMs: 30_000,
});
