import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { container as rootContainer } from 'tsyringe';
import { loadConfig } from '../config/load-config';
import { checkResultStoreServes } from '../config/resolve-config';
import { eachBounded } from '../util/each-bounded';
import { fleetView, type FleetView } from './fleet';
import type { ResolvedConfig } from '../config/resolved-config';
import { describe } from '../errors';
import { createLogger, type Logger } from '../logging/logger';
import { warnOfSecondTracingApi } from '../tracing/api-copies';
import type { CpuPool } from '../pools/cpu-pool';
import { JobInstances } from '../pools/job-instances';
import type { Pool } from '../pools/pool';
import { scanRegistry } from '../registry/scan-registry';
import type { TaskRegistry } from '../registry/task-registry';
import { TopologyNames, buildTopology } from '../topology/topology';
import { queueTypesOf } from '../topology/queue-types';
import { blockedReason } from '../transport/broker-alarm';
import { reportsConsumerState, type ConsumerStateChange } from '../transport/consumer-state';
import { openPublishingTransport, openTransport } from '../transport/open-transport';
import { CONSUMER_STARTS_AT_ONCE, type Transport } from '../transport/transport';
import { QueueAdmin } from '../admin/queue-admin';
import { ControlResponder } from './control-responder';
import { EventPublisher } from './event-publisher';
import type { TaskDescription } from './task-description';
import { TaskTracker, type RunningTask } from './task-tracker';
import { formatBanner } from './banner';
import type { EventLoopStallMonitor } from './event-loop-stall-monitor';
import { reportIoStalls, type IoStall } from './io-stall-reporter';
import { QueueConsumer } from './queue-consumer';
import { consumerTimeoutWarnings, planQueues, type QueuePlan } from './queue-plan';
import { POOL_KIND_SPECS, type PoolKindSpec, type PoolOf } from '../pools/pool-kinds';
import type { PoolKind } from '../decorators/task-options';
import { Scheduler, type ScheduleView } from '../schedule/scheduler';
import { WarrenClient } from '../client/warren-client';
import type { ScheduleDefinition } from '../schedule/schedule-options';
import { scheduleDefinitions } from '../schedule/schedule-definitions';
import { Republisher } from './republisher';
import { startParts, stopParts, type RuntimePart } from './runtime-parts';
import { deliveryStages } from './stages/delivery-stages';
import { StaleBindings } from './stale-bindings';
import { MAX_LISTED_IN_FLIGHT, type RuntimeSnapshot } from './runtime-snapshot';
import type { TaskEvent, TaskStartedEvent } from './task-event';
import { WatchedIoPool } from './watched-io-pool';
import { openResultStore } from '../results/open-result-store';
import type { ResultStore } from '../results/result-store';
import { ResultRecorder } from './result-recorder';
import { ResultStoreWatch } from './result-store-watch';

export interface StartRuntimeOptions {
  /** A config file path, or an already resolved config. Default: `runtime.config.ts` in the working directory. */
  readonly config?: string | ResolvedConfig;
  /** Default: a pino logger at the config's level. */
  readonly logger?: Logger;
  /**
   * Called once the runtime exists, before its first delivery: attach listeners here that must
   * see every task. A listener added after `start()` resolves misses the tasks it already ran,
   * which with a backlog waiting in the queues can be hundreds.
   */
  readonly beforeConsuming?: (runtime: Runtime) => void;
}

export interface RuntimeEvents {
  /** A task was handed to its pool. */
  started: [TaskStartedEvent];
  /** Every delivery the runtime finished with, whatever the outcome. */
  task: [TaskEvent];
  /** The connection dropped; the runtime is reconnecting. */
  disconnected: [Error];
  /** The connection is back, topology re-declared, every queue consumed again. */
  reconnected: [];
  /** Reconnecting gave up; the runtime has stopped serving. */
  connectionLost: [Error];
  /** The broker took a queue's consumer away while the connection lived; it is being restored. */
  consumerLost: [queue: string, error: Error];
  /** A lost consumer is back: topology declared again, consuming again. */
  consumerRestored: [queue: string];
  /** The main thread's event loop was blocked past `pools.io.stallThresholdMs` (already logged as a warning). */
  eventLoopStall: [IoStall];
}

