import { defineConfig } from '../../src';

/**
 * The config every fault-suite runtime process starts with (`warren start --config`).
 * The suite passes the broker through WARREN_BROKER_URL and the rest through these variables:
 *   WARREN_FAULT_NAMESPACE         broker.namespace: one per scenario, so queues and dead letters never mix
 *   WARREN_FAULT_RECORD            the file the fault jobs append their runs to (see jobs/record.ts)
 *   WARREN_FAULT_CPU_HEAP_MB       pools.cpu.maxOldGenerationSizeMb (the out-of-memory scenario)
 *   WARREN_FAULT_MAX_REDELIVERIES  maxRedeliveries (the crash-loop scenario)
 *   WARREN_FAULT_QUEUE_TYPE        broker.queueType: `quorum` on the cluster (npm run test:faults -- --cluster)
 */
const env = process.env;

function positiveInt(name: string): number | undefined {
  const value = Number(env[name]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

export default defineConfig({
  broker: {
    namespace: env.WARREN_FAULT_NAMESPACE || 'warren-faults',
    queueType: env.WARREN_FAULT_QUEUE_TYPE === 'quorum' ? 'quorum' : undefined,
  },
  // A redelivered message is counted and back in 50 ms: the poison scenario's crash loop runs quickly.
  requeueDelayMs: 50,
  jobs: ['jobs/*-jobs.ts'],
  pools: {
    cpu: { threads: 2, maxOldGenerationSizeMb: positiveInt('WARREN_FAULT_CPU_HEAP_MB') },
    io: { concurrency: 32 },
  },
  maxRedeliveries: positiveInt('WARREN_FAULT_MAX_REDELIVERIES'),
  // Small enough that the hostile-message scenario can go over it cheaply.
  maxPayloadBytes: 256 * 1024,
  shutdownGraceMs: 10_000,
  logLevel: 'warn',
});
