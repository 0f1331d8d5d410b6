import { performance } from 'node:perf_hooks';
import { BroadcastChannel, threadId } from 'node:worker_threads';
import { fib } from './kernel';

/** A BroadcastChannel reaches every thread of the process: the CPU workers post, the main thread sums. */
const CHANNEL = 'warren-bench-kernel-ms';

/** At most this often a worker posts its totals: a message per task woke the main thread, whose time is what is measured. */
const POST_EVERY_MS = 100;

let poster: BroadcastChannel | undefined;
/** This thread's kernels so far, and when its totals were last posted. */
const own = { totalMs: 0, kernels: 0, postedAt: 0 };

/**
 * fib(n), its wall time added to this thread's totals, which go to the process's KernelClock at
 * most every POST_EVERY_MS. Wall time in the thread that ran it, preemption included: what is
 * left of a thread's time is the time between kernels, the dispatch overhead.
 */
export function timedFib(n: number): number {
  const t0 = performance.now();
  const value = fib(n);
  const t1 = performance.now();
  own.totalMs += t1 - t0;
  own.kernels++;
  if (t1 - own.postedAt >= POST_EVERY_MS) {
    own.postedAt = t1;
    if (!poster) {
      poster = new BroadcastChannel(CHANNEL);
      poster.unref(); // a worker that is done must not be held open by it
    }
    poster.postMessage({ thread: threadId, totalMs: own.totalMs, kernels: own.kernels });
  }
  return value;
}

/**
 * The kernel times of every thread of this process, as each last posted them. A reading lags by
 * up to POST_EVERY_MS of kernels per thread; the bench takes the mean kernel time between two
 * readings, which such a lag does not bias.
 */
export class KernelClock {
  private readonly threads = new Map<number, { totalMs: number; kernels: number }>();
  private readonly channel = new BroadcastChannel(CHANNEL);

  constructor() {
    this.channel.onmessage = (event) => {
      const { thread, totalMs, kernels } = (event as { data: { thread: number; totalMs: number; kernels: number } }).data;
      this.threads.set(thread, { totalMs, kernels });
    };
    this.channel.unref();
  }

  read(): { totalMs: number; kernels: number } {
    let totalMs = 0;
    let kernels = 0;
    for (const thread of this.threads.values()) {
      totalMs += thread.totalMs;
      kernels += thread.kernels;
    }
    return { totalMs, kernels };
  }
}
