import { formatDuration } from '../format/duration';
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
      print(table(runtime.pools.map((pool) => [`pool ${pool.kind}`, `${pool.inFlight}/${pool.capacity} in flight`, `${pool.workerRestarts} worker restart(s)`, recycledText(pool.threadsRecycled)])));
      print(table(runtime.queues.map((queue) => [queue.brokerQueue, queue.pool, `${queue.running} running`, `prefetch ${queue.prefetch}`])));
      const running = runtime.inFlight ?? []; // absent from a runtime of an older Warren
      if (running.length > 0) {
        print('in flight:');
        const now = Date.now();
        print(table(running.map((task) => [task.task, task.taskId, task.startedAt ? `running ${formatDuration(now - Date.parse(task.startedAt))}` : `waiting ${formatDuration(now - Date.parse(task.receivedAt))} for a thread`, task.threadId === undefined ? task.pool : task.threadId === 0 ? 'main thread' : `thread ${task.threadId}`, task.attempt > 1 ? `attempt ${task.attempt}` : ''])));
      }
    }
  } finally {
    await client.close();
  }
}

/** `3 recycled (2 tasks, 1 heap)`, or nothing when the pool does not recycle threads. */
function recycledText(recycled: Readonly<Record<string, number>> | undefined): string {
  if (!recycled) return '';
  const total = Object.values(recycled).reduce((sum, n) => sum + n, 0);
  return `${total} thread(s) recycled (${Object.entries(recycled).map(([reason, n]) => `${n} ${reason}`).join(', ')})`;
}
