import 'reflect-metadata';

// One container for the user's code and Warren's: tsyringe is a peer dependency, and its
// decorators and container are re-exported so a project imports them from one place.
export {
  container,
  delay,
  inject,
  injectAll,
  injectable,
  Lifecycle,
  registry,
  scoped,
  singleton,
  type DependencyContainer,
  type InjectionToken,
} from 'tsyringe';

export { Task, TaskMethod, type JobClass } from './decorators/task';
export { Schedule } from './decorators/schedule';
export type { CatchUp, ScheduleOptions } from './schedule/schedule-options';
export type { ScheduleView } from './schedule/scheduler';
export type { PoolKind, TaskOptions, MethodOptions, RunOptions } from './decorators/task-options';
export type { RetryPolicy } from './policy/retry-policy';
export { currentTask, type TaskContext } from './context/task-context';
export type { StandardSchemaV1 } from './validation/standard-schema';
export { defineConfig, type WarrenConfig, type ProviderSetup, type LogLevel } from './config/define-config';
export type { ResolvedConfig } from './config/resolved-config';
export { loadConfig } from './config/load-config';
export { resolveConfig } from './config/resolve-config';
export { Runtime, type StartRuntimeOptions } from './runtime/runtime';
export type { TaskEvent, TaskStartedEvent } from './runtime/task-event';
export { connect, type ConnectOptions } from './client/connect';
export { WarrenClient } from './client/warren-client';
export type { CallOptions, RemoteTask, TaskProxy } from './client/task-proxy';
export { createLogger } from './logging/logger';
export * from './errors';
export { PayloadTooLargeError } from './protocol/task-request';
export type { RuntimeSnapshot } from './runtime/runtime-snapshot';
export { QueueAdmin, type DeadLetterEntry, type QueueSummary } from './admin/queue-admin';
export type { TaskState, TaskStatus } from './runtime/task-status';
export type { TaskDescription, TaskStateChange } from './runtime/task-description';
export { startHttpServer, type HttpServer, type HttpServerOptions } from './http/http-server';
export { createRuntimeMetrics, type RuntimeMetrics, type RuntimeMetricsOptions } from './metrics/runtime-metrics';
export { QueueDepthCache, type QueueDepthCacheOptions } from './metrics/queue-depth-cache';
