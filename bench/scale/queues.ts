import { sleep } from '../concurrency';
import { say } from '../log';
import { SYSTEMS, inTurn, openChannels, startScaleServer, type ScaleContext } from './scale-context';
import type { ScaleCurve, ScalePoint, ScaleSystem } from './scale-report';

const MB = 1024 * 1024;

/**
 * Queues: a server with `n` extra one-task queues (plus the bench's two): its start-up (the
 * child's own time from main() to serving every queue), the channels it opened on the broker
 * (rabbitmqctl, before and after), its idle RSS, and its idle CPU (ms of CPU per second).
 */
export async function queueCurves(context: ScaleContext): Promise<ScaleCurve[]> {
  const startup: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  const channels: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  const rss: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  const cpu: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  for (const [index, n] of context.options.queueCounts.entries()) {
    for (const system of inTurn(index, SYSTEMS)) {
      const before = await openChannels(context.node);
      const { server, stop } = await startScaleServer(context, system, `${context.runId}-queues-${system}-${n}`, { BENCH_SCALE_QUEUES: String(n) });
      try {
        const after = await openChannels(context.node);
        await sleep(500); // past the start-up's own last work
        const { bytes } = await server.request({ op: 'rss' });
        const cpu0 = await server.request({ op: 'cpu-usage' });
        await sleep(context.options.idleCpuMs);
        const cpu1 = await server.request({ op: 'cpu-usage' });
        const idleCpuMsPerSec = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / context.options.idleCpuMs;
        startup[system].push({ x: n, y: server.info.startupMs });
        if (before !== undefined && after !== undefined) channels[system].push({ x: n, y: after - before });
        rss[system].push({ x: n, y: bytes / MB });
        cpu[system].push({ x: n, y: idleCpuMsPerSec });
        context.details.push({ scenario: 'queues', system, x: n, data: { startupMs: server.info.startupMs, channels: after !== undefined && before !== undefined ? after - before : undefined, rssBytes: bytes, idleCpuMsPerSec } });
        say(`scale queues ${n}: ${system} started in ${server.info.startupMs.toFixed(0)} ms, ${after !== undefined && before !== undefined ? after - before : '?'} channels, idle RSS ${(bytes / MB).toFixed(1)} MB, idle CPU ${idleCpuMsPerSec.toFixed(2)} ms/s`);
      } finally {
        await stop();
      }
    }
  }
  const base = { scenario: 'queues', xLabel: 'extra queues served', xFormat: 'count' as const };
  return [
    { ...base, id: 'queues-startup', title: 'Start-up time', unit: 'ms', better: 'lower', digits: 0, series: startup },
    { ...base, id: 'queues-channels', title: 'Channels opened', unit: 'channels', better: 'lower', digits: 0, series: channels },
    { ...base, id: 'queues-rss', title: 'Idle RSS', unit: 'MB', better: 'lower', digits: 1, series: rss },
    { ...base, id: 'queues-cpu', title: 'Idle CPU', unit: 'ms CPU per s', better: 'lower', digits: 2, series: cpu },
  ];
}
