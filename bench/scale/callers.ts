import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { say } from '../log';
import { CHILD_LOADER, ROOT } from '../servers/server-process';
import { percentile } from '../stats';
import type { FromCaller, ToCaller } from './caller-process';
import { SYSTEMS, inTurn, startScaleServer, type ScaleContext } from './scale-context';
import type { ScaleCurve, ScalePoint, ScaleSystem } from './scale-report';

const MB = 1024 * 1024;

interface Caller {
  readonly child: ChildProcess;
  readonly ready: Promise<number>;
  readonly done: Promise<number[]>;
}

/** One caller child: `ready` resolves with its RSS once connected; `done` with its round trips after "go". */
function spawnCaller(context: ScaleContext, system: ScaleSystem, namespace: string): Caller {
  const child = spawn(process.execPath, [...CHILD_LOADER, 'bench/scale/caller-process.ts'], {
    cwd: ROOT,
    env: { ...process.env, BENCH_SYSTEM: system, BENCH_BROKER_URL: context.url, BENCH_NAMESPACE: namespace, BENCH_CALLS: String(context.options.callsPerClient) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`${system} caller exited (${signal ?? `code ${code}`}) before it finished`)));
    child.on('message', (message: FromCaller) => {
      if (message.kind === 'failed') reject(new Error(`${system} caller: ${message.error}`));
    });
  });
  failed.catch(() => {});
  const ready = Promise.race([new Promise<number>((resolve) => child.on('message', (message: FromCaller) => message.kind === 'ready' && resolve(message.rssBytes))), failed]);
  const done = Promise.race([new Promise<number[]>((resolve) => child.on('message', (message: FromCaller) => message.kind === 'done' && resolve(message.latenciesMs))), failed]);
  return { child, ready, done };
}

/**
 * Callers: `k` caller processes, each making sequential echo calls (one in flight each, so `k`
 * in flight in all) against one server: the throughput of all of them, the p99 over every call,
 * and how long the `k` processes took to start and connect (and their RSS each).
 */
export async function callerCurves(context: ScaleContext): Promise<ScaleCurve[]> {
  const rate: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  const p99: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  const connect: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  const callerRss: Record<ScaleSystem, ScalePoint[]> = { warren: [], raw: [] };
  for (const [index, k] of context.options.clientCounts.entries()) {
    for (const system of inTurn(index, SYSTEMS)) {
      const namespace = `${context.runId}-callers-${system}-${k}`;
      const { stop } = await startScaleServer(context, system, namespace);
      const callers: Caller[] = [];
      const forget = context.cleanup.add(`${system} callers`, async () => callers.forEach(({ child }) => child.kill('SIGKILL')), () => callers.forEach(({ child }) => child.kill('SIGKILL')));
      try {
        const t0 = performance.now();
        for (let i = 0; i < k; i++) callers.push(spawnCaller(context, system, namespace));
        const rss = await Promise.all(callers.map((caller) => caller.ready));
        const connectMs = performance.now() - t0;
        const t1 = performance.now();
        for (const { child } of callers) child.send({ kind: 'go' } satisfies ToCaller);
        const latencies = (await Promise.all(callers.map((caller) => caller.done))).flat();
        const wallMs = performance.now() - t1;
        const callsPerSec = (latencies.length / wallMs) * 1000;
        const p99Ms = percentile(latencies, 99);
        const meanRssMb = rss.reduce((sum, bytes) => sum + bytes, 0) / rss.length / MB;
        rate[system].push({ x: k, y: callsPerSec });
        p99[system].push({ x: k, y: p99Ms });
        connect[system].push({ x: k, y: connectMs / 1000 });
        callerRss[system].push({ x: k, y: meanRssMb });
        context.details.push({ scenario: 'callers', system, x: k, data: { calls: latencies.length, callsPerSec, p50Ms: percentile(latencies, 50), p99Ms, connectMs, meanCallerRssMb: meanRssMb } });
        say(`scale callers ${k}: ${system} ${callsPerSec.toFixed(0)} calls/s, p99 ${p99Ms.toFixed(2)} ms; ${k} processes up and connected in ${(connectMs / 1000).toFixed(1)} s, ${meanRssMb.toFixed(0)} MB RSS each`);
      } finally {
        for (const { child } of callers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        forget();
        await stop();
      }
    }
  }
  const base = { scenario: 'callers', xLabel: 'caller processes, one call in flight each', xFormat: 'count' as const };
  return [
    { ...base, id: 'callers-rate', title: 'RPC throughput of all callers', unit: 'calls/s', better: 'higher', digits: 0, series: rate },
    { ...base, id: 'callers-p99', title: 'RPC p99 over every call', unit: 'ms', better: 'lower', digits: 2, series: p99 },
    { ...base, id: 'callers-connect', title: 'Caller processes started and connected', unit: 's', better: 'lower', digits: 1, series: connect },
    { ...base, id: 'callers-rss', title: 'RSS of one caller process', unit: 'MB', better: 'lower', digits: 0, series: callerRss },
  ];
}
