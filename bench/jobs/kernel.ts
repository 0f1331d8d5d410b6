/**
 * The CPU kernel of the CPU scenarios: naive recursive Fibonacci. Pure JavaScript, no allocation,
 * deterministic work: the same `n` costs the same everywhere, in a worker thread or serially.
 */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** fib(30): about 5 ms on a current x86 core with Node 20. */
export const KERNEL_N = 30;
