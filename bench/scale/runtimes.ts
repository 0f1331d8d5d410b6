import { performance } from 'node:perf_hooks';
import { sleep, windowed } from '../concurrency';
import { say } from '../log';
import { SYSTEMS, connectScaleClient, inTurn, startScaleServer, type ScaleContext, type ScaleServer } from './scale-context';
import type { ScaleCurve, ScalePoint, ScaleSystem } from './scale-report';

/** How often the bench asks the runtimes for their counts while they share the work. */
const POLL_MS = 20;

/**
 * Runtimes: `k` servers of one system on the same namespace (so the same queues), `sharedTasks`
 * no-op tasks published: how evenly they were shared (the fewest any runtime ran over the most),
 * and the throughput of all of them together.
 */
export async function runtimeCurves(context: ScaleContext): Promise<ScaleCurve[]> {
  const evenness: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  const rate: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  const tasks = context.options.sharedTasks;
  for (const [index, k] of context.options.runtimeCounts.entries()) {
    for (const system of inTurn(index, SYSTEMS)) {
      const namespace = `${context.runId}-runtimes-${system}-${k}`;
      const servers: ScaleServer[] = [];
      try {
        for (let i = 0; i < k; i++) servers.push(await startScaleServer(context, system, namespace));
        const client = await connectScaleClient(context, system, namespace);
        let counts: number[];
        let wallMs: number;
        try {
          const t0 = performance.now();
          await windowed(tasks, context.options.publishWindow, () => client.enqueueNoop());
          for (;;) {
            counts = await Promise.all(servers.map(async ({ server }) => (await server.request({ op: 'counts' })).io));
            if (counts.reduce((sum, count) => sum + count, 0) >= tasks) break;
            await sleep(POLL_MS);
          }
          wallMs = performance.now() - t0;
        } finally {
          await client.close();
        }
        const minShare = Math.min(...counts) / Math.max(...counts);
        const tasksPerSec = (tasks / wallMs) * 1000;
        evenness[system].push({ x: k, y: minShare });
        rate[system].push({ x: k, y: tasksPerSec });
        context.details.push({ scenario: 'runtimes', system, x: k, data: { counts, minOverMax: minShare, tasksPerSec } });
        say(`scale runtimes ${k}: ${system} shares ${counts.join(' / ')} (fewest / most ${minShare.toFixed(2)}), ${tasksPerSec.toFixed(0)} tasks/s together`);
      } finally {
        // The last stop deletes the shared queues; the others only stop.
        for (const [i, server] of servers.entries()) await server.stop({ keepQueues: i < servers.length - 1 });
      }
    }
  }
  const base = { scenario: 'runtimes', xLabel: 'runtimes on the same queues', xFormat: 'count' as const };
  return [
    { ...base, id: 'runtimes-evenness', title: 'How evenly work is shared (fewest / most tasks)', unit: 'ratio', better: 'higher', digits: 2, series: evenness },
    { ...base, id: 'runtimes-rate', title: 'Throughput of the runtimes together', unit: 'tasks/s', better: 'higher', digits: 0, series: rate },
  ];
}
