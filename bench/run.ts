/**
 * `npm run bench [-- --quick]`: Warren against a raw amqplib baseline (and Celery, when installed)
 * on a throwaway RabbitMQ node; writes bench/results/latest.{json,md,svg}. See bench/options.ts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrokerAdmin } from './admin';
import { openBroker } from './broker';
import { buildWarren } from './build-warren';
import { calibrateKernel } from './calibrate';
import { runCelery, type CeleryPoolSetup } from './celery/celery-run';
import { CELERY_INSTALL_HINT, findCeleryPython, type CeleryPython } from './celery/celery-worker';
import { Cleanup } from './cleanup';
import { BENCH_IO_CONCURRENCY } from './jobs/bench-io-concurrency';
import { print, say } from './log';
import { runNodeRepetition } from './node-repetition';
import { USAGE, parseOptions, type BenchOptions } from './options';
import { writeFlameGraph } from './profile/flame-graph';
import { formatSummary } from './profile/top-self-time';
import { buildReport } from './report/bench-report';
import { formatMachineNote, machineNote } from './report/machine';
import { medianTable, targetsList } from './report/markdown';
import { RESULTS_DIR, writeResults } from './report/write-results';
import { ResultsCollector } from './results';
import { runScale } from './scale/scale-run';
import { ROOT } from './servers/server-process';

const cleanup = new Cleanup();
/** Set by SIGINT/SIGTERM: the handler stops everything and exits; failures it causes are not news. */
let interrupted = false;

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (options.help) {
    print(USAGE);
    return 0;
  }
  installSignalHandlers();
  if (options.scale) return runScale(options, cleanup);
  const started = Date.now();
  const loadAtStart = os.loadavg();
  const runId = `bench-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const profileDir = options.profile ? path.join(RESULTS_DIR, 'profiles') : undefined;
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });

  const kernelMs = calibrateKernel(options.kernelN);
  say(`${options.mode} run ${runId}: ${options.repetitions} runs per figure; kernel fib(${options.kernelN}) ≈ ${kernelMs.toFixed(2)} ms in this process`);
  if (options.cpuThreads !== undefined || options.cpuPrefetch !== undefined) {
    say(`EXPERIMENT: Warren's CPU pool runs with --cpu-threads ${options.cpuThreads ?? '(default)'} --cpu-prefetch ${options.cpuPrefetch ?? '(default)'}, not its defaults`);
  }
  if ((loadAtStart[0] ?? 0) > 0.7) {
    say(`warning: load average ${loadAtStart.map((value) => value.toFixed(2)).join(' / ')} before the bench started: other work on this machine will skew the figures`);
  }

  let celery: CeleryPython | undefined;
  let celeryText: string;
  if (!options.celery) {
    celeryText = 'skipped (--no-celery)';
  } else {
    celery = await findCeleryPython(process.env.BENCH_PYTHON ? [process.env.BENCH_PYTHON] : undefined);
    celeryText = celery ? `${celery.celeryVersion} (${celery.python})` : 'not installed';
    say(celery ? `Celery ${celeryText}: adding Celery columns` : `Celery columns skipped: python3-celery is not installed (to add them: ${CELERY_INSTALL_HINT})`);
  }

  // Once, before any server starts: the Warren server child runs compiled Warren, as a user's `warren start` does.
  say('building compiled Warren for the server children: npm run build (src/ to dist/)');
  const buildMs = await buildWarren(ROOT);
  say(`built dist/ in ${(buildMs / 1000).toFixed(1)} s`);

  const broker = await openBroker((line) => say(line));
  const forgetBroker = cleanup.add('rabbitmq node', () => broker.stop());
  let admin: BrokerAdmin | undefined;
  try {
    admin = await BrokerAdmin.connect(broker.url);
    const machine = machineNote(admin.serverVersion(), broker.node ? `throwaway node ${broker.node.nodeName}` : 'WARREN_BROKER_URL', celeryText);
    const machineText = formatMachineNote(machine);
    say(`machine: ${machineText}`);

    const collector = new ResultsCollector();
    let prefetch = BENCH_IO_CONCURRENCY;
    let cpuPrefetch = 0;
    for (let repetition = 1; repetition <= options.repetitions; repetition++) {
      const { warren } = await runNodeRepetition({ repetition, options, url: broker.url, runId, admin, kernelMs, collector, cleanup, profileDir });
      prefetch = warren.prefetch.io;
      cpuPrefetch = warren.prefetch.cpu;
    }
    let celerySetups: CeleryPoolSetup[] = [];
    if (celery) celerySetups = await runCelery({ options, url: broker.url, runId, admin, collector, cleanup, celery, prefetch });

    const report = buildReport(collector, {
      generatedAt: new Date().toISOString(),
      durationSec: (Date.now() - started) / 1000,
      mode: options.mode,
      repetitions: options.repetitions,
      options,
      machine,
      machineText,
      celery: celeryText,
      loadAverage: { atStart: loadAtStart, atEnd: os.loadavg() },
      notes: methodNotes(options, prefetch, cpuPrefetch, celerySetups),
    });
    const files = writeResults(report);
    print('');
    print(medianTable(report));
    print('');
    print(targetsList(report));
    print('');
    print(`machine: ${machineText}`);
    if (profileDir) summarizeProfiles(profileDir);
    say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; results written to:`);
    for (const file of Object.values(files)) print(`  ${path.relative(process.cwd(), file)}`);
    return 0;
  } finally {
    await admin?.close();
    await broker.stop();
    forgetBroker();
  }
}

function methodNotes(options: BenchOptions, prefetch: number, cpuPrefetch: number, celery: readonly CeleryPoolSetup[]): string[] {
  const notes = [
    `Each figure is the median of ${options.repetitions} runs; "Warren / baseline" is the ratio of the medians. Every run starts fresh server children on fresh namespaces; Warren and the baseline alternate going first.`,
    `Warren runs compiled, as an installed package does: the bench builds dist/ first (\`npm run build\`), and the server child is \`node --require warren/register bench/servers/warren-server.ts\` (compiled Warren's Runtime.start with bench/bench.config.ts, logLevel silent, as \`warren start\` serves a config; Warren's own TypeScript hook, SWC without the TypeScript compiler, compiles the config and bench/jobs as it compiles a user's). The baseline runs as bench/baseline/raw-server.ts (amqplib only) under the same loader. Callers live in the bench process: compiled Warren's typed proxies, and a raw amqplib confirm channel for the baseline.`,
    `Same broker work on both sides: direct exchange routing by task name to durable queues, persistent messages published mandatory with publisher confirms, the same message properties and the header fields a Warren request needs (protocol and task; Warren's own extra, the publish time, is Warren's cost; its callers here are in no trace, so they send no traceparent), ack after the task (and its reply; the baseline sends one basic.ack per delivery, as a plain amqplib consumer does, where Warren may combine acks with multiple=true), replies via direct reply-to, TCP_NODELAY (noDelay) on every connection. Prefetch: I/O queue ${prefetch}, CPU queue ${cpuPrefetch}, on both sides.`,
    `CPU time per task (scenario 1): user + system time of the server child (all its threads, \`process.cpuUsage()\`) and of the bench process (the caller) over the measured window, divided by the tasks. Much less sensitive to other load on the machine than the throughput itself.`,
    `1. I/O throughput: ${options.ioTasks.toLocaleString('en-US')} no-op tasks (after ${options.ioWarmupTasks.toLocaleString('en-US')} warm-up), published with up to ${options.publishWindow} unconfirmed, timed from the first publish to the last completion. Completions are counted by the server child (Warren: runtime 'task' events; baseline: after the ack) and reported over IPC.`,
    `2. RPC latency: ${options.rpcCalls.toLocaleString('en-US')} sequential \`await echo(i)\` calls after ${options.rpcWarmupCalls.toLocaleString('en-US')} warm-up calls, each from the call to the resolved result (confirm and reply in). The warm-up is long because a fresh Node server's first few thousand calls on a path cost it two to three times the CPU of later ones (V8 compiling in background threads, the heap growing), which on these 2 cores shows as a heavier tail; the warm-up calls are timed too and their p99 has its own row. Percentiles interpolate linearly between closest ranks. RPC throughput: ${options.rpcThroughputCalls.toLocaleString('en-US')} calls with ${options.rpcInFlight} in flight.`,
    `3. CPU: ${options.cpuTasks.toLocaleString('en-US')} fib(${options.kernelN}) tasks through Warren's cpu pool, and through the baseline's CPU pool: the raw amqplib server with the same kernel on a bare piscina pool of as many threads (bench/baseline/raw-server.ts with BENCH_CPU_THREADS; piscina's defaults, no priority change), the same queue, prefetch and broker work, each first publish to last completion, the two alternating which goes first. "Warren / bare piscina" is the target. Speedup: against the same kernel ${options.cpuTasks.toLocaleString('en-US')} times in a row in one thread of the raw server. Dispatch overhead per task = wall time × threads / tasks − the kernel's mean wall time in the pool's threads, timed by the job where it ran (so the thread time between kernels), for both pools.`,
    `4. Isolation: ${options.isolationCalls} sequential echo calls with the CPU queue idle and as many while a backlog of kernel tasks (purged afterwards; the run warns if it ran dry) keeps the CPU queue saturated, in ${2 * options.isolationPairs} alternating phases (idle, saturated, saturated, idle, …) so that drift in the machine's background load falls on both sides. The baseline consumer runs the kernel inline on its event loop (no pool). The p99 ratio row is the median of the per-run saturated/idle ratios. "Machine floor": the baseline's echoes (its CPU queue idle) while an unrelated process keeps as many threads busy with the kernel as Warren's pool has: the tail latency any server sees on this machine with its cores saturated. "Floor at the CPU workers' priority": each side's echoes (its CPU queue idle) while the unrelated process's threads run as Warren's CPU workers do, under SCHED_IDLE at nice 19 (chrt): the least tail that low-priority CPU work can leave here, to set beside "saturated / idle". The target: "saturated / that floor", the median of the per-run ratios of the saturated p99 to that run's floor p99.`,
    `5. Memory: RSS of the server process (worker threads included) 300 ms after start, before any task; and its peak, sampled every 50 ms, during scenario 1. Both run under \`node --require warren/register\` (Warren's TypeScript hook: SWC, loaded to compile the child's own .ts files), which with Node and the bench's IPC control takes the "loader floor" row, an empty child's RSS; Warren's CPU worker threads each register the hook again, to compile the job file.`,
  ];
  if (options.cpuThreads !== undefined || options.cpuPrefetch !== undefined) {
    notes.push(`EXPERIMENT, not Warren's defaults: --cpu-threads ${options.cpuThreads ?? '(default)'} --cpu-prefetch ${options.cpuPrefetch ?? '(default)'}.`);
  }
  if (celery.length > 0) {
    const pools = celery.map((setup) => `${setup.pool} -c ${setup.concurrency} (prefetch ${setup.concurrency * setup.prefetchMultiplier})`).join(', ');
    notes.push(
      `Celery: a real worker (bench/celery/bench_celery.py; ${pools}; task_acks_late, rpc:// results, JSON), called from the bench process by raw amqplib speaking Celery's task protocol v2 as \`task.delay()\` does, replies via direct reply-to. With rpc:// every task publishes its result, so in scenario 1 Celery's completions are counted from those results: one more message per task than Warren and the baseline. Celery's scenario 1 runs ${options.celeryIoTasks.toLocaleString('en-US')} tasks per run (a rate, like the others; the full size would add minutes at Celery's speed).`,
    );
  }
  return notes;
}

function summarizeProfiles(dir: string): void {
  const files = fs.readdirSync(dir).filter((file) => file.endsWith('.cpuprofile')).sort();
  const summaries = files.map((file) => formatSummary(path.join(dir, file), 30));
  fs.writeFileSync(path.join(dir, 'summary.txt'), `${summaries.join('\n\n')}\n`);
  for (const file of files) writeFlameGraph(path.join(dir, file));
  const warren = files.filter((file) => file.startsWith('warren')).at(-1);
  if (warren) {
    print('');
    print(formatSummary(path.join(dir, warren), 20));
  }
  say(`CPU profiles, their summaries and flame graphs: ${path.relative(process.cwd(), dir)}/ (summary.txt, *.flame.svg)`);
}

function installSignalHandlers(): void {
  process.on('exit', () => cleanup.killAll());
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        cleanup.killAll();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      interrupted = true;
      say(`${signal}: stopping what the bench started (again to kill at once)`);
      void cleanup.stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}

main().then(
  (code) => {
    if (!interrupted) process.exit(code);
  },
  async (error: unknown) => {
    if (interrupted) return; // the signal handler exits once everything is stopped
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await cleanup.stopAll();
    process.exit(1);
  },
);
