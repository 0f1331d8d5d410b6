import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Scenario 4 once more with the broker kept off the server's cores: the broker and the caller on
 * one half of the cores, the server (main thread and CPU workers) on the other, through taskset.
 *
 * Why: on a machine where the broker shares cores with saturated low-priority threads, Linux's
 * EEVDF scheduler (6.6+) makes some of the broker's own threads wait for the next tick (4 ms at
 * HZ=250). A thread that has run more than its share (negative lag) is placed behind the
 * SCHED_IDLE thread and is not eligible, so the SCHED_IDLE thread keeps the core until the tick.
 * `perf sched` shows it: beam's scheduler and poller threads, kblockd and ksoftirqd left runnable
 * for 3-7 ms while a SCHED_IDLE thread runs. This stall happens in the broker, outside the
 * server. With the cores split, what is left is the server's own isolation.
 */

export interface CoreSplit {
  /** The broker and the calling (bench) process. */
  readonly broker: readonly number[];
  /** The server under test, all its threads. */
  readonly server: readonly number[];
}

/** Pure: the first half of the cores (rounded down) for the broker and caller, the rest for the server. */
export function splitCores(cores: readonly number[]): CoreSplit | undefined {
  if (cores.length < 2) return undefined;
  const half = Math.floor(cores.length / 2);
  return { broker: cores.slice(0, half), server: cores.slice(half) };
}

/** Pure: `Cpus_allowed_list` syntax ("0-3,6") to core numbers. */
export function parseCpuList(list: string): number[] {
  const cores: number[] = [];
  for (const part of list.trim().split(',').filter(Boolean)) {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from)) continue;
    for (let core = from; core <= (to ?? from); core++) cores.push(core);
  }
  return cores;
}

/** The cores this process may run on, or undefined where that cannot be read (not Linux). */
export function allowedCores(): number[] | undefined {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1];
    return list === undefined ? undefined : parseCpuList(list);
  } catch {
    return undefined;
  }
}

/** Every thread of `pid` (taskset -a) onto `cores`; new threads inherit it from their creator. */
function pin(pid: number, cores: readonly number[]): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores.join(','), String(pid)], { stdio: 'ignore', timeout: 5_000 });
}

export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `measure` with the broker and the caller on `split.broker`, the server on `split.server`,
 * and gives every process all of `all` back afterwards, whatever happens. Returns the reason
 * instead when the processes cannot be pinned (not allowed, say); errors of `measure` propagate.
 */
export async function withCoresSplit<T>(
  pids: { broker: number; caller: number; server: number },
  split: CoreSplit,
  all: readonly number[],
  measure: () => Promise<T>,
): Promise<{ result: T } | { notPinned: string }> {
  try {
    try {
      pin(pids.broker, split.broker);
      pin(pids.caller, split.broker);
      pin(pids.server, split.server);
    } catch (error) {
      return { notPinned: error instanceof Error ? error.message : String(error) };
    }
    return { result: await measure() };
  } finally {
    for (const pid of [pids.broker, pids.caller, pids.server]) {
      try {
        pin(pid, all);
      } catch {
        // the process has gone (a failed server): nothing to give back
      }
    }
  }
}
