import { Task } from '../../src';
import { timedFib } from './kernel-clock';

/** How many I/O tasks run at once, and so the prefetch of `bench-io` (the baseline uses the same). */
export const BENCH_IO_CONCURRENCY = 100;

/** I/O pool tasks: no work at all, so what is measured is the runtime and the broker. */
@Task({ queue: 'bench-io', pool: 'io', concurrency: BENCH_IO_CONCURRENCY })
export class BenchIo {
  async noop(): Promise<void> {}

  async echo(value: number): Promise<number> {
    return value;
  }
}

/** CPU pool task: the kernel, in a worker thread, timed there (kernel-clock.ts). */
@Task({ queue: 'bench-cpu', pool: 'cpu' })
export class BenchCpu {
  kernel(n: number): number {
    return timedFib(n);
  }
}
