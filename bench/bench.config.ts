import { defineConfig } from '../src';

/**
 * The runtime the benchmark measures. The broker URL and a fresh namespace are filled in by
 * bench/servers/warren-server.ts for every run, so runs never share queues.
 */
export default defineConfig({
  jobs: ['jobs/bench-jobs.ts'],
  pools: { cpu: {}, io: { concurrency: 32 } },
  logLevel: 'silent',
  shutdownGraceMs: 5_000,
  rpcTimeoutMs: 30_000,
});