/** One consumed broker queue, as /readyz and the metrics show it. */
export interface ConsumerHealth {
  readonly queue: string;
  /** Consuming now: connected, and not taken away by the broker. */
  readonly up: boolean;
  /** Times the broker took it away and it was restored. */
  readonly restarts: number;
}

type State = 'running' | 'stopping' | 'stopped';

/**
 * A running Warren: job files scanned, topology declared, one consumer per queue feeding its pool.
 * Start it with `Runtime.start()`; stop it with `stop()` (SIGINT/SIGTERM do that in `warren start`).
 */
export class Runtime extends EventEmitter<RuntimeEvents> {
  readonly id = `${os.hostname()}:${process.pid}:${randomBytes(2).toString('hex')}`;
  readonly startedAt = new Date();
  private state: State = 'running';
  private connected = true;
  private reconnects = 0;
  private readonly counts: Record<TaskEvent['outcome'], number> = { succeeded: 0, retried: 0, failed: 0, rejected: 0, expired: 0, scheduled: 0 };
  private readonly recentFailures: TaskEvent[] = [];
  private stopping: Promise<void> | undefined;
  /** Consumers the broker took away, by broker queue, with why; back out once restored. */
  private readonly lostConsumers = new Map<string, Error>();
  private readonly consumerRestarts = new Map<string, number>();
  private readonly consumedQueues: readonly string[];
  private stallMonitor: EventLoopStallMonitor | undefined;
  private readonly ioPool: WatchedIoPool;
  private stalls = 0;

  private readonly pools: readonly Pool[];
  private readonly consumers: readonly QueueConsumer[];
  /** Depths, dead letters, replay and purge of this runtime's queues, over its own connection. */
  readonly admin: QueueAdmin;
  private readonly tracker = new TaskTracker(this.id, (taskId) => this.findRunning(taskId));
  private readonly control: ControlResponder;
  private askingClient: WarrenClient | undefined;
  /** Fires the schedules when this runtime holds them; absent when it defines none. */
  private readonly scheduler: Scheduler | undefined;
  private readonly events: EventPublisher;
  /** Pauses the queues whose outcomes are stored while the store is unreachable; absent without a store. */
  private readonly storeWatch: ResultStoreWatch | undefined;

  private constructor(
    readonly config: ResolvedConfig,
    readonly registry: TaskRegistry,
    readonly plans: readonly QueuePlan[],
    readonly logger: Logger,
    private readonly transport: Transport,
    /** Where the runtime's own publishes go (retries, dead letters, events): see openPublishingTransport. */
    private readonly publishing: Transport,
    pools: { io: WatchedIoPool; cpu: CpuPool | undefined },
    private readonly names: TopologyNames,
    schedules: readonly ScheduleDefinition[],
    private readonly store: ResultStore | undefined,
  ) {
    super();
    this.ioPool = pools.io;
    this.admin = new QueueAdmin(transport, names);
    this.events = new EventPublisher(publishing, names, this.id, logger);
    this.control = new ControlResponder(transport, names, this.id, {
      snapshot: () => this.snapshot(),
      status: (taskId) => this.tracker.get(taskId),
      record: (taskId) => this.tracker.record(taskId),
      setSchedulePaused: (name, paused) => this.scheduler?.setPaused(name, paused),
    }, logger);
    this.scheduler = schedules.length > 0 ? new Scheduler({ transport, names, runtimeId: this.id, schedules, maxPayloadBytes: config.maxPayloadBytes, logger }) : undefined;
    this.pools = pools.cpu ? [pools.io, pools.cpu] : [pools.io];
    this.consumedQueues = [...plans.map((plan) => plan.brokerQueue), names.controlQueue(this.id)];
    const staleBindings = new StaleBindings(transport, names, logger);
    const republisher = new Republisher(publishing, names, this.id);
    const queueTypes = queueTypesOf(config);
    // A quorum queue counts deliveries itself: a redelivery runs as it is, bounded by that count.
    const stages = deliveryStages(republisher, { maxRedeliveries: config.maxRedeliveries, requeueDelayMs: config.requeueDelayMs, brokerCounts: (queue) => queueTypes.of(queue) === 'quorum' });
    const results = store && config.results ? new ResultRecorder(store, { runtimeId: this.id, maxResultBytes: config.results.maxResultBytes, trackStarted: config.results.trackStarted, logger }) : undefined;
    this.consumers = plans.map(
      (plan) =>
        new QueueConsumer({
          plan,
          pool: plan.pool === 'cpu' && pools.cpu ? pools.cpu : pools.io,
          registry,
          transport,
          republisher,
          staleBindings,
          stages,
          results,
          maxPayloadBytes: config.maxPayloadBytes,
          unknownTaskGraceMs: config.unknownTaskGraceMs,
          requeueDelayMs: config.requeueDelayMs,
          logger,
          wantsStarted: () => this.events.wants('started') || this.listenerCount('started') > 0,
          onStarted: (event) => this.started(event),
          onTask: (event) => this.record(event),
        }),
    );
    const stored = plans.flatMap((plan, i) => (plan.queue.tasks.some((task) => registry.get(task)?.storeResult) ? [i] : []));
    this.storeWatch =
      store && config.results
        ? new ResultStoreWatch(store, stored.map((i) => this.consumers[i] as QueueConsumer), stored.map((i) => (plans[i] as QueuePlan).brokerQueue), logger, config.results.retentionMs)
        : undefined;
  }

