import type { FigureKey, Medians, SystemId } from '../results';

/** One target, judged on the medians of one run. `met` is undefined when a side was not measured (`note` says why). */
export interface TargetCheck {
  readonly name: string;
  readonly value: number | undefined;
  readonly goal: string;
  readonly met: boolean | undefined;
  readonly note?: string;
}

type Target = (medians: Medians) => TargetCheck;

const CELERY: readonly SystemId[] = ['celery-prefork', 'celery-threads'];
const NO_CELERY = 'skipped: Celery not measured (python3-celery not installed, or --no-celery)';

function get(medians: Medians, key: FigureKey, system: SystemId): number | undefined {
  return medians[key]?.[system];
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

function check(name: string, value: number | undefined, goal: string, ok: (value: number) => boolean, missing?: string): TargetCheck {
  if (value === undefined) return { name, value, goal, met: undefined, ...(missing ? { note: missing } : {}) };
  return { name, value, goal, met: ok(value) };
}

/** The faster Celery pool's figure: the higher or the lower, as `better` says. */
function fasterCelery(medians: Medians, key: FigureKey, better: 'higher' | 'lower'): number | undefined {
  const values = CELERY.map((system) => get(medians, key, system)).filter((value): value is number => value !== undefined);
  if (values.length === 0) return undefined;
  return better === 'higher' ? Math.max(...values) : Math.min(...values);
}

export const ioThroughputVsRaw: Target = (m) =>
  check('I/O no-op throughput, Warren / raw amqplib', ratio(get(m, 'io.tasksPerSec', 'warren'), get(m, 'io.tasksPerSec', 'raw')), '≥ 0.80', (v) => v >= 0.8);

export const rpcP50VsRaw: Target = (m) => check('RPC p50, Warren / raw amqplib', ratio(get(m, 'rpc.p50Ms', 'warren'), get(m, 'rpc.p50Ms', 'raw')), '≤ 1.30', (v) => v <= 1.3);

/** The same kernel, threads and broker: what Warren's CPU pool costs over piscina used directly. */
export const cpuVsBarePool: Target = (m) =>
  check('CPU throughput, Warren / bare piscina pool (same threads, same broker)', ratio(get(m, 'cpu.tasksPerSec', 'warren'), get(m, 'cpu.tasksPerSec', 'piscina')), '≥ 0.95', (v) => v >= 0.95);

/** Saturated p99 over the floor of the same repetition (iso.satOverFloor is a median of per-run ratios). */
export const isolationVsFloor: Target = (m) =>
  check(
    "Warren I/O p99, CPU queue saturated / the floor (same server idle beside an unrelated SCHED_IDLE process with as many busy threads)",
    get(m, 'iso.satOverFloor', 'warren'),
    '≤ 1.25',
    (v) => v <= 1.25,
    'skipped: no floor row (chrt missing)',
  );

export const idleRssVsRaw: Target = (m) => check('Server RSS idle, Warren / raw amqplib', ratio(get(m, 'mem.idleMb', 'warren'), get(m, 'mem.idleMb', 'raw')), '≤ 1.30', (v) => v <= 1.3);

/** Like for like: raw amqplib with a bare piscina pool of Warren's CPU threads, each thread an isolate of its own (about 12 MB). */
export const idleRssVsBarePool: Target = (m) =>
  check('Server RSS idle, Warren / raw amqplib + bare piscina (same CPU threads)', ratio(get(m, 'mem.idleMb', 'warren'), get(m, 'mem.idleMb', 'piscina')), '≤ 1.30', (v) => v <= 1.3);

export const loadRssVsRaw: Target = (m) => check('Server RSS under load, Warren / raw amqplib', ratio(get(m, 'mem.loadMb', 'warren'), get(m, 'mem.loadMb', 'raw')), '≤ 1.50', (v) => v <= 1.5);

export const warmupP99VsCelery: Target = (m) =>
  check('RPC p99 of the warm-up calls, Warren / the faster Celery pool', ratio(get(m, 'rpc.warmupP99Ms', 'warren'), fasterCelery(m, 'rpc.warmupP99Ms', 'lower')), '≤ 1', (v) => v <= 1, NO_CELERY);

export const ioThroughputVsCelery: Target = (m) =>
  check('I/O no-op throughput, Warren / the faster Celery pool', ratio(get(m, 'io.tasksPerSec', 'warren'), fasterCelery(m, 'io.tasksPerSec', 'higher')), '≥ 5', (v) => v >= 5, NO_CELERY);

export const rpcP50VsCelery: Target = (m) =>
  check('RPC p50, Warren / the faster Celery pool', ratio(get(m, 'rpc.p50Ms', 'warren'), fasterCelery(m, 'rpc.p50Ms', 'lower')), '< 1', (v) => v < 1, NO_CELERY);

export const rpcP99VsCelery: Target = (m) =>
  check('RPC p99, Warren / the faster Celery pool', ratio(get(m, 'rpc.p99Ms', 'warren'), fasterCelery(m, 'rpc.p99Ms', 'lower')), '< 1', (v) => v < 1, NO_CELERY);

export const TARGETS: readonly Target[] = [
  ioThroughputVsRaw,
  rpcP50VsRaw,
  cpuVsBarePool,
  isolationVsFloor,
  idleRssVsRaw,
  idleRssVsBarePool,
  loadRssVsRaw,
  warmupP99VsCelery,
  ioThroughputVsCelery,
  rpcP50VsCelery,
  rpcP99VsCelery,
];

/** Every target, judged on one run's medians: each a ratio of figures measured in that run. */
export function checkTargets(medians: Medians): TargetCheck[] {
  return TARGETS.map((target) => target(medians));
}
