import { KERNEL_N } from './jobs/kernel';

export interface BenchOptions {
  readonly mode: 'quick' | 'full';
  readonly repetitions: number;
  /** Scenario 1 (and Celery's throughput): tasks per repetition. */
  readonly ioTasks: number;
  readonly ioWarmupTasks: number;
  /** Celery's scenario 1 size: smaller, as Celery is ~10x slower (it is a rate; the run would take minutes more). */
  readonly celeryIoTasks: number;
  /** Unconfirmed publishes in flight while enqueueing. */
  readonly publishWindow: number;
  readonly rpcCalls: number;
  readonly rpcWarmupCalls: number;
  readonly rpcThroughputCalls: number;
  readonly rpcInFlight: number;
  readonly cpuTasks: number;
  readonly kernelN: number;
  readonly isolationCalls: number;
  readonly isolationWarmupCalls: number;
  /** Idle and saturated phases alternate in this many pairs (scenarios/isolation.ts). */
  readonly isolationPairs: number;
  readonly celery: boolean;
  /** Experiments: override Warren's CPU pool threads / the bench-cpu queue's prefetch (default: Warren's own defaults). */
  readonly cpuThreads: number | undefined;
  readonly cpuPrefetch: number | undefined;
  /** `--scale`: the curves of bench/scale/ instead of the targets run. */
  readonly scale: boolean;
  /** `--backlog 10000,100000`: the scale run's backlog sizes (default by mode, scale/scale-options.ts). */
  readonly backlogSizes: readonly number[] | undefined;
  /** `--curves queues,backlog`: only these curves of the scale run (default: all). */
  readonly curves: readonly string[] | undefined;
  /** Write V8 CPU profiles of the server children to bench/results/profiles. */
  readonly profile: boolean;
  readonly help: boolean;
}

export const USAGE = `npm run bench [-- options]

  --quick          small sizes (5,000 tasks, 300 calls, 200 CPU tasks; Celery 3,000 tasks): under a minute
  --reps N         repetitions of every figure (default and minimum 3)
  --kernel-n N     the CPU kernel is fib(N) (default ${KERNEL_N})
  --no-celery      skip the Celery columns even when python3-celery is installed
  --cpu-threads N  experiment: Warren's CPU pool threads (default: Warren's default, the cores)
  --cpu-prefetch N experiment: the bench-cpu queue's concurrency/prefetch (default: the threads)
  --scale          instead: how cost grows (backlog, queues, argument size, caller processes,
                   runtimes), each a curve against raw amqplib; writes bench/results/scale.*
                   (with --quick: small sizes, a couple of minutes)
  --backlog LIST   with --scale: the backlog sizes, comma-separated (default 10000,100000,500000)
  --curves LIST    with --scale: only these curves, comma-separated (backlog, queues, arguments,
                   callers, runtimes)
  --profile        node --cpu-prof on the server children; profiles, a top-self-time summary
                   and a flame graph of each (*.flame.svg) go to bench/results/profiles/
  --help

WARREN_BROKER_URL=amqp://... uses that broker instead of starting a throwaway RabbitMQ node.
BENCH_PYTHON=/path/to/python3 picks the interpreter for Celery (default: python3, then /usr/bin/python3).`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const optionalNumberAfter = (flag: string): number | undefined => (argv.includes(flag) ? numberAfter(flag, 0) : undefined);
  const numberAfter = (flag: string, fallback: number): number => {
    const index = argv.indexOf(flag);
    if (index < 0) return fallback;
    const value = Number(argv[index + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} needs a positive integer`);
    return value;
  };
  const valued = ['--reps', '--kernel-n', '--cpu-threads', '--cpu-prefetch', '--backlog', '--curves'];
  const known = new Set([...valued, '--quick', '--no-celery', '--scale', '--profile', '--help', '-h']);
  argv.forEach((arg, index) => {
    if (!known.has(arg) && !valued.includes(argv[index - 1] ?? '')) throw new Error(`unknown option ${arg}\n\n${USAGE}`);
  });
  const repetitions = numberAfter('--reps', 3);
  if (repetitions < 3) throw new Error('--reps: at least 3 (each figure is a median of runs)');
  return {
    mode: quick ? 'quick' : 'full',
    repetitions,
    ioTasks: quick ? 5_000 : 50_000,
    ioWarmupTasks: quick ? 500 : 2_000,
    celeryIoTasks: quick ? 3_000 : 20_000,
    publishWindow: 500,
    rpcCalls: quick ? 300 : 2_000,
    // Past the warm-up of a fresh server's RPC path (see scenarios/rpc-latency.ts): in runs with 200,
    // Warren's and raw amqplib's measured calls still fell inside it, Celery's (no JIT) did not.
    rpcWarmupCalls: quick ? 1_000 : 3_000,
    rpcThroughputCalls: quick ? 2_000 : 20_000,
    rpcInFlight: 100,
    cpuTasks: quick ? 200 : 2_000,
    kernelN: numberAfter('--kernel-n', KERNEL_N),
    // A p99 is the 20th-slowest of 2 000 calls, where of 500 it was the 5th: that swung the saturated
    // / idle ratio from 1.5 to 3.5 between runs. (The baseline's saturated phase is most of the cost.)
    isolationCalls: quick ? 100 : 2_000,
    isolationWarmupCalls: 20,
    isolationPairs: quick ? 1 : 4,
    celery: !argv.includes('--no-celery'),
    cpuThreads: optionalNumberAfter('--cpu-threads'),
    cpuPrefetch: optionalNumberAfter('--cpu-prefetch'),
    scale: argv.includes('--scale'),
    backlogSizes: argv.includes('--backlog') ? positiveList(argv[argv.indexOf('--backlog') + 1], '--backlog') : undefined,
    curves: argv.includes('--curves') ? (argv[argv.indexOf('--curves') + 1] ?? '').split(',').filter(Boolean) : undefined,
    profile: argv.includes('--profile'),
    help: argv.includes('--help') || argv.includes('-h'),
  };
}

function positiveList(text: string | undefined, flag: string): number[] {
  const values = (text ?? '').split(',').map((part) => Number(part.trim().replace(/_/g, '')));
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value <= 0)) throw new Error(`${flag} needs comma-separated positive integers, e.g. 10000,100000`);
  return values;
}