  /** Scans, declares and consumes. Fails (with nothing left open) if any step fails. */
  static async start(options: StartRuntimeOptions = {}): Promise<Runtime> {
    const config = typeof options.config === 'object' ? options.config : loadConfig(options.config);
    // A resolved config changed afterwards (a broker URL set on it) can pair RabbitMQ with the embedded store.
    checkResultStoreServes(config.broker.url, config.results?.url);
    const logger = options.logger ?? createLogger(config.logLevel);
    const registry = await scanRegistry(config);
    const names = new TopologyNames(config.broker.namespace);
    const plans = planQueues(registry.queues(), config, names, registry.tasks());
    const schedules = scheduleDefinitions(registry, config.schedules);
    // The broker closes the channel of a delivery unacknowledged past its consumer_timeout: say so before it happens.
    for (const warning of consumerTimeoutWarnings(plans, config, registry.tasks())) logger.warn({ consumerTimeoutMs: config.broker.consumerTimeoutMs }, warning);

    const container = rootContainer.createChildContainer();
    config.providers?.(container);
    const instances = new JobInstances(container);
    // I/O job classes live in this thread: resolve them now, so a missing provider stops the start.
    for (const task of registry.tasks()) if (task.pool === 'io') instances.get(task.jobClass);

    const opened: { transport?: Transport; publishing?: Transport; pools: Pool[]; store?: ResultStore } = { pools: [] };
    try {
      const store = config.results && openResultStore(config.results, config.broker.namespace, logger);
      // First: with a store down, tasks would run with nowhere to put their results.
      await store?.open();
      opened.store = store;
      const connection = { connectionName: `warren runtime ${os.hostname()}:${process.pid}`, heartbeatSeconds: config.broker.heartbeatSeconds, publishTimeoutMs: config.broker.publishTimeoutMs, username: config.broker.username, password: config.broker.password, logger };
      const transport = await openTransport(config.broker.url, connection);
      opened.transport = transport;
      const publishing = await openPublishingTransport(transport, config.broker.url, connection);
      opened.publishing = publishing;
      await transport.declare(buildTopology(registry.queues(), names, queueTypesOf(config)));

      // Progress reported by a task goes to the runtime, made once the pools are open.
      const relay: { to: (taskId: string, value: unknown) => void } = { to: () => {} };
      const openPool = <K extends PoolKind>(kind: K): PoolOf[K] | undefined => {
        const spec = POOL_KIND_SPECS[kind] as PoolKindSpec<K>;
        const ofKind = plans.filter((plan) => plan.pool === kind);
        if (!spec.needed(ofKind)) return undefined;
        const pool = spec.open({ config, plans: ofKind, tasks: registry.tasks(), instances, logger, onProgress: (taskId, value) => relay.to(taskId, value) });
        opened.pools.push(pool);
        return pool;
      };
      const io = openPool('io') as WatchedIoPool;
      const cpu = openPool('cpu');

      const runtime = new Runtime(config, registry, plans, logger, transport, publishing, { io, cpu }, names, schedules, store);
      relay.to = (taskId, value) => runtime.progress(taskId, value);
      transport.onStateChange((change) => runtime.onConnectionChange(change.state, change.error));
      // Its losses and returns are the publishes' own business (they wait for it, within
      // publishTimeoutMs); losing it for good stops the runtime as losing the other would.
      if (publishing !== transport) publishing.onStateChange((change) => change.state === 'failed' && runtime.onConnectionChange(change.state, change.error));
      if (reportsConsumerState(transport)) transport.onConsumerChange((change) => runtime.onConsumerChange(change));
      options.beforeConsuming?.(runtime);
      await runtime.startConsuming();
      logger.info({ runtime: runtime.id, broker: transport.description, tasks: registry.size, queues: plans.length }, 'runtime started');
      warnOfSecondTracingApi(logger);
      return runtime;
    } catch (error) {
      await Promise.allSettled([...opened.pools.map((pool) => pool.close()), opened.transport?.close(), opened.publishing !== opened.transport ? opened.publishing?.close() : undefined, opened.store?.close()]);
      throw error;
    }
  }

