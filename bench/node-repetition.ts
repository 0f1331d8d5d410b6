import type { BrokerAdmin } from './admin';
import { RawBenchClient } from './baseline/raw-client';
import { serverTarget, type CpuClient, type Target } from './clients/bench-client';
import { WarrenBenchClient } from './clients/warren-bench-client';
import type { Cleanup } from './cleanup';
import { say } from './log';
import type { BenchOptions } from './options';
import type { ServerInfo } from './ipc';
import type { ResultsCollector, SystemId } from './results';
import { poolThroughput, serialKernel, type PoolSample } from './scenarios/cpu-throughput';
import { ioThroughput } from './scenarios/io-throughput';
import { isolation } from './scenarios/isolation';
import { echoesUnderCpuHog } from './scenarios/machine-saturation';
import { idleRss } from './scenarios/memory';
import { rpcLatency } from './scenarios/rpc-latency';
import { rpcThroughput } from './scenarios/rpc-throughput';
import { ServerProcess } from './servers/server-process';

export interface RepetitionContext {
  readonly repetition: number;
  readonly options: BenchOptions;
  readonly url: string;
  readonly runId: string;
  readonly admin: BrokerAdmin;
  /** fib(kernelN) in the bench process, for sizing the isolation backlog. */
  readonly kernelMs: number;
  readonly collector: ResultsCollector;
  readonly cleanup: Cleanup;
  readonly profileDir: string | undefined;
}

const MB = 1024 * 1024;

interface Side {
  readonly system: Extract<SystemId, 'warren' | 'raw'>;
  readonly namespace: string;
  readonly server: ServerProcess;
  readonly target: Target<CpuClient>;
}

/**
 * One repetition of scenarios 1-5 for Warren and for the raw amqplib baseline: fresh server
 * children on fresh namespaces, every scenario on both sides (alternating which side goes first),
 * then everything stopped and deleted.
 */
