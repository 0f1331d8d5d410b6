import type { DependencyContainer } from 'tsyringe';
import type { RetryPolicy } from '../policy/retry-policy';
import type { QueueType } from '../topology/queue-types';
import type { ConfigSchedule } from '../schedule/schedule-definitions';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Registers what job classes need that tsyringe cannot build by itself (interfaces, tokens, values). */
export type ProviderSetup = (container: DependencyContainer) => void;

/** What `runtime.config.ts` exports (through `defineConfig`). Everything but `jobs` has a default. */
export interface WarrenConfig {
  broker?: {
    /**
     * `amqp://user:pass@host:port/vhost`; several, comma-separated, for the nodes of a cluster.
     * `WARREN_BROKER_URL` overrides it; none means the embedded in-memory broker.
     */
    url?: string | undefined;
    /**
     * The nodes of a cluster, instead of `url`: connect and every reconnect try them in turn,
     * starting after the one that was lost. Give credentials once in `username`/`password`.
     */
    urls?: string[] | undefined;
    /** Prefix of every exchange and queue Warren declares (`<namespace>.tasks`, `<namespace>.<queue>`). Default `warren`. */
    namespace?: string | undefined;
    /** AMQP heartbeat in seconds. Default 30. */
    heartbeatSeconds?: number | undefined;
    /** While the connection is being recovered, how long a publish waits before it fails. Default 10 000 ms. */
    publishTimeoutMs?: number | undefined;
    /**
     * The broker's `consumer_timeout` (RabbitMQ's delivery acknowledgement timeout), which AMQP
     * cannot ask for: tell Warren if you changed it. CPU queues size their prefetch window from it,
     * and the start warns about tasks whose hard limit reaches it. Default 1 800 000 ms (30 min),
     * RabbitMQ's default.
     */
    consumerTimeoutMs?: number | undefined;
    /** User name, instead of the URL's. `WARREN_BROKER_USERNAME` overrides it. */
    username?: string | undefined;
    /** Password, instead of the URL's (no percent-encoding needed). `WARREN_BROKER_PASSWORD` overrides it. */
    password?: string | undefined;
    /**
     * The type of the work queues, their dead-letter queues and the delay cascade: `quorum`
     * (replicated, for a cluster; RabbitMQ 3.10 or later) or `classic`. `queues.<name>.queueType`
     * sets one queue's. Default `classic`, what queues declared before this option are: RabbitMQ
     * cannot change an existing queue's type (docs/operations.md, "Queue types").
     */
    queueType?: QueueType | undefined;
  };
  /** Globs of job files, relative to the config file. */
  jobs: string | string[];
  pools?: {
    cpu?: {
      /** Worker threads. Default: the machine's available cores. */
      threads?: number | undefined;
      /** Per worker `resourceLimits.maxOldGenerationSizeMb`. Default: Node's own. */
      maxOldGenerationSizeMb?: number | undefined;
      /**
       * How much lower (Linux nice) worker threads are scheduled than the main thread, so I/O
       * tasks, acks and replies come first when cores are short. Default 19, the lowest: an idle
       * machine still gives CPU work every core, a busy one serves I/O first. 0 turns it off.
       */
      niceness?: number | undefined;
      /**
       * Linux only: also run worker threads under SCHED_IDLE, so any waking I/O or broker thread
       * takes the core at once instead of after the worker's time slice. Default true; the catch:
       * on a machine whose cores other programs keep busy, CPU tasks wait for idle time.
       */
      schedIdle?: boolean | undefined;
      /**
       * Replace a thread once it has been handed this many tasks (Celery's max_tasks_per_child),
       * between tasks: for job code or native modules that leak. Default: never.
       */
      maxTasksPerThread?: number | undefined;
      /**
       * Replace a thread whose V8 heap in use after a task passes this many MB (Celery's
       * max_memory_per_child), between tasks. Set it above what a task needs at its peak. Default: never.
       */
      maxHeapMbPerThread?: number | undefined;
    };
    io?: {
      /** Tasks in flight per I/O queue when the job class does not say. Default 32. */
      concurrency?: number | undefined;
      /**
       * I/O tasks share the main thread with every queue, ack, reply and heartbeat: a stall of the
       * event loop longer than this is logged as a warning naming the I/O tasks that were running.
       * Default 1000 ms; 0 turns the check off.
       */
      stallThresholdMs?: number | undefined;
    };
  };
  /** Limits and retries for every task whose class or method does not set its own. */
  defaults?: {
    /** Default 300 000 ms (5 min). */
    softTimeLimitMs?: number | undefined;
    /** Default 600 000 ms (10 min): far below RabbitMQ's 30-minute delivery acknowledgement timeout. */
    hardTimeLimitMs?: number | undefined;
    /** Default: 1 attempt (no retry); when retried, 1 s doubling to at most 5 min, 20 % jitter. */
    retry?: Omit<RetryPolicy, 'retryOn'> | undefined;
    /** Whether outcomes go to the result store (when one is configured). Default true. */
    storeResult?: boolean | undefined;
  };
  /**
   * Deliveries of one message that may end without an acknowledgement (the runtime died while
   * running it) before it is dead-lettered as poison. Default 5.
   */
  maxRedeliveries?: number | undefined;
  /**
   * How long a task that reaches a queue through its binding, but that this runtime does not
   * define, is handed back (every `requeueDelayMs`) for a runtime that does: during a
   * rolling deploy, old and new runtimes share queues. Past it the task is dead-lettered as
   * `UnknownTaskError`. Default 300 000 (5 min); 0 dead-letters at once.
   */
  unknownTaskGraceMs?: number | undefined;
  /**
   * How long a message that goes back to its queue waits in the delay cascade first: one handed
   * back for a runtime that defines its task, or one counted after it was redelivered. Default 1 000 ms.
   */
  requeueDelayMs?: number | undefined;
  /** The runtime's HTTP server (metrics, health, dashboard). Off unless a port is set. */
  http?: {
    /** 0 picks a free port. */
    port: number;
    /** Default 127.0.0.1. Bound beyond loopback, the dashboard and API require `token`. */
    host?: string | undefined;
    /** Bearer token for the dashboard and its API (health and metrics stay open). */
    token?: string | undefined;
  };
  /**
   * Tasks fired on a schedule, by schedule name (its state, last firing and pause, is kept by
   * name): `{ nightly: { task: 'Reports.nightly', cron: '0 3 * * *', timezone: 'Europe/Paris' } }`
   * or `{ everyMs: 30_000 }`. `@Schedule` on a task method does the same in code.
   */
  schedules?: Record<string, ConfigSchedule> | undefined;
  /**
   * Where task outcomes outlive the call, for `client.result(id)`, `client.status(id)` and
   * `warren result` from any process. Default: the embedded store with the embedded broker; none with RabbitMQ.
   */
  results?: {
    /** `postgres://user:pass@host:5432/db`, or `memory://` (this process only). `WARREN_RESULTS_URL` overrides it. */
    url?: string | undefined;
    /** How long a finished task's row is kept. Default 86 400 000 ms (1 day, Celery's `result_expires`). */
    retentionMs?: number | undefined;
    /** Largest result (JSON-encoded) stored; a task returning more fails with ResultTooLargeError. Default: `maxPayloadBytes` (4 MiB). */
    maxResultBytes?: number | undefined;
    /**
     * Also write a `running` row as each task starts (Celery's `task_track_started`), so other
     * processes see it running: a second write per task. Default false; a task that reports
     * progress gets its running row anyway.
     */
    trackStarted?: boolean | undefined;
    /** The table, created and migrated by Warren; schema-qualified if you like. Default `warren_tasks`. */
    table?: string | undefined;
  };
  /** Per-queue overrides, by queue name: `concurrency`, and `queueType` (instead of `broker.queueType`). */
  queues?: Record<string, { concurrency?: number; queueType?: QueueType }>;
  /** Runs in the main thread and in every CPU worker thread before any job class is resolved. */
  providers?: ProviderSetup | undefined;
  /** Default `info`; `WARREN_LOG_LEVEL` overrides it. */
  logLevel?: LogLevel | undefined;
  /** How long a shutdown waits for tasks in flight before requeueing them. Default 10 000 ms. */
  shutdownGraceMs?: number | undefined;
  /** How long a proxy call waits for its reply unless the call says otherwise. Default 60 000 ms. */
  rpcTimeoutMs?: number | undefined;
  /** Largest encoded task arguments or result accepted. Default 4 MiB. */
  maxPayloadBytes?: number | undefined;
}

/** Types the config object; returns it unchanged. */
export function defineConfig(config: WarrenConfig): WarrenConfig {
  return config;
}