  private startConsuming(): Promise<void> {
    return startParts(this.parts(), this.logger);
  }

  /**
   * The runtime's parts in start order; they stop in reverse. Events first, so nothing a part
   * does goes unreported; the schedules last, since they fire into queues that are served by
   * then, and they go first at a stop, to another runtime, while this one still serves what
   * they fired. The consumers' stop is the drain: stop taking deliveries, wait out `graceMs`,
   * requeue what still runs.
   */
  private parts(graceMs = this.config.shutdownGraceMs): RuntimePart[] {
    const { logger } = this;
    const parts: RuntimePart[] = [
      { name: 'event publisher', start: () => this.events.start(), stop: () => this.events.flush() },
      { name: 'control responder', start: () => this.control.start(), stop: () => this.control.stop() },
      // Before the consumers, so it closes after them: what they finish still reaches the store.
      { name: 'result store', start: () => this.storeWatch?.start(), stop: () => this.closeStore() },
      { name: 'queue consumers', start: () => this.startConsumers(), stop: () => this.drainConsumers(graceMs) },
      {
        name: 'event-loop stall monitor',
        start: () => {
          const { stallThresholdMs } = this.config.pools.io;
          if (stallThresholdMs > 0) this.stallMonitor = reportIoStalls({ io: this.ioPool, thresholdMs: stallThresholdMs, heartbeatSeconds: this.config.broker.heartbeatSeconds, logger, onStall: (stall) => this.onStall(stall) });
        },
        stop: () => this.stallMonitor?.stop(),
      },
    ];
    const { scheduler } = this;
    if (scheduler) parts.push({ name: 'scheduler', start: () => scheduler.start(), stop: () => scheduler.stop() });
    return parts;
  }

  /** Several at once: each is a few round trips to the broker, and a runtime may serve hundreds of queues. */
  private async startConsumers(): Promise<void> {
    await eachBounded(this.consumers, CONSUMER_STARTS_AT_ONCE, (consumer) => consumer.start());
  }

  private async drainConsumers(graceMs: number): Promise<void> {
    const { logger } = this;
    await Promise.all(this.consumers.map((consumer) => consumer.stopConsuming()));
    const running = this.inFlight;
    if (running > 0) logger.info({ inFlight: running, graceMs }, 'shutting down: waiting for tasks in flight');
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
    const drained = await Promise.race([Promise.all(this.consumers.map((consumer) => consumer.whenIdle())).then(() => 'idle' as const), graceOver]);
    clearTimeout(timer);
    if (drained === 'timeout') {
      const requeued = this.consumers.reduce((sum, consumer) => sum + consumer.requeueInFlight(), 0);
      logger.warn({ requeued, graceMs }, 'grace period over: tasks still running were requeued');
    }
  }

  private async closeStore(): Promise<void> {
    this.storeWatch?.stop();
    await this.store?.close();
  }

  /** A running task's progress, from its pool: kept for `status` and passed to the store. */
  progress(taskId: string, value: unknown): void {
    for (const consumer of this.consumers) if (consumer.setProgress(taskId, value)) return;
  }

  /** The result store, when there is one, and whether it is reachable. */
  get resultStore(): { readonly kind: string; readonly description: string; readonly healthy: boolean } | undefined {
    const { store } = this;
    return store && { kind: store.kind, description: store.description, healthy: store.healthy };
  }

