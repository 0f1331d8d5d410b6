import { windowed } from '../concurrency';
import { say } from '../log';
import { SYSTEMS, connectScaleClient, inTurn, startScaleServer, type ScaleContext } from './scale-context';
import type { ScaleCurve, ScalePoint, ScaleSystem } from './scale-report';

const MB = 1024 * 1024;

/**
 * Backlog: `size` no-op tasks queued while no server runs, then a fresh server drains them.
 * Drain rate: tasks over the time from its first completion to its last (the child's own clock,
 * so start-up is not in it); peak RSS sampled every 50 ms from ready to drained, which prefetch
 * should bound however long the queue is.
 */
export async function backlogCurves(context: ScaleContext): Promise<ScaleCurve[]> {
  const rate: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  const rss: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  const heap: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  for (const [index, size] of context.options.backlogSizes.entries()) {
    for (const system of inTurn(index, SYSTEMS)) {
      const namespace = `${context.runId}-backlog-${system}-${size}`;
      // A first child declares the topology; the backlog waits in its durable queue for the second.
      await (await startScaleServer(context, system, namespace)).stop({ keepQueues: true });
      const client = await connectScaleClient(context, system, namespace);
      try {
        await windowed(size, context.options.publishWindow, () => client.enqueueNoop());
      } finally {
        await client.close();
      }
      const { server, stop } = await startScaleServer(context, system, namespace);
      try {
        await server.request({ op: 'rss-sampling', on: true });
        await (await server.armTotal('io', size)).done;
        const samples = await server.request({ op: 'rss-sampling', on: false });
        const times = await server.request({ op: 'completion-times', queue: 'io' });
        // The heap right after the drain, beside the peak RSS: live data bounded by prefetch, or retained?
        const { usage } = await server.request({ op: 'memory' });
        const drainMs = times.lastMs - times.firstMs;
        const tasksPerSec = (size / drainMs) * 1000;
        rate[system].push({ x: size, y: tasksPerSec });
        rss[system].push({ x: size, y: samples.maxBytes / MB });
        context.details.push({ scenario: 'backlog', system, x: size, data: { drainMs, tasksPerSec, peakRssBytes: samples.maxBytes, heapUsedAfterBytes: usage.heapUsed, heapTotalAfterBytes: usage.heapTotal, startupMs: server.info.startupMs } });
        heap[system].push({ x: size, y: usage.heapUsed / MB });
        say(`scale backlog ${size.toLocaleString('en-US')}: ${system} drained at ${tasksPerSec.toFixed(0)} tasks/s, peak RSS ${(samples.maxBytes / MB).toFixed(1)} MB (main-thread heap after: ${(usage.heapUsed / MB).toFixed(1)} MB used of ${(usage.heapTotal / MB).toFixed(1)} MB)`);
      } finally {
        await stop();
      }
    }
  }
  const base = { scenario: 'backlog', xLabel: 'tasks queued before the server starts', xFormat: 'count' as const };
  return [
    { ...base, id: 'backlog-rate', title: 'Backlog drain rate', unit: 'tasks/s', better: 'higher', digits: 0, series: rate },
    { ...base, id: 'backlog-rss', title: 'Peak RSS while draining a backlog', unit: 'MB', better: 'lower', digits: 1, series: rss },
    { ...base, id: 'backlog-heap', title: 'Main-thread heap used right after the drain', unit: 'MB', better: 'lower', digits: 1, series: heap },
  ];
}
