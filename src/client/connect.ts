import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG_FILES, loadConfig } from '../config/load-config';
import { nonEmpty } from '../config/resolve-config';
import type { ResolvedConfig } from '../config/resolved-config';
import { createLogger, type Logger } from '../logging/logger';
import { warnOfSecondTracingApi } from '../tracing/api-copies';
import { TopologyNames } from '../topology/topology';
import { openTransport } from '../transport/open-transport';
import { openResultStore, RESULT_STORE_DEFAULTS } from '../results/open-result-store';
import { WarrenClient } from './warren-client';

export interface ConnectOptions {
  /** Broker URL. Default: from the config (or `WARREN_BROKER_URL`); no URL means the embedded broker. */
  readonly url?: string;
  /** A config file or a resolved config to take broker, namespace and limits from. Default: `runtime.config.ts` if present. */
  readonly config?: string | ResolvedConfig;
  readonly namespace?: string;
  readonly rpcTimeoutMs?: number;
  readonly logger?: Logger;
  /** Broker user, apart from the URL. Default: the config's `broker.username` (or `WARREN_BROKER_USERNAME`), else the URL's. */
  readonly username?: string;
  /** Broker password, apart from the URL (percent-encoding not needed). Default: the config's `broker.password` (or `WARREN_BROKER_PASSWORD`), else the URL's. */
  readonly password?: string;
  /**
   * The result store `client.result(id)` reads: a postgres:// URL, or memory://. Default: the
   * config's `results.url` (or `WARREN_RESULTS_URL`); with the embedded broker, the embedded store.
   */
  readonly resultsUrl?: string;
}

/** Connects a client: `const client = await connect(); client.proxy(Images).thumbnail(...)`. */
export async function connect(options: ConnectOptions = {}): Promise<WarrenClient> {
  const config = clientConfig(options);
  const url = options.url ?? config?.broker.url ?? nonEmpty(process.env.WARREN_BROKER_URL);
  const logger = options.logger ?? createLogger(config?.logLevel ?? 'info', { name: 'warren-client' });
  warnOfSecondTracingApi(logger);
  const transport = await openTransport(url, {
    connectionName: `warren client ${process.pid}`,
    heartbeatSeconds: config?.broker.heartbeatSeconds,
    publishTimeoutMs: config?.broker.publishTimeoutMs,
    logger,
    username: options.username ?? config?.broker.username,
    password: options.password ?? config?.broker.password,
  });
  const namespace = options.namespace ?? config?.broker.namespace ?? 'warren';
  const embedded = url === undefined || url.startsWith('memory://');
  const configured = options.resultsUrl ?? (config ? config.results?.url : (nonEmpty(process.env.WARREN_RESULTS_URL) ?? 'memory://'));
  // The embedded store lives in this process, as the embedded broker does: it serves only with it.
  const resultsUrl = configured?.startsWith('memory://') && !embedded ? undefined : configured;
  const resultStore = resultsUrl === undefined ? undefined : openResultStore({ ...RESULT_STORE_DEFAULTS, ...config?.results, url: resultsUrl }, namespace, logger);
  return new WarrenClient({
    resultStore,
    transport,
    names: new TopologyNames(namespace),
    rpcTimeoutMs: options.rpcTimeoutMs ?? config?.rpcTimeoutMs ?? 60_000,
    maxPayloadBytes: config?.maxPayloadBytes ?? 4 * 1024 * 1024,
    logger,
  });
}

function clientConfig(options: ConnectOptions): ResolvedConfig | undefined {
  if (typeof options.config === 'object') return options.config;
  if (typeof options.config === 'string') return loadConfig(options.config);
  const present = DEFAULT_CONFIG_FILES.some((name) => fs.existsSync(path.join(process.cwd(), name)));
  return present ? loadConfig() : undefined;
}
