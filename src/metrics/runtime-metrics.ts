import type * as PromClient from 'prom-client';
import type { QueueSummary } from '../admin/queue-admin';
import type { Runtime } from '../runtime/runtime';
import type { TaskEvent } from '../runtime/task-event';
import { QueueDepthCache } from './queue-depth-cache';

/** Seconds, from 1 ms to 10 min: the default hard time limit is 10 min. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Seconds, from 1 ms to 1 h: how long a task waited in its queue once it was due. */
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

/**
 * A task name that did not come from this runtime's registry (a hostile or misrouted message that
 * was rejected) is counted under this label, so junk headers cannot grow the label set without end.
 */
export const UNKNOWN_TASK = '(unknown)';

export interface RuntimeMetricsOptions {
  /** Shared with the dashboard so both read one cached answer. Default: a cache of its own. */
  readonly depths?: QueueDepthCache;
}

export interface RuntimeMetrics {
  /** This runtime's own registry: never prom-client's global one, so two runtimes in a process never collide. */
  readonly registry: PromClient.Registry;
  readonly contentType: string;
  /** The exposition text for a scrape. */
  render(): Promise<string>;
  /** Stops counting task events. */
  close(): void;
}

/**
 * Prometheus metrics of one runtime, all prefixed `warren_`: task counters and histograms fed by
 * its `task` events, pool and queue gauges read from `poolStates()` and `queueStates()` at scrape time, broker queue
 * depths from `admin.queues()` through a short cache, and Node's defaults (event-loop lag, heap, GC).
 */
