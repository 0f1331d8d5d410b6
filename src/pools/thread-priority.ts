import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Lowers the scheduling priority of the calling thread (Linux `nice`, per thread), so that on a
 * busy machine the main event loop (I/O tasks, acks, replies) and the broker get the cores
 * first and CPU work takes what is left: a saturated CPU queue cannot starve an I/O queue.
 * Best effort: elsewhere, or without permission, nothing changes. Returns whether it applied.
 */
export function lowerThreadPriority(niceness: number): boolean {
  if (niceness <= 0 || process.platform !== 'linux') return false;
  try {
    // /proc/thread-self -> "<pid>/task/<tid>": on Linux a thread's tid takes a priority of its own.
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + niceness));
    return true;
  } catch {
    return false;
  }
}
