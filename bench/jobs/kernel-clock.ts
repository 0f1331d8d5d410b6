import { performance } from 'node:perf_hooks';
import { BroadcastChannel } from 'node:worker_threads';
import { fib } from './kernel';

/** A BroadcastChannel reaches every thread of the process: the CPU workers post, the main thread sums. */
const CHANNEL = 'warren-bench-kernel-ms';

let poster: BroadcastChannel | undefined;

/**
 * fib(n), its wall time posted to the process's KernelClock. Wall time in the thread that ran it,
 * preemption included: what is left of a thread's time is the time between kernels, the dispatch
 * overhead.
 */
export function timedFib(n: number): number {
  const t0 = performance.now();
  const value = fib(n);
  if (!poster) {
    poster = new BroadcastChannel(CHANNEL);
    poster.unref(); // a worker that is done must not be held open by it
  }
  poster.postMessage(performance.now() - t0);
  return value;
}

/** Sums the kernel times posted by timedFib in any thread of this process. */
export class KernelClock {
  private totalMs = 0;
  private kernels = 0;
  private readonly channel = new BroadcastChannel(CHANNEL);

  constructor() {
    this.channel.onmessage = (event) => this.add((event as { data: number }).data);
    this.channel.unref();
  }

  add(ms: number): void {
    this.totalMs += ms;
    this.kernels++;
  }

  read(): { totalMs: number; kernels: number } {
    return { totalMs: this.totalMs, kernels: this.kernels };
  }
}
