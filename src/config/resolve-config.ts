import os from 'node:os';
import type { z as Zod } from 'zod';
import { ConfigError } from '../errors';
import { runOptionSchemas } from '../options/run-options';
import { RESULT_STORE_DEFAULTS } from '../results/open-result-store';
import { TABLE_NAME } from '../results/postgres-schema';
import { QUEUE_TYPES } from '../topology/queue-types';
import type { WarrenConfig } from './define-config';
import type { ResolvedConfig } from './resolved-config';
import { lazily } from '../util/lazily';
import { brokerAddresses } from '../transport/broker-addresses';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Built on first use, as the run options are (options/run-options.ts): a CPU thread loads this module and resolves nothing. */
const schemas = lazily(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { z } = require('zod') as typeof import('zod');
  return buildSchemas(z);
});

function buildSchemas(z: typeof Zod) {
  const positiveInt = z.number().int().positive();
  const queueType = z.enum(QUEUE_TYPES as [string, ...string[]]);

  const brokerUrl = z.string().superRefine((value, context) => {
    const problem = brokerUrlProblem(value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });

  const resultsUrl = z
    .string()
    .refine((value) => /^(postgres(ql)?|memory):\/\//.test(value), 'must start with postgres://, postgresql:// or memory://');

  const configSchema = z.strictObject({
    broker: z
      .strictObject({
        // '' is no URL, as an empty WARREN_BROKER_URL is: `url: process.env.WARREN_BROKER_URL` in a shell that set it empty.
        url: z.union([z.literal(''), brokerUrl]).optional(),
        urls: z.array(brokerUrl).min(1).optional(),
        namespace: z
          .string()
          .regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits, _ . : or -')
          .optional(),
        heartbeatSeconds: z.number().int().nonnegative().optional(),
        publishTimeoutMs: positiveInt.optional(),
        consumerTimeoutMs: positiveInt.optional(),
        username: z.string().min(1).optional(),
        password: z.string().optional(),
        queueType: queueType.optional(),
      })
      .optional(),
    defaults: runOptionSchemas().defaultsSchema.optional(),
    maxRedeliveries: positiveInt.optional(),
    unknownTaskGraceMs: z.number().int().min(0).optional(),
    requeueDelayMs: positiveInt.optional(),
    http: z
      .strictObject({
        port: z.number().int().min(0).max(65_535),
        host: z.string().min(1).optional(),
        token: z.string().min(16, 'must be at least 16 characters').optional(),
      })
      .optional(),
    jobs: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    pools: z
      .strictObject({
        cpu: z
          .strictObject({
            threads: positiveInt.optional(),
            maxOldGenerationSizeMb: positiveInt.optional(),
            niceness: z.number().int().min(0).max(19).optional(),
            schedIdle: z.boolean().optional(),
            maxTasksPerThread: positiveInt.optional(),
            maxHeapMbPerThread: positiveInt.optional(),
          })
          .optional(),
        io: z.strictObject({ concurrency: positiveInt.optional(), stallThresholdMs: z.number().int().nonnegative().optional() }).optional(),
      })
      .optional(),
    results: z
      .strictObject({
        url: z.union([z.literal(''), resultsUrl]).optional(),
        retentionMs: positiveInt.optional(),
        maxResultBytes: positiveInt.optional(),
        trackStarted: z.boolean().optional(),
        table: z.string().regex(TABLE_NAME, 'must be a lower-case identifier, optionally schema-qualified (warren_tasks, jobs.warren_tasks)').optional(),
      })
      .optional(),
    queues: z.record(z.string(), z.strictObject({ concurrency: positiveInt.optional(), queueType: queueType.optional() })).optional(),
    schedules: z
      .record(
        z.string().min(1),
        z.strictObject({
          task: z.string().min(1),
          cron: z.string().min(1).optional(),
          everyMs: z.number().int().min(1_000).optional(),
          timezone: z.string().min(1).optional(),
          args: z.array(z.unknown()).optional(),
          catchUp: z.enum(['skip', 'once']).optional(),
        }),
      )
      .optional(),
    providers: z.custom<(container: unknown) => void>((value) => typeof value === 'function', 'must be a function').optional(),
    logLevel: z.enum(LOG_LEVELS).optional(),
    shutdownGraceMs: z.number().int().nonnegative().optional(),
    rpcTimeoutMs: positiveInt.optional(),
    maxPayloadBytes: positiveInt.optional(),
  });
  return { brokerUrl, resultsUrl, configSchema };
}

/** Environment variables that override the config file, for deployment without editing code. */
export interface ConfigEnvironment {
  readonly WARREN_BROKER_URL?: string;
  readonly WARREN_LOG_LEVEL?: string;
  readonly WARREN_NAMESPACE?: string;
  readonly WARREN_BROKER_USERNAME?: string;
  readonly WARREN_BROKER_PASSWORD?: string;
  readonly WARREN_RESULTS_URL?: string;
}

/**
 * Checks a config and fills in the defaults. Every problem is reported with the field it is in,
 * e.g. `pools.cpu.threads: Too small: expected number to be >0`.
 */
export function resolveConfig(
  input: unknown,
  where: { source: string; rootDir: string; configFile?: string },
  env: ConfigEnvironment = process.env,
): ResolvedConfig {
  const { resultsUrl, configSchema } = schemas();
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`Invalid config in ${where.source}:\n${problems.join('\n')}`);
  }
  const config = parsed.data as WarrenConfig;

  if (nonEmpty(config.broker?.url) !== undefined && config.broker?.urls !== undefined) {
    throw new ConfigError(`Invalid config in ${where.source}: give broker.url or broker.urls, not both`);
  }
  const url = nonEmpty(env.WARREN_BROKER_URL) ?? nonEmpty(config.broker?.url) ?? config.broker?.urls?.join(',');
  const urlProblem = url === undefined ? undefined : brokerUrlProblem(url);
  if (urlProblem !== undefined) throw new ConfigError(`Invalid broker URL from WARREN_BROKER_URL: ${urlProblem}`);
  const resultsUrlGiven = nonEmpty(env.WARREN_RESULTS_URL) ?? nonEmpty(config.results?.url);
  if (resultsUrlGiven !== undefined && !resultsUrl.safeParse(resultsUrlGiven).success) {
    throw new ConfigError(`Invalid result store URL from WARREN_RESULTS_URL: must start with postgres://, postgresql:// or memory://`);
  }
  const embedded = isEmbeddedBroker(url);
  checkResultStoreServes(url, resultsUrlGiven);
  const storeUrl = resultsUrlGiven ?? (embedded ? 'memory://' : undefined);
  const logLevel = nonEmpty(env.WARREN_LOG_LEVEL) ?? config.logLevel ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`Invalid WARREN_LOG_LEVEL '${logLevel}': use one of ${LOG_LEVELS.join(', ')}`);
  }

  return {
    broker: {
      url,
      namespace: namespace(env.WARREN_NAMESPACE) ?? config.broker?.namespace ?? 'warren',
      heartbeatSeconds: config.broker?.heartbeatSeconds ?? 30,
      publishTimeoutMs: config.broker?.publishTimeoutMs ?? 10_000,
      consumerTimeoutMs: config.broker?.consumerTimeoutMs ?? 1_800_000,
      username: nonEmpty(env.WARREN_BROKER_USERNAME) ?? config.broker?.username,
      // A password is taken as given: spaces may be part of it. Only an unset or empty variable falls back to the file.
      password: env.WARREN_BROKER_PASSWORD || config.broker?.password,
      queueType: config.broker?.queueType ?? 'classic',
    },
    defaults: {
      softTimeLimitMs: config.defaults?.softTimeLimitMs ?? 300_000,
      hardTimeLimitMs: config.defaults?.hardTimeLimitMs ?? 600_000,
      retry: config.defaults?.retry,
      storeResult: config.defaults?.storeResult,
    },
    maxRedeliveries: config.maxRedeliveries ?? 5,
    unknownTaskGraceMs: config.unknownTaskGraceMs ?? 300_000,
    requeueDelayMs: config.requeueDelayMs ?? 1_000,
    http: config.http && { port: config.http.port, host: config.http.host ?? '127.0.0.1', token: config.http.token },
    jobs: typeof config.jobs === 'string' ? [config.jobs] : config.jobs,
    pools: {
      cpu: {
        threads: config.pools?.cpu?.threads ?? os.availableParallelism(),
        maxOldGenerationSizeMb: config.pools?.cpu?.maxOldGenerationSizeMb,
        niceness: config.pools?.cpu?.niceness ?? 19,
        schedIdle: config.pools?.cpu?.schedIdle ?? true,
        maxTasksPerThread: config.pools?.cpu?.maxTasksPerThread,
        maxHeapMbPerThread: config.pools?.cpu?.maxHeapMbPerThread,
      },
      io: { concurrency: config.pools?.io?.concurrency ?? 32, stallThresholdMs: config.pools?.io?.stallThresholdMs ?? 1_000 },
    },
    results:
      storeUrl === undefined
        ? undefined
        : {
            url: storeUrl,
            retentionMs: config.results?.retentionMs ?? RESULT_STORE_DEFAULTS.retentionMs,
            // A result the reply could carry can be stored too.
            maxResultBytes: config.results?.maxResultBytes ?? config.maxPayloadBytes ?? RESULT_STORE_DEFAULTS.maxResultBytes,
            table: config.results?.table ?? RESULT_STORE_DEFAULTS.table,
            trackStarted: config.results?.trackStarted ?? RESULT_STORE_DEFAULTS.trackStarted,
          },
    queues: config.queues ?? {},
    schedules: config.schedules ?? {},
    providers: config.providers,
    logLevel: logLevel as ResolvedConfig['logLevel'],
    shutdownGraceMs: config.shutdownGraceMs ?? 10_000,
    rpcTimeoutMs: config.rpcTimeoutMs ?? 60_000,
    maxPayloadBytes: config.maxPayloadBytes ?? 4 * 1024 * 1024,
    rootDir: where.rootDir,
    configFile: where.configFile,
  };
}

