import type { RunDefaults } from '../registry/task-definition';
import type { ConfigSchedule } from '../schedule/schedule-definitions';
import type { QueueType } from '../topology/queue-types';
import type { LogLevel, ProviderSetup } from './define-config';

/** The config with every default filled in and every field checked. */
export interface ResolvedConfig {
  readonly broker: {
    /** One broker, or several comma-separated (the config's `urls` joined): tried in turn. */
    readonly url: string | undefined;
    readonly namespace: string;
    readonly heartbeatSeconds: number;
    readonly publishTimeoutMs: number;
    /** The broker's delivery acknowledgement timeout, as the config says it is. */
    readonly consumerTimeoutMs: number;
    /** Credentials apart from the URL; when set, they win over the URL's. */
    readonly username: string | undefined;
    readonly password: string | undefined;
    /** Of every durable queue a queue of `queues` does not set otherwise. */
    readonly queueType: QueueType;
  };
  readonly defaults: RunDefaults;
  readonly maxRedeliveries: number;
  readonly unknownTaskGraceMs: number;
  readonly requeueDelayMs: number;
  readonly http: { readonly port: number; readonly host: string; readonly token: string | undefined } | undefined;
  readonly jobs: readonly string[];
  readonly pools: {
    readonly cpu: {
      readonly threads: number;
      readonly maxOldGenerationSizeMb: number | undefined;
      readonly niceness: number;
      readonly schedIdle: boolean;
      readonly maxTasksPerThread: number | undefined;
      readonly maxHeapMbPerThread: number | undefined;
    };
    readonly io: { readonly concurrency: number; readonly stallThresholdMs: number };
  };
  /** The result store, when there is one. */
  readonly results: { readonly url: string; readonly retentionMs: number; readonly maxResultBytes: number; readonly table: string; readonly trackStarted: boolean } | undefined;
  readonly queues: Readonly<Record<string, { readonly concurrency?: number; readonly queueType?: QueueType }>>;
  readonly schedules: Readonly<Record<string, ConfigSchedule>>;
  readonly providers: ProviderSetup | undefined;
  readonly logLevel: LogLevel;
  readonly shutdownGraceMs: number;
  readonly rpcTimeoutMs: number;
  readonly maxPayloadBytes: number;
  /** Where relative job globs start: the config file's folder (or the working directory). */
  readonly rootDir: string;
  /** The config module, when there is one: CPU workers load it to run `providers` in their own container. */
  readonly configFile: string | undefined;
}
