import { compiledWarren } from '../compiled-warren';
import { BENCH_IO_CONCURRENCY } from './bench-io-concurrency';

const { Task } = compiledWarren();

/** How many extra queues the scale bench asks for (bench --scale, queues curve); none otherwise. */
export const SCALE_QUEUES = Number(process.env.BENCH_SCALE_QUEUES ?? 0) || 0;

/** The name of the i-th extra queue's job class, and so of its task `<name>.noop`. */
export function scaleClassName(index: number): string {
  return `Scale${index}`;
}

// One exported @Task class per queue (the registry serves exported classes): SCALE_QUEUES queues of one no-op task each.
for (let index = 0; index < SCALE_QUEUES; index++) {
  const jobClass = class {
    async noop(): Promise<void> {}
  };
  Object.defineProperty(jobClass, 'name', { value: scaleClassName(index) });
  Task({ queue: `scale-${index}`, pool: 'io', concurrency: BENCH_IO_CONCURRENCY })(jobClass);
  (exports as Record<string, unknown>)[scaleClassName(index)] = jobClass;
}
