/**
 * Child process: nothing but the TypeScript loader every server child runs with (Warren's hook,
 * server-process.ts CHILD_LOADER: SWC, which it loads to compile this file) and the IPC control.
 * Its RSS is the floor under the Warren and the raw amqplib server.
 */
import { performance } from 'node:perf_hooks';
import { ChildControl } from './child-control';

const started = performance.now();
const keepAlive = setInterval(() => {}, 1 << 30);
const control = new ChildControl({
  stop: async () => {
    clearInterval(keepAlive);
  },
});
control.ready({ system: 'empty', pid: process.pid, prefetch: { io: 0, cpu: 0 }, threads: 0, startupMs: performance.now() - started, declared: { queues: [], exchanges: [] } });
