import { compiledWarren } from '../compiled-warren';
import { BENCH_IO_CONCURRENCY } from './bench-io-concurrency';
import { timedFib } from './kernel-clock';

// A user's job file imports 'warren'; compiledWarren() is that (see compiled-warren.ts for why not the name).
const { Task } = compiledWarren();

/** I/O pool tasks: no work at all, so what is measured is the runtime and the broker. */
@Task({ queue: 'bench-io', pool: 'io', concurrency: BENCH_IO_CONCURRENCY })
export class BenchIo {
  async noop(): Promise<void> {}

  async echo(value: number): Promise<number> {
    return value;
  }

  /** bench --scale's argument-size curve: the argument travels in, its length back. */
  async size(value: string): Promise<number> {
    return value.length;
  }
}

/** CPU pool task: the kernel, in a worker thread, timed there (kernel-clock.ts). */
@Task({ queue: 'bench-cpu', pool: 'cpu' })
export class BenchCpu {
  kernel(n: number): number {
    return timedFib(n);
  }

  /** bench --scale's argument-size curve: the argument is cloned into a worker thread, its length comes back. */
  size(value: string): number {
    return value.length;
  }
}
