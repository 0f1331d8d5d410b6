import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ThreadPriority {
  /** Linux nice added to the thread's own, up to 19 (the lowest). */
  readonly niceness: number;
  /** Also put the thread under Linux's SCHED_IDLE policy. */
  readonly schedIdle: boolean;
}

/** SCHED_IDLE's number in `sched_setscheduler` and in /proc/<pid>/task/<tid>/stat. */
export const SCHED_IDLE = 5;

/**
 * Lowers the scheduling priority of the calling thread, so that on a busy machine the main event
 * loop (I/O tasks, acks, replies) and the broker get the cores first and CPU work takes what is
 * left: a saturated CPU queue cannot starve an I/O queue.
 *
 * Nice alone is not enough on Linux 6.6+ (EEVDF): a nice-19 thread that holds a core may finish
 * its time slice (milliseconds) before a woken nice-0 thread runs. A SCHED_IDLE thread is
 * preempted as soon as any normal thread wakes up. Node has no call for it, so `chrt` (util-linux)
 * sets it; nice stays in force where chrt is missing. Best effort: elsewhere, or without
 * permission, nothing changes. Returns what applied.
 */
export function lowerThreadPriority({ niceness, schedIdle }: ThreadPriority): { niceness: boolean; schedIdle: boolean } {
  const applied = { niceness: false, schedIdle: false };
  if (process.platform !== 'linux' || (niceness <= 0 && !schedIdle)) return applied;
  let tid: number;
  try {
    // /proc/thread-self -> "<pid>/task/<tid>": on Linux a thread's tid takes a priority of its own.
    tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
  } catch {
    return applied;
  }
  if (niceness > 0) {
    try {
      os.setPriority(tid, Math.min(19, os.getPriority(tid) + niceness));
      applied.niceness = true;
    } catch {
      // not permitted: leave it
    }
  }
  if (schedIdle) {
    try {
      execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5_000 });
      applied.schedIdle = true;
    } catch {
      // no chrt (util-linux) or not permitted: nice still applies
    }
  }
  return applied;
}

/** The scheduling policy of the calling thread (0 normal, 5 SCHED_IDLE), from /proc; undefined off Linux. */
export function threadSchedulingPolicy(): number | undefined {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; policy is field 41.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]);
  } catch {
    return undefined;
  }
}
