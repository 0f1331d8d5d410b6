import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { Task, TaskMethod } from '../../../src';
import { record } from './record';

/** I/O-pool fault jobs: short waits, an argument schema, a pollution probe, and a task that kills its runtime. */
@Task({ queue: 'fault-io', pool: 'io', concurrency: 32 })
export class FaultIo {
  /** Waits `ms` on the event loop, then records that it completed. */
  async work(ms: number): Promise<void> {
    if (ms > 0) await delay(ms);
    record('done');
  }

  /** Records whether anything has polluted Object.prototype in this process. */
  probe(): boolean {
    const polluted = Object.keys(Object.prototype).length > 0 || ({} as Record<string, unknown>)['polluted'] !== undefined;
    record('done', polluted ? 'polluted' : 'clean');
    return polluted;
  }

  /** Only well-typed arguments may run: the hostile-message scenario aims its wrong types here. */
  @TaskMethod({ args: z.tuple([z.string().max(64), z.number().int().min(0).max(1_000)]) })
  typed(label: string, count: number): string {
    record('done', `${label}:${count}`);
    return label.repeat(Math.min(count, 4));
  }

  /** A poison message: takes the whole runtime process down, every time it runs. */
  crashRuntime(): never {
    record('run');
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable: SIGKILL was sent');
  }
}
