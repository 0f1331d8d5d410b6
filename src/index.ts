import 'reflect-metadata';

export { Task, TaskMethod, type JobClass } from './decorators/task';
export type { PoolKind, TaskOptions, MethodOptions, RunOptions } from './decorators/task-options';
export type { RetryPolicy } from './policy/retry-policy';
export { currentTask, type TaskContext } from './context/task-context';
export type { StandardSchemaV1 } from './validation/standard-schema';
export { defineConfig, type WarrenConfig, type ProviderSetup, type LogLevel } from './config/define-config';
export type { ResolvedConfig } from './config/resolved-config';
export { loadConfig } from './config/load-config';
export { resolveConfig } from './config/resolve-config';
export { Runtime, type StartRuntimeOptions } from './runtime/runtime';
export type { TaskEvent } from './runtime/task-event';
export { connect, type ConnectOptions } from './client/connect';
export { WarrenClient } from './client/warren-client';
export type { CallOptions, RemoteTask, TaskProxy } from './client/task-proxy';
export { createLogger } from './logging/logger';
export * from './errors';
export { PayloadTooLargeError } from './protocol/task-request';