/** Why a broker URL (or a comma-separated list of them) cannot be used; undefined when it can. */
function brokerUrlProblem(value: string): string | undefined {
  const addresses = brokerAddresses(value);
  if (addresses.length === 0) return 'must start with amqp://, amqps:// or memory://';
  if (addresses.some((address) => !/^(amqps?|memory):\/\//.test(address))) return 'must start with amqp://, amqps:// or memory://';
  if (addresses.length > 1 && addresses.some((address) => address.startsWith('memory://'))) return 'memory:// is one embedded broker: it cannot be one of several';
  return undefined;
}

function namespace(value: string | undefined): string | undefined {
  const name = nonEmpty(value);
  if (name !== undefined && !/^[A-Za-z0-9_.:-]+$/.test(name)) throw new ConfigError(`Invalid WARREN_NAMESPACE '${name}': use letters, digits, _ . : or -`);
  return name;
}

/** An environment variable's value, or undefined when it is unset or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** The embedded broker of this process: no URL, or a memory:// one. */
export function isEmbeddedBroker(url: string | undefined): boolean {
  return url === undefined || url.startsWith('memory://');
}

/** The embedded broker comes with the embedded store: everything in this process, and only there. */
export function checkResultStoreServes(brokerUrl: string | undefined, resultsUrl: string | undefined): void {
  if (resultsUrl?.startsWith('memory://') && !isEmbeddedBroker(brokerUrl)) {
    throw new ConfigError(`Invalid result store: ${resultsUrl} keeps results inside one process, so it serves only the embedded broker; with RabbitMQ, give results.url (or WARREN_RESULTS_URL) a postgres:// URL`);
  }
}
