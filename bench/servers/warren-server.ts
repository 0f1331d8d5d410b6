/**
 * Child process: compiled Warren (dist/) serving bench/jobs on the broker and namespace the bench
 * process gives it (BENCH_BROKER_URL, BENCH_NAMESPACE), as `warren start` serves a user's config:
 * started with Warren's own hook (server-process.ts), which compiles this file, bench.config.ts
 * and bench/jobs as it compiles a user's. Counts `task` events for the bench.
 *
 * Not `warren start` itself, because the bench needs the runtime's `task` events over IPC; what
 * this adds to `warren start` is the IPC control (child-control.ts), which the raw amqplib server
 * and the empty child carry too.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { compiledTopology, compiledWarren } from '../compiled-warren';
import type { QueueKind } from '../ipc';
import { ChildControl, requiredEnv, runChild } from './child-control';

const CONFIG_FILE = path.join(__dirname, '..', 'bench.config.ts');

async function main(): Promise<void> {
  const started = performance.now();
  const { loadConfig, Runtime } = compiledWarren();
  const { buildTopology, TopologyNames } = compiledTopology();
  const url = requiredEnv('BENCH_BROKER_URL');
  const namespace = requiredEnv('BENCH_NAMESPACE');
  const loaded = loadConfig(CONFIG_FILE, { env: { WARREN_BROKER_URL: url, WARREN_NAMESPACE: namespace } });
  // Experiments only (bench --cpu-threads / --cpu-prefetch): the defaults are what is measured.
  const threads = positiveEnv('BENCH_CPU_THREADS') ?? loaded.pools.cpu.threads;
  const cpuPrefetch = positiveEnv('BENCH_CPU_PREFETCH');
  const config = {
    ...loaded,
    broker: { ...loaded.broker, url, namespace },
    pools: { ...loaded.pools, cpu: { ...loaded.pools.cpu, threads } },
    queues: cpuPrefetch === undefined ? loaded.queues : { ...loaded.queues, 'bench-cpu': { concurrency: cpuPrefetch } },
  };
  const serving: { runtime?: { stop(): Promise<void> } } = {};
  const control = new ChildControl({ stop: async () => serving.runtime?.stop() });
  // Counted from the first delivery: a backlog already queued starts draining during the start.
  const runtime = await Runtime.start({
    config,
    beforeConsuming: (starting) => {
      const queueKind = new Map<string, QueueKind>(starting.plans.map((plan) => [plan.queue.name, plan.pool]));
      starting.on('task', (event) => control.completed(queueKind.get(event.queue) ?? 'io', event.outcome === 'succeeded'));
    },
  });
  serving.runtime = runtime;
  runtime.on('connectionLost', (error) => {
    control.fatal(error);
    process.exit(1);
  });
  const prefetchOf = (pool: QueueKind): number => runtime.plans.find((plan) => plan.pool === pool)?.prefetch ?? 0;
  const topology = buildTopology(runtime.registry.queues(), new TopologyNames(namespace));
  control.ready({
    system: 'warren',
    pid: process.pid,
    prefetch: { io: prefetchOf('io'), cpu: prefetchOf('cpu') },
    threads: config.pools.cpu.threads,
    startupMs: performance.now() - started,
    declared: { queues: topology.queues.map((queue) => queue.name), exchanges: topology.exchanges.map((exchange) => exchange.name) },
  });
}

function positiveEnv(name: string): number | undefined {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

runChild('warren', main);