export async function runNodeRepetition(context: RepetitionContext): Promise<{ warren: ServerInfo }> {
  const { repetition, options, url, runId, admin, collector } = context;
  const tag = `rep ${repetition}/${options.repetitions}`;
  const sides: Side[] = [];
  const declared = { queues: new Set<string>(), exchanges: new Set<string>() };
  const closers: Array<() => Promise<void>> = [];
  try {
    const warrenNs = `${runId}-r${repetition}-warren`;
    const rawNs = `${runId}-r${repetition}-raw`;
    // The empty (loader-only) child starts alongside, for the RSS floor; it does nothing else.
    const emptyStarting = ServerProcess.spawn({ label: 'empty', script: 'bench/servers/empty-server.ts', env: {} });
    closers.push(async () => (await emptyStarting.catch(() => undefined))?.stop());
    const warren = await startServer(context, 'warren', 'bench/servers/warren-server.ts', { BENCH_BROKER_URL: url, BENCH_NAMESPACE: warrenNs, ...experimentEnv(options) }, closers, declared);
    const raw = await startServer(
      context,
      'raw',
      'bench/baseline/raw-server.ts',
      { BENCH_BROKER_URL: url, BENCH_NAMESPACE: rawNs, BENCH_IO_PREFETCH: String(warren.info.prefetch.io), BENCH_CPU_PREFETCH: String(warren.info.prefetch.cpu) },
      closers,
      declared,
    );
    say(`${tag}: servers up (warren ${warren.info.startupMs.toFixed(0)} ms: prefetch io ${warren.info.prefetch.io} / cpu ${warren.info.prefetch.cpu}, ${warren.info.threads} CPU threads; raw ${raw.info.startupMs.toFixed(0)} ms)`);
    const warrenClient = await WarrenBenchClient.connect(url, warrenNs);
    closers.push(() => warrenClient.close());
    const rawClient = await RawBenchClient.connect(url, rawNs);
    closers.push(() => rawClient.close());
    sides.push(
      { system: 'warren', namespace: warrenNs, server: warren, target: serverTarget('warren', warrenClient, warren) },
      { system: 'raw', namespace: rawNs, server: raw, target: serverTarget('raw', rawClient, raw) },
    );
    const ordered = repetition % 2 === 1 ? sides : [...sides].reverse();
    const line = (label: string, values: Array<[Side, string]>): void => say(`${tag}: ${label}: ${values.map(([side, value]) => `${side.system} ${value}`).join(', ')}`);

    // 5a. idle RSS, before any task, after one settle for all; and the floor under both
    const empty = await emptyStarting;
    const [floorBytes, ...idleBytes] = await idleRss([empty, ...ordered.map((side) => side.server)]);
    await empty.stop();
    const floor = floorBytes ?? 0;
    collector.add('mem.floorMb', 'empty', floor / MB);
    const idle: Array<[Side, string]> = [];
    ordered.forEach((side, index) => {
      const bytes = idleBytes[index] ?? 0;
      collector.add('mem.idleMb', side.system, bytes / MB);
      idle.push([side, `${(bytes / MB).toFixed(1)} MB`]);
    });
    line(`idle RSS (empty loader-only child: ${(floor / MB).toFixed(1)} MB)`, idle);

    // 1 + 5b. I/O no-op throughput, RSS sampled meanwhile
    const io: Array<[Side, string]> = [];
    for (const side of ordered) {
      const sample = await ioThroughput(side.target, { tasks: options.ioTasks, warmupTasks: options.ioWarmupTasks, publishWindow: options.publishWindow });
      collector.add('io.tasksPerSec', side.system, sample.tasksPerSec);
      if (sample.peakRssBytes !== undefined) collector.add('mem.loadMb', side.system, sample.peakRssBytes / MB);
      if (sample.serverCpuUsPerTask !== undefined) collector.add('io.serverCpuUs', side.system, sample.serverCpuUsPerTask);
      collector.add('io.clientCpuUs', side.system, sample.clientCpuUsPerTask);
      collector.detail(side.system, repetition, 'io-throughput', sample);
      io.push([
        side,
        `${sample.tasksPerSec.toFixed(0)} tasks/s (CPU/task: server ${(sample.serverCpuUsPerTask ?? 0).toFixed(1)} µs, caller ${sample.clientCpuUsPerTask.toFixed(1)} µs; peak RSS ${((sample.peakRssBytes ?? 0) / MB).toFixed(1)} MB)`,
      ]);
    }
    line(`I/O no-op throughput (${options.ioTasks} tasks)`, io);

    // 2a. RPC latency, one in flight
    const latency: Array<[Side, string]> = [];
    for (const side of ordered) {
      const sample = await rpcLatency(side.target.client, options.rpcCalls, options.rpcWarmupCalls);
      collector.add('rpc.p50Ms', side.system, sample.p50Ms);
      collector.add('rpc.p99Ms', side.system, sample.p99Ms);
      collector.add('rpc.warmupP99Ms', side.system, sample.warmup.p99Ms);
      collector.detail(side.system, repetition, 'rpc-latency', sample);
      latency.push([side, `p50 ${sample.p50Ms.toFixed(3)} ms p99 ${sample.p99Ms.toFixed(3)} ms (warm-up p99 ${sample.warmup.p99Ms.toFixed(3)} ms)`]);
    }
    line(`RPC latency (${options.rpcCalls} calls)`, latency);

    // 2b. RPC throughput, N in flight
    const rpc: Array<[Side, string]> = [];
    for (const side of ordered) {
      const sample = await rpcThroughput(side.target.client, options.rpcThroughputCalls, options.rpcInFlight, Math.min(1_000, options.rpcThroughputCalls / 10));
      collector.add('rpc.callsPerSec', side.system, sample.callsPerSec);
      collector.detail(side.system, repetition, 'rpc-throughput', sample);
      rpc.push([side, `${sample.callsPerSec.toFixed(0)} calls/s`]);
    }
    line(`RPC throughput (${options.rpcThroughputCalls} calls, ${options.rpcInFlight} in flight)`, rpc);

    // 3. CPU throughput: Warren's pool vs a bare piscina pool (same threads, same broker work), and the kernel serially
    const piscinaNs = `${runId}-r${repetition}-piscina`;
    const piscina = await startServer(
      context,
      'piscina',
      'bench/baseline/raw-server.ts',
      { BENCH_BROKER_URL: url, BENCH_NAMESPACE: piscinaNs, BENCH_IO_PREFETCH: String(warren.info.prefetch.io), BENCH_CPU_PREFETCH: String(warren.info.prefetch.cpu), BENCH_CPU_THREADS: String(warren.info.threads) },
      closers,
      declared,
    );
    // Its idle RSS too: the raw server that does Warren's work, CPU threads included.
    const [piscinaIdleBytes] = await idleRss([piscina]);
    collector.add('mem.idleMb', 'piscina', (piscinaIdleBytes ?? 0) / MB);
    say(`${tag}: idle RSS of raw amqplib + bare piscina (${warren.info.threads} threads): ${((piscinaIdleBytes ?? 0) / MB).toFixed(1)} MB`);
    const piscinaClient = await RawBenchClient.connect(url, piscinaNs);
    closers.push(() => piscinaClient.close());
    const cpuOptions = { tasks: options.cpuTasks, kernelN: options.kernelN, threads: warren.info.threads, publishWindow: options.publishWindow };
    const pools = [serverTarget('warren', warrenClient as CpuClient, warren), serverTarget('piscina', piscinaClient as CpuClient, piscina)];
    const cpu: Record<string, PoolSample> = {};
    for (const pool of repetition % 2 === 1 ? pools : [...pools].reverse()) cpu[pool.system] = await poolThroughput(pool, cpuOptions);
    await piscina.stop();
    const serial = await serialKernel(raw, options.kernelN, options.cpuTasks);
    collector.add('cpu.serialTasksPerSec', 'serial', serial.serialTasksPerSec);
    collector.add('cpu.kernelMs', 'serial', serial.kernelMsPerTask);
    for (const system of ['warren', 'piscina'] as const) {
      const sample = cpu[system];
      if (!sample) continue;
      collector.add('cpu.tasksPerSec', system, sample.tasksPerSec);
      collector.add('cpu.speedup', system, serial.serialWallMs / sample.wallMs);
      collector.add('cpu.poolKernelMs', system, sample.poolKernelMsPerTask);
      collector.add('cpu.overheadMs', system, sample.overheadMsPerTask);
      collector.detail(system, repetition, 'cpu-throughput', { ...sample, serial });
    }
    say(
      `${tag}: CPU fib(${options.kernelN}) x ${options.cpuTasks} on ${warren.info.threads} threads: ` +
        (['warren', 'piscina'] as const)
          .map((system) => cpu[system])
          .filter((sample): sample is PoolSample => sample !== undefined)
          .map((sample) => `${sample.system} ${sample.tasksPerSec.toFixed(1)} tasks/s (kernel in the pool ${sample.poolKernelMsPerTask.toFixed(2)} ms, overhead ${sample.overheadMsPerTask.toFixed(3)} ms/task)`)
          .join(', ') +
        `; serial ${serial.serialTasksPerSec.toFixed(1)} tasks/s (kernel ${serial.kernelMsPerTask.toFixed(2)} ms)`,
    );

    // 4. isolation: I/O RPC latency with the CPU queue idle, then saturated
    const iso: Array<[Side, string]> = [];
    for (const side of ordered) {
      const prefetchCpu = side.server.info.prefetch.cpu;
      const lanes = Math.max(1, side.server.info.threads);
      // Enough kernel work to outlast a saturated phase even if every call waits for a full prefetch of kernels.
      const callsPerPhase = Math.ceil(options.isolationCalls / (2 * options.isolationPairs));
      const budgetMs = callsPerPhase * (prefetchCpu * context.kernelMs + 5) + 2_000;
      const backlog = Math.ceil((budgetMs / context.kernelMs) * lanes);
      const sample = await isolation(side.target.client, side.server, admin, {
        calls: options.isolationCalls,
        warmupCalls: options.isolationWarmupCalls,
        pairs: options.isolationPairs,
        backlogPerPhase: backlog,
        kernelN: options.kernelN,
        busyAfter: lanes,
        cpuQueue: `${side.namespace}.bench-cpu`,
        publishWindow: options.publishWindow,
      });
      collector.add('iso.idleP50Ms', side.system, sample.idle.p50Ms);
      collector.add('iso.idleP99Ms', side.system, sample.idle.p99Ms);
      collector.add('iso.satP50Ms', side.system, sample.saturated.p50Ms);
      collector.add('iso.satP99Ms', side.system, sample.saturated.p99Ms);
      collector.add('iso.p99Ratio', side.system, sample.p99Ratio);
      collector.detail(side.system, repetition, 'isolation', sample);
      if (!sample.saturatedThroughout) say(`${tag}: warning: ${side.system}'s CPU queue ran dry during the isolation scenario (backlog ${backlog})`);
      iso.push([side, `p99 idle ${sample.idle.p99Ms.toFixed(3)} ms / saturated ${sample.saturated.p99Ms.toFixed(3)} ms (x${sample.p99Ratio.toFixed(2)})`]);
      // The floor at the CPU workers' own priority: this server idle, an unrelated SCHED_IDLE process busy.
      const idleHog = await echoesUnderCpuHog(side.target.client, options.isolationCalls, warren.info.threads, options.kernelN, context.cleanup, 'idle');
      if (idleHog) {
        collector.add('iso.idleHogP99Ms', side.system, idleHog.p99Ms);
        collector.add('iso.idleHogP99Ratio', side.system, idleHog.p99Ms / sample.idle.p99Ms);
        // The target's ratio: saturated against the floor measured in this repetition, not across runs.
        collector.add('iso.satOverFloor', side.system, sample.saturated.p99Ms / idleHog.p99Ms);
        collector.detail(side.system, repetition, 'machine-floor-sched-idle', idleHog);
        iso.push([side, `with an unrelated ${warren.info.threads}-thread SCHED_IDLE CPU hog p99 ${idleHog.p99Ms.toFixed(3)} ms (x${(idleHog.p99Ms / sample.idle.p99Ms).toFixed(2)})`]);
      }
      if (side.system === 'raw') {
        // The machine floor: the same echoes, the baseline's CPU queue idle, an unrelated process saturating the cores.
        const hog = await echoesUnderCpuHog(side.target.client, options.isolationCalls, warren.info.threads, options.kernelN, context.cleanup);
        if (!hog) throw new Error('the normal-priority CPU hog always runs');
        collector.add('iso.hogP50Ms', 'raw', hog.p50Ms);
        collector.add('iso.hogP99Ms', 'raw', hog.p99Ms);
        collector.add('iso.hogP99Ratio', 'raw', hog.p99Ms / sample.idle.p99Ms);
        collector.detail('raw', repetition, 'machine-floor', hog);
        iso.push([side, `with an unrelated ${warren.info.threads}-thread CPU hog p99 ${hog.p99Ms.toFixed(3)} ms (x${(hog.p99Ms / sample.idle.p99Ms).toFixed(2)})`]);
      }
    }
    line(`isolation (${options.isolationCalls} calls each)`, iso);

    for (const side of sides) {
      const counts = await side.server.request({ op: 'counts' });
      if (counts.failed > 0) say(`${tag}: warning: ${side.system} reported ${counts.failed} failed task(s)`);
    }
    return { warren: warren.info };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await admin.deleteAll([...declared.queues], [...declared.exchanges]);
  }
}

/** The --cpu-threads / --cpu-prefetch experiment overrides for the Warren child. */
function experimentEnv(options: BenchOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (options.cpuThreads !== undefined) env.BENCH_CPU_THREADS = String(options.cpuThreads);
  if (options.cpuPrefetch !== undefined) env.BENCH_CPU_PREFETCH = String(options.cpuPrefetch);
  return env;
}

async function startServer(
  context: RepetitionContext,
  label: string,
  script: string,
  env: Record<string, string>,
  closers: Array<() => Promise<void>>,
  declared: { queues: Set<string>; exchanges: Set<string> },
): Promise<ServerProcess> {
  const server = await ServerProcess.spawn({ label, script, env, cpuProfileDir: context.profileDir });
  for (const queue of server.info.declared.queues) declared.queues.add(queue);
  for (const exchange of server.info.declared.exchanges) declared.exchanges.add(exchange);
  const forget = context.cleanup.add(`${label} server`, () => server.stop(), () => server.kill());
  closers.push(async () => {
    await server.stop();
    forget();
  });
  return server;
}
