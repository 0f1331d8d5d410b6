import { table } from '../format/table';
import { loadBrokerConfig, openClient, print, printJson, type CommonOptions } from './cli-support';

/** `warren inspect`: the live runtimes, their pools and what is in flight. */
export async function inspectCommand(options: CommonOptions & { timeout?: number }): Promise<void> {
  const client = await openClient(loadBrokerConfig(options, 'inspect'), options.timeout);
  try {
    const runtimes = await client.inspect({ timeoutMs: options.timeout });
    if (options.json) return printJson(runtimes);
    if (runtimes.length === 0) return print('no runtime answered');
    for (const runtime of runtimes) {
      const counts = Object.entries(runtime.counts).map(([outcome, n]) => `${outcome} ${n}`).join(', ');
      print(`${runtime.id}  ${runtime.ready ? 'ready' : runtime.state}  since ${runtime.startedAt}  (${counts})`);
      print(table(runtime.pools.map((pool) => [`pool ${pool.kind}`, `${pool.inFlight}/${pool.capacity} in flight`, `${pool.workerRestarts} worker restart(s)`])));
      print(table(runtime.queues.map((queue) => [queue.brokerQueue, queue.pool, `${queue.running} running`, `prefetch ${queue.prefetch}`])));
    }
  } finally {
    await client.close();
  }
}