export function createRuntimeMetrics(runtime: Runtime, options: RuntimeMetricsOptions = {}): RuntimeMetrics {
  // Loaded here, not on import: a CPU thread or a client that imports Warren never serves metrics.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } = require('prom-client') as typeof PromClient;
  const registry = new Registry();
  const registers = [registry];
  const queueNames = runtime.queueStates().map((queue) => queue.queue);
  const depths = options.depths ?? new QueueDepthCache(() => runtime.admin.queues(queueNames));
  const knownTasks = new Set(runtime.registry.tasks().map((task) => task.name));
  const taskLabel = (task: string) => (knownTasks.has(task) ? task : UNKNOWN_TASK);

  collectDefaultMetrics({ register: registry, prefix: 'warren_' });
  // prom-client names these three gauges `_total`, which Prometheus keeps for counters (promtool
  // check metrics refuses them); their counts by type stay, in the gauges without the suffix.
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) registry.removeSingleMetric(`warren_nodejs_${name}`);

  const tasks = new Counter({ name: 'warren_tasks_total', help: 'Deliveries settled, by task and outcome (succeeded, retried, failed, rejected, expired, scheduled).', labelNames: ['task', 'queue', 'pool', 'outcome'], registers });
  const duration = new Histogram({ name: 'warren_task_duration_seconds', help: 'From receipt to settlement of a delivery, by task and outcome.', labelNames: ['task', 'queue', 'outcome'], buckets: DURATION_BUCKETS, registers });
  const wait = new Histogram({ name: 'warren_task_queue_wait_seconds', help: 'From when a task became due (its publish, or the end of its countdown or retry backoff) to receipt, by task.', labelNames: ['task', 'queue'], buckets: WAIT_BUCKETS, registers });
  const retries = new Counter({ name: 'warren_task_retries_total', help: 'Failed attempts that were scheduled to run again.', labelNames: ['task', 'queue'], registers });
  const deadLetters = new Counter({ name: 'warren_dead_letters_total', help: 'Deliveries sent to a dead-letter queue: failed (no attempt left) or rejected (bad input, poison).', labelNames: ['task', 'queue', 'outcome'], registers });

  new Gauge({
    name: 'warren_runtime_ready',
    help: '1 while connected, declared and consuming; 0 while reconnecting, draining or stopped.',
    registers,
    collect() {
      this.set(runtime.ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'warren_broker_blocked',
    help: 'RabbitMQ is blocking this connection (a memory or disk alarm): 1 from connection.blocked to connection.unblocked, else 0.',
    registers,
    collect() {
      this.set(runtime.brokerBlocked === undefined ? 0 : 1);
    },
  });
  if (runtime.resultStore) {
    new Gauge({
      name: 'warren_result_store_up',
      help: '1 while the result store takes writes; 0 while it is unreachable (queues whose tasks store results are not consumed meanwhile).',
      labelNames: ['kind'],
      registers,
      collect() {
        const store = runtime.resultStore;
        if (store) this.set({ kind: store.kind }, store.healthy ? 1 : 0);
      },
    });
  }
  new Gauge({
    name: 'warren_pool_capacity',
    help: 'Tasks a pool can run at once (CPU: worker threads; I/O: the sum of its queues).',
    labelNames: ['pool'],
    registers,
    collect() {
      for (const pool of runtime.poolStates()) this.set({ pool: pool.kind }, pool.capacity);
    },
  });
  new Gauge({
    name: 'warren_pool_in_flight',
    help: 'Tasks a pool is running now.',
    labelNames: ['pool'],
    registers,
    collect() {
      for (const pool of runtime.poolStates()) this.set({ pool: pool.kind }, pool.inFlight);
    },
  });
  new Gauge({
    name: 'warren_queue_running',
    help: 'Deliveries of a queue being run now (at most its prefetch).',
    labelNames: ['queue', 'pool'],
    registers,
    collect() {
      for (const queue of runtime.queueStates()) this.set({ queue: queue.queue, pool: queue.pool }, queue.running);
    },
  });
  new Gauge({
    name: 'warren_queue_prefetch',
    help: 'Unacknowledged deliveries a queue may hold: how many of its tasks run at once.',
    labelNames: ['queue', 'pool'],
    registers,
    collect() {
      for (const queue of runtime.queueStates()) this.set({ queue: queue.queue, pool: queue.pool }, queue.prefetch);
    },
  });
  const restartsSeen = new Map<string, number>();
  new Counter({
    name: 'warren_pool_worker_restarts_total',
    help: 'CPU worker threads replaced after a crash, process.exit or a hard time limit.',
    labelNames: ['pool'],
    registers,
    collect() {
      for (const pool of runtime.poolStates()) {
        // The pool keeps the total; a counter can only be increased, so it is moved by the difference.
        const delta = pool.workerRestarts - (restartsSeen.get(pool.kind) ?? 0);
        restartsSeen.set(pool.kind, pool.workerRestarts);
        this.inc({ pool: pool.kind }, Math.max(0, delta));
      }
    },
  });
  const recycledSeen = new Map<string, number>();
  new Counter({
    name: 'warren_cpu_threads_recycled_total',
    help: 'CPU worker threads replaced between tasks, by reason: tasks (pools.cpu.maxTasksPerThread) or heap (pools.cpu.maxHeapMbPerThread).',
    labelNames: ['reason'],
    registers,
    collect() {
      for (const pool of runtime.poolStates()) {
        for (const [reason, total] of Object.entries(pool.threadsRecycled ?? {})) {
          this.inc({ reason }, Math.max(0, total - (recycledSeen.get(reason) ?? 0)));
          recycledSeen.set(reason, total);
        }
      }
    },
  });
  new Gauge({
    name: 'warren_consumer_up',
    help: "1 while this runtime consumes the broker queue; 0 while reconnecting, or after the broker took the consumer away (consumer_timeout, queue deleted) until it is restored.",
    labelNames: ['queue'],
    registers,
    collect() {
      for (const consumer of runtime.consumerHealth()) this.set({ queue: consumer.queue }, consumer.up ? 1 : 0);
    },
  });
  const consumerRestartsSeen = new Map<string, number>();
  new Counter({
    name: 'warren_consumer_restarts_total',
    help: 'Consumers the broker took away (consumer_timeout, queue deleted, cancel) and this runtime restored, by broker queue.',
    labelNames: ['queue'],
    registers,
    collect() {
      for (const consumer of runtime.consumerHealth()) {
        const delta = consumer.restarts - (consumerRestartsSeen.get(consumer.queue) ?? 0);
        consumerRestartsSeen.set(consumer.queue, consumer.restarts);
        this.inc({ queue: consumer.queue }, Math.max(0, delta));
      }
    },
  });
  let reconnectsSeen = 0;
  new Counter({
    name: 'warren_broker_reconnects_total',
    help: 'Times the broker connection was lost and recovered.',
    registers,
    collect() {
      const reconnects = runtime.reconnectCount;
      this.inc(Math.max(0, reconnects - reconnectsSeen));
      reconnectsSeen = reconnects;
    },
  });

  // Three gauges from one broker answer: each collector asks the cache, which asks the broker once.
  // A scrape gets the latest answer at once, however old, and its age says how stale it is: during
  // an outage the depths stop moving and the age grows, and the failed questions are counted.
  const depthErrors = new Counter({ name: 'warren_queue_depth_errors_total', help: 'Scrapes whose latest question for queue depths to the broker failed (the depth gauges then hold the last answer).', registers });
  new Gauge({
    name: 'warren_queue_depth_age_seconds',
    help: 'How old the queue depth gauges are: since the broker last answered (a couple of seconds normally, growing during an outage).',
    registers,
    async collect() {
      this.reset();
      const { ageMs } = await depths.known();
      if (ageMs !== undefined) this.set(ageMs / 1000);
    },
  });
  const depthGauge = (name: string, help: string, read: (summary: QueueSummary) => number | undefined, countErrors = false) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        const { summaries, error } = await depths.known();
        if (error && countErrors) depthErrors.inc();
        for (const summary of summaries) {
          const value = read(summary);
          if (value !== undefined) this.set({ queue: summary.queue }, value);
        }
      },
    });
  depthGauge('warren_queue_depth', 'Messages ready in a work queue (not counting those being run); read through a cache of a couple of seconds.', (summary) => summary.messages, true);
  depthGauge('warren_queue_consumers', 'Consumers of a work queue, across every runtime.', (summary) => summary.consumers);
  depthGauge('warren_dead_letter_depth', "Messages in a queue's dead-letter queue.", (summary) => summary.deadLetters);

  const onTask = (event: TaskEvent) => {
    const task = taskLabel(event.task);
    tasks.inc({ task, queue: event.queue, pool: event.pool, outcome: event.outcome });
    duration.observe({ task, queue: event.queue, outcome: event.outcome }, event.durationMs / 1000);
    if (event.waitMs !== undefined) wait.observe({ task, queue: event.queue }, Math.max(0, event.waitMs) / 1000);
    if (event.outcome === 'retried') retries.inc({ task, queue: event.queue });
    if (event.outcome === 'failed' || event.outcome === 'rejected') deadLetters.inc({ task, queue: event.queue, outcome: event.outcome });
  };
  runtime.on('task', onTask);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close: () => {
      runtime.off('task', onTask);
    },
  };
}
