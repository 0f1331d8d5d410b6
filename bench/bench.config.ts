import { compiledWarren } from './compiled-warren';

// A user's config imports 'warren'; compiledWarren() is that (see compiled-warren.ts for why not the name).
const { defineConfig } = compiledWarren();

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
