/** The bare piscina pool's worker (raw-server.ts with BENCH_CPU_THREADS): the kernel, timed where it runs, as Warren's bench job does. */
import { timedFib } from '../jobs/kernel-clock';

/** A number is the kernel's n; a string is bench --scale's argument-size task, which returns its length. */
export default function kernel(input: number | string): number {
  return typeof input === 'string' ? input.length : timedFib(input);
}