  /** What this runtime is doing now: pools, queues, counts, recent failures. */
  /** The pools as the snapshot has them, without the rest of it: what a metrics scrape reads. */
  poolStates(): RuntimeSnapshot['pools'] {
    return this.pools.map((pool) => ({ kind: pool.kind, capacity: pool.capacity, inFlight: pool.inFlight, workerRestarts: pool.workerRestarts, ...(pool.threadsRecycled && { threadsRecycled: { ...pool.threadsRecycled } }) }));
  }

  /** The queues as the snapshot has them, without the rest of it. */
  queueStates(): RuntimeSnapshot['queues'] {
    return this.plans.map((plan, i) => ({ queue: plan.queue.name, brokerQueue: plan.brokerQueue, pool: plan.pool, prefetch: plan.prefetch, running: this.consumers[i]?.running ?? 0 }));
  }

  /** Connection losses recovered since start. */
  get reconnectCount(): number {
    return this.reconnects;
  }

  snapshot(): RuntimeSnapshot {
    return {
      id: this.id,
      startedAt: this.startedAt.toISOString(),
      state: this.state,
      ready: this.ready,
      // The node connected to now, of the addresses the config gives.
      broker: this.config.broker.url ? this.transport.description : 'memory://',
      namespace: this.config.broker.namespace,
      pools: this.poolStates(),
      queues: this.queueStates(),
      inFlight: this.consumers
        .flatMap((consumer) => consumer.inFlightTasks())
        .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))
        .slice(0, MAX_LISTED_IN_FLIGHT),
      counts: { ...this.counts },
      recentFailures: [...this.recentFailures],
      reconnects: this.reconnects,
      schedules: this.scheduler?.views() ?? [],
      resultStore: this.resultStore,
    };
  }

  /**
   * Every schedule of the live runtimes of this namespace, with the holder's last and next
   * firings: asked of them all (this one included) over the control exchange.
   */
  async schedules(timeoutMs = 300): Promise<ScheduleView[]> {
    return this.controlClient().schedules({ timeoutMs });
  }

  /**
   * Every live runtime of this namespace (this one included) and their sums, asked over the
   * control exchange: one runtime's dashboard shows its own share of the work, this the whole.
   */
  async fleet(timeoutMs = 300): Promise<FleetView> {
    return fleetView(await this.controlClient().inspect({ timeoutMs }), this.id);
  }

  /** Pauses or resumes a schedule wherever the schedules are held: here, or on another runtime (asked over the control exchange). */
  async pauseSchedule(name: string, paused: boolean, timeoutMs = 1_000): Promise<ScheduleView> {
    const here = this.scheduler?.setPaused(name, paused);
    if (here) return here;
    return this.controlClient().pauseSchedule(name, paused, { timeoutMs });
  }

  /** Everything known of a task, as `client.describe` answers it: the dashboard's task page. */
  describeTask(taskId: string, timeoutMs = 300): Promise<TaskDescription> {
    return this.controlClient().describe(taskId, { timeoutMs });
  }

  /** A client on this runtime's own connection, for questions to every runtime (the dashboard's). Never closed: the runtime closes the transport. */
  private controlClient(): WarrenClient {
    this.askingClient ??= new WarrenClient({ transport: this.publishing, names: this.names, rpcTimeoutMs: this.config.rpcTimeoutMs, maxPayloadBytes: this.config.maxPayloadBytes, logger: this.logger, resultStore: this.store });
    return this.askingClient;
  }

  /** Event-loop stalls past the threshold since start. */
  get eventLoopStalls(): number {
    return this.stalls;
  }

  private onStall(stall: IoStall): void {
    this.stalls++;
    this.emit('eventLoopStall', stall);
  }

  private started(event: TaskStartedEvent): void {
    this.events.add(event);
    if (this.listenerCount('started') > 0) this.emit('started', event);
  }

  private record(event: TaskEvent): void {
    this.counts[event.outcome]++;
    this.tracker.finished(event);
    this.events.add(event);
    if (event.outcome !== 'succeeded') {
      this.recentFailures.unshift(event);
      if (this.recentFailures.length > 50) this.recentFailures.pop();
    }
    this.emit('task', event);
  }

  private findRunning(taskId: string): RunningTask | undefined {
    for (const consumer of this.consumers) {
      const running = consumer.findRunning(taskId);
      if (running) return running;
    }
    return undefined;
  }

  /** The `[tasks]` banner for this runtime. */
  banner(): string {
    return formatBanner(this.config, this.registry, this.plans);
  }

  /** Tasks running now, across every queue. */
  get inFlight(): number {
    return this.consumers.reduce((sum, consumer) => sum + consumer.running, 0);
  }

  /**
   * Graceful shutdown: stop consuming, let tasks in flight finish within the grace period,
   * requeue the rest for another runtime, then close pools and the connection.
   */
  stop(graceMs = this.config.shutdownGraceMs): Promise<void> {
    this.stopping ??= this.shutdown(graceMs);
    return this.stopping;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.state = 'stopping';
    const { logger } = this;
    await stopParts(this.parts(graceMs), logger);
    await Promise.allSettled(this.pools.map((pool) => pool.close()));
    await Promise.all([this.transport.close(), this.publishing !== this.transport ? this.publishing.close() : undefined]);
    this.state = 'stopped';
    logger.info({ runtime: this.id }, 'runtime stopped');
  }

  /** True while connected, topology declared and consuming every queue; false while reconnecting, draining, or a consumer is missing. */
  get ready(): boolean {
    return this.state === 'running' && this.connected && this.lostConsumers.size === 0 && !this.storeWatch?.paused;
  }

  /** Connected to the broker now (recovery is not under way). */
  get brokerConnected(): boolean {
    return this.connected;
  }

  /** Why the broker blocks this runtime's publishes now (a resource alarm: "low on memory"), or undefined. */
  get brokerBlocked(): string | undefined {
    return blockedReason(this.transport) ?? blockedReason(this.publishing);
  }

  /** Broker queues not consumed while the result store is unreachable (their outcomes would have nowhere to go). */
  get pausedForStore(): readonly string[] {
    return this.storeWatch?.paused ? this.storeWatch.queues : [];
  }

  /** Broker queues whose consumer the broker took away and that are not restored yet. */
  get missingConsumers(): string[] {
    return [...this.lostConsumers.keys()];
  }

  /** Every queue this runtime consumes (work queues and its control queue), up or not. */
  consumerHealth(): ConsumerHealth[] {
    return this.consumedQueues.map((queue) => ({ queue, up: this.state === 'running' && this.connected && !this.lostConsumers.has(queue), restarts: this.consumerRestarts.get(queue) ?? 0 }));
  }

  private onConsumerChange({ queue, state, error, restarts }: ConsumerStateChange): void {
    if (this.state !== 'running') return;
    if (state === 'lost') {
      const reason = error ?? new Error(`consumer of ${queue} lost`);
      this.lostConsumers.set(queue, reason);
      this.logger.error({ err: reason, queue, inFlight: this.inFlight }, `the broker took away the consumer of queue ${queue}; restoring it`);
      this.emit('consumerLost', queue, reason);
    } else if (state === 'restoreFailed') {
      this.logger.warn({ err: error, queue }, `restoring the consumer of queue ${queue} failed; trying again`);
    } else {
      this.lostConsumers.delete(queue);
      this.consumerRestarts.set(queue, restarts);
      this.logger.info({ queue, restarts }, `the consumer of queue ${queue} is back`);
      this.emit('consumerRestored', queue);
    }
  }

  private onConnectionChange(state: 'disconnected' | 'reconnected' | 'failed', error: Error | undefined): void {
    if (this.state !== 'running') return;
    if (state === 'disconnected') {
      this.connected = false;
      // Tasks in flight go on; their deliveries are already back in the queue, so their
      // acknowledgements are dropped and another run will happen: at least once.
      this.logger.warn({ err: error, inFlight: this.inFlight }, 'broker connection lost; reconnecting');
      this.emit('disconnected', error ?? new Error('disconnected'));
    } else if (state === 'reconnected') {
      this.connected = true;
      this.reconnects++;
      this.logger.info({ queues: this.plans.length, broker: this.transport.description }, `broker connection recovered on ${this.transport.description}: topology declared, consumers back`);
      this.emit('reconnected');
    } else {
      this.state = 'stopped';
      this.connected = false;
      this.stallMonitor?.stop();
      this.logger.error({ err: error }, `broker connection lost for good: ${describe(error)}`);
      void Promise.allSettled(this.pools.map((pool) => pool.close()));
      this.emit('connectionLost', error ?? new Error('connection failed'));
    }
  }
}
