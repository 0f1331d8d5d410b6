import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { KernelClock } from '../jobs/kernel-clock';
import { memoryBreakdown } from './memory-breakdown';
import { RSS_SAMPLE_MS, type Counts, type FromChild, type Op, type QueueKind, type Request, type Responses, type ServerInfo, type ToChild } from '../ipc';

export interface ChildHooks {
  /** Stops serving and closes the broker connection. */
  stop(): Promise<void>;
  /** Baseline only: the kernel run serially in this thread. */
  serialKernel?(n: number, count: number): Responses['serial-kernel'];
}

interface Arm {
  readonly armId: number;
  readonly queue: QueueKind;
  readonly target: number;
}

/**
 * The child side of bench/ipc.ts: counts completed tasks (the server calls `completed`), tells the
 * bench process when an armed count is reached, samples RSS, and stops on request or when the
 * bench process goes away.
 */
export class ChildControl {
  private readonly counts = { io: 0, cpu: 0, failed: 0 };
  /** When the first and the latest task of each queue completed, in this process's clock (bench --scale's backlog drain). */
  private readonly times = { io: { first: Number.NaN, last: Number.NaN }, cpu: { first: Number.NaN, last: Number.NaN } };
  private arms: Arm[] = [];
  private nextArmId = 1;
  private sampling: { timer: NodeJS.Timeout; samples: number[] } | undefined;
  private stopping: Promise<void> | undefined;
  /** The kernels run in this process, in any thread. */
  readonly kernels = new KernelClock();

  constructor(private readonly hooks: ChildHooks) {
    process.on('message', (message: ToChild) => void this.onRequest(message));
    // The bench process died or was killed: do not outlive it (also if that happened while we started).
    process.on('disconnect', () => void this.exit(0));
    if (!process.connected) void this.exit(0);
  }

  ready(info: ServerInfo): void {
    send({ kind: 'ready', info });
  }

  fatal(error: unknown): void {
    send({ kind: 'fatal', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }

  /** One task of `queue` finished (acknowledged). */
  completed(queue: QueueKind, ok: boolean): void {
    const total = ++this.counts[queue];
    const times = this.times[queue];
    times.last = performance.now();
    if (total === 1) times.first = times.last;
    if (!ok) this.counts.failed++;
    if (this.arms.length === 0) return;
    const due = this.arms.filter((arm) => arm.queue === queue && arm.target <= total);
    if (due.length === 0) return;
    this.arms = this.arms.filter((arm) => !due.includes(arm));
    for (const arm of due) send({ kind: 'reached', armId: arm.armId, counts: this.snapshot() });
  }

  private snapshot(): Counts {
    return { ...this.counts };
  }

  private arm(queue: QueueKind, target: number): { armId: number } {
    const armId = this.nextArmId++;
    if (this.counts[queue] >= target) {
      // Already there: answer after the response, so the bench process has registered the arm.
      setImmediate(() => send({ kind: 'reached', armId, counts: this.snapshot() }));
    } else {
      this.arms.push({ armId, queue, target });
    }
    return { armId };
  }

  private async onRequest(message: ToChild): Promise<void> {
    if (message?.kind !== 'request') return;
    const { id, request } = message;
    try {
      const value = await this.handle(request);
      send({ kind: 'response', id, ok: true, value });
      if (request.op === 'stop') await this.exit(0);
    } catch (error) {
      send({ kind: 'response', id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async handle(request: Request): Promise<Responses[Op]> {
    switch (request.op) {
      case 'arm':
        return this.arm(request.queue, this.counts[request.queue] + request.count);
      case 'arm-total':
        return this.arm(request.queue, request.target);
      case 'counts':
        return this.snapshot();
      case 'completion-times':
        return { firstMs: this.times[request.queue].first, lastMs: this.times[request.queue].last };
      case 'rss':
        return { bytes: process.memoryUsage.rss() };
      case 'memory':
        return memoryBreakdown(request.gc === true);
      case 'heap-snapshot':
        return { file: writeHeapSnapshot(path.join(request.dir, `${process.pid}-${Date.now()}.heapsnapshot`)) };
      case 'cpu-usage':
        return process.cpuUsage();
      case 'rss-sampling':
        return this.setSampling(request.on);
      case 'kernel-time':
        return this.kernels.read();
      case 'serial-kernel':
        if (!this.hooks.serialKernel) throw new Error('this server has no serial kernel');
        return this.hooks.serialKernel(request.n, request.count);
      case 'stop':
        await this.stopServer();
        return { stopped: true };
    }
  }

  private setSampling(on: boolean): Responses['rss-sampling'] {
    const previous = this.sampling;
    if (previous) clearInterval(previous.timer);
    this.sampling = undefined;
    if (on) {
      const samples = [process.memoryUsage.rss()];
      this.sampling = { samples, timer: setInterval(() => samples.push(process.memoryUsage.rss()), RSS_SAMPLE_MS) };
      return { samples: [], maxBytes: 0 };
    }
    const samples = previous ? [...previous.samples, process.memoryUsage.rss()] : [process.memoryUsage.rss()];
    return { samples, maxBytes: Math.max(...samples) };
  }

  private stopServer(): Promise<void> {
    this.stopping ??= this.hooks.stop();
    return this.stopping;
  }

  private async exit(code: number): Promise<void> {
    const timer = setTimeout(() => process.exit(code), 10_000);
    await this.stopServer().catch(() => {});
    clearTimeout(timer);
    // Let the last IPC message leave before the process ends.
    setImmediate(() => process.exit(code));
  }
}

function send(message: FromChild): void {
  if (process.connected) process.send?.(message);
}

/** An environment variable the bench process must have set for this child. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: this file is started by bench/run.ts`);
  return value;
}

/** Runs a server child's start-up; a failure is written to stderr and ends the child. */
export function runChild(label: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${label} bench server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
