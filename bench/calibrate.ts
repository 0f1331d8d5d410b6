import { performance } from 'node:perf_hooks';
import { fib } from './jobs/kernel';

/** ms per fib(n) in this thread (after a warm-up): sizes the isolation backlog. */
export function calibrateKernel(n: number, runs = 10): number {
  for (let i = 0; i < 3; i++) fib(n);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fib(n);
  return (performance.now() - t0) / runs;
}
