import type { ResolvedConfig } from '../config/resolved-config';
import type { Logger } from '../logging/logger';
import { memoryResultStoreFor } from './memory-result-store';
import { PostgresResultStore } from './postgres-result-store';
import type { ResultStore } from './result-store';

export type ResultStoreSettings = NonNullable<ResolvedConfig['results']>;

/** The defaults of `results`, for a client given only a URL. */
export const RESULT_STORE_DEFAULTS: Omit<ResultStoreSettings, 'url'> = { retentionMs: 86_400_000, maxResultBytes: 4 * 1024 * 1024, table: 'warren_tasks', trackStarted: false };

/** The store a URL names: PostgreSQL for postgres:// URLs, this process's embedded one for memory://. Not opened yet. */
export function openResultStore(settings: ResultStoreSettings, namespace: string, logger: Logger): ResultStore {
  if (settings.url.startsWith('memory://')) return memoryResultStoreFor(namespace, settings.retentionMs);
  return new PostgresResultStore({ url: settings.url, namespace, table: settings.table, retentionMs: settings.retentionMs, logger });
}
