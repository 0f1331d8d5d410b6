import os from 'node:os';
import type { BrokerAdmin } from '../admin';
import type { Cleanup } from '../cleanup';
import { say } from '../log';
import type { BenchOptions } from '../options';
import type { ResultsCollector, SystemId } from '../results';
import { ioThroughput } from '../scenarios/io-throughput';
import { rpcLatency } from '../scenarios/rpc-latency';
import { CeleryBenchClient } from './celery-client';
import { CeleryWorker, type CeleryPool, type CeleryPython } from './celery-worker';

export interface CeleryContext {
  readonly options: BenchOptions;
  readonly url: string;
  readonly runId: string;
  readonly admin: BrokerAdmin;
  readonly collector: ResultsCollector;
  readonly cleanup: Cleanup;
  readonly celery: CeleryPython;
  /** Warren's bench-io prefetch: the Celery worker's prefetch (concurrency × multiplier) matches it. */
  readonly prefetch: number;
}

export interface CeleryPoolSetup {
  readonly pool: CeleryPool;
  readonly concurrency: number;
  readonly prefetchMultiplier: number;
}

/** prefork: one process per core; threads: as many threads as Warren runs I/O tasks at once. Prefetch = Warren's. */
export function celeryPools(prefetch: number): CeleryPoolSetup[] {
  const cores = os.availableParallelism();
  return [
    { pool: 'prefork', concurrency: cores, prefetchMultiplier: Math.max(1, Math.round(prefetch / cores)) },
    { pool: 'threads', concurrency: prefetch, prefetchMultiplier: 1 },
  ];
}

/** Scenario 1 and 2a against a Celery worker per pool, `repetitions` times each, on its own fresh queue. */
export async function runCelery(context: CeleryContext): Promise<CeleryPoolSetup[]> {
  const { options, url, runId, admin, collector, cleanup } = context;
  const setups = celeryPools(context.prefetch);
  for (const setup of setups) {
    const system: SystemId = setup.pool === 'prefork' ? 'celery-prefork' : 'celery-threads';
    const queue = `${runId}-celery-${setup.pool}`;
    const started = Date.now();
    const worker = await CeleryWorker.start({ python: context.celery.python, pool: setup.pool, concurrency: setup.concurrency, prefetchMultiplier: setup.prefetchMultiplier, url, queue, admin });
    const forget = cleanup.add(`celery ${setup.pool} worker`, () => worker.stop(), () => worker.kill());
    say(`celery ${setup.pool}: worker up in ${Date.now() - started} ms (-c ${setup.concurrency}, prefetch ${setup.concurrency * setup.prefetchMultiplier})`);
    let client: CeleryBenchClient | undefined;
    try {
      client = await CeleryBenchClient.connect(url, queue);
      for (let repetition = 1; repetition <= options.repetitions; repetition++) {
        const tag = `celery ${setup.pool} rep ${repetition}/${options.repetitions}`;
        const io = await ioThroughput(client.target(system), { tasks: options.celeryIoTasks, warmupTasks: Math.min(options.ioWarmupTasks, options.celeryIoTasks / 10), publishWindow: options.publishWindow });
        collector.add('io.tasksPerSec', system, io.tasksPerSec);
        collector.add('io.clientCpuUs', system, io.clientCpuUsPerTask);
        collector.detail(system, repetition, 'io-throughput', io);
        const latency = await rpcLatency(client, options.rpcCalls, options.rpcWarmupCalls);
        collector.add('rpc.p50Ms', system, latency.p50Ms);
        collector.add('rpc.p99Ms', system, latency.p99Ms);
        collector.add('rpc.warmupP99Ms', system, latency.warmup.p99Ms);
        collector.detail(system, repetition, 'rpc-latency', latency);
        say(`${tag}: ${io.tasksPerSec.toFixed(0)} tasks/s; RPC p50 ${latency.p50Ms.toFixed(3)} ms p99 ${latency.p99Ms.toFixed(3)} ms (warm-up p99 ${latency.warmup.p99Ms.toFixed(3)} ms)`);
      }
      if (client.failures > 0) say(`celery ${setup.pool}: warning: ${client.failures} task(s) did not succeed`);
    } finally {
      await client?.close();
      await worker.stop();
      forget();
      await admin.deleteAll([queue], [queue]);
    }
  }
  return setups;
}
