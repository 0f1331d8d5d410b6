import os from 'node:os';
import type { BrokerAdmin } from '../admin';
import { RawBenchClient } from '../baseline/raw-client';
import type { SizeClient } from '../clients/bench-client';
import { WarrenBenchClient } from '../clients/warren-bench-client';
import type { Cleanup } from '../cleanup';
import { BENCH_IO_CONCURRENCY } from '../jobs/bench-io-concurrency';
import { ServerProcess } from '../servers/server-process';
import type { RabbitNode } from '../../test/support/rabbitmq-node';
import type { ScaleOptions } from './scale-options';
import type { ScaleReport, ScaleSystem } from './scale-report';

/** What every scale scenario gets: the broker, clean-up, and where it records. */
export interface ScaleContext {
  readonly url: string;
  readonly admin: BrokerAdmin;
  /** The throwaway node, for rabbitmqctl (channel counts); undefined on WARREN_BROKER_URL. */
  readonly node: RabbitNode | undefined;
  readonly runId: string;
  readonly cleanup: Cleanup;
  readonly options: ScaleOptions;
  readonly details: Array<ScaleReport['details'][number]>;
}

export const SYSTEMS: readonly ScaleSystem[] = ['warren', 'raw'];

/** Warren's CPU pool threads by default (the cores), which the raw server's bare piscina pool matches. */
export const CPU_THREADS = os.availableParallelism();

/** Both orders in turn: point i runs Warren first when i is even. */
export function inTurn<T>(index: number, items: readonly T[]): T[] {
  return index % 2 === 0 ? [...items] : [...items].reverse();
}

/**
 * Starts the system's server child on `namespace`. The raw side is the raw amqplib server with a
 * bare piscina pool of as many threads as Warren's (so both carry a CPU pool) and the same
 * prefetch; `extraEnv` adds e.g. BENCH_SCALE_QUEUES. Deletes what it declared when stopped.
 */
export async function startScaleServer(context: ScaleContext, system: ScaleSystem, namespace: string, extraEnv: Record<string, string> = {}): Promise<ScaleServer> {
  const base = { BENCH_BROKER_URL: context.url, BENCH_NAMESPACE: namespace, ...extraEnv };
  const server =
    system === 'warren'
      ? await ServerProcess.spawn({ label: 'warren', script: 'bench/servers/warren-server.ts', env: base })
      : await ServerProcess.spawn({
          label: 'raw',
          script: 'bench/baseline/raw-server.ts',
          env: { ...base, BENCH_IO_PREFETCH: String(BENCH_IO_CONCURRENCY), BENCH_CPU_PREFETCH: String(2 * CPU_THREADS), BENCH_CPU_THREADS: String(CPU_THREADS) },
        });
  const forget = context.cleanup.add(`${system} scale server`, () => server.stop(), () => server.kill());
  return {
    server,
    stop: async ({ keepQueues = false } = {}) => {
      await server.stop();
      forget();
      if (!keepQueues) await context.admin.deleteAll(server.info.declared.queues, server.info.declared.exchanges);
    },
  };
}

export interface ScaleServer {
  readonly server: ServerProcess;
  /** Stops the child; deletes its queues and exchanges unless `keepQueues` (a backlog waiting for the next child). */
  stop(options?: { keepQueues?: boolean }): Promise<void>;
}

export async function connectScaleClient(context: ScaleContext, system: ScaleSystem, namespace: string): Promise<SizeClient> {
  const client = system === 'warren' ? await WarrenBenchClient.connect(context.url, namespace) : await RawBenchClient.connect(context.url, namespace);
  return client;
}

/** Channels open on the broker now, over all connections (rabbitmqctl), or undefined without a throwaway node. */
export async function openChannels(node: RabbitNode | undefined): Promise<number | undefined> {
  if (!node) return undefined;
  const out = await node.ctl(['list_connections', 'channels', '--formatter', 'json']);
  const rows = JSON.parse(out) as Array<{ channels?: number }>;
  return rows.reduce((sum, row) => sum + (row.channels ?? 0), 0);
}
