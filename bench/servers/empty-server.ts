/**
 * Child process: nothing but the TypeScript loader and the IPC control. Its RSS is the floor every
 * server child stands on (`node -r @swc-node/register` loads SWC and the TypeScript compiler).
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
