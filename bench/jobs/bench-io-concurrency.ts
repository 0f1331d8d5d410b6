/**
 * How many I/O tasks run at once, and so the prefetch of `bench-io` (the baseline uses the same).
 * Its own module so that the bench process can read it without loading the job classes, which
 * need compiled Warren.
 */
export const BENCH_IO_CONCURRENCY = 100;
