import type pg from 'pg';
import type { Logger } from 'pino';
import { ConfigError, describe, ResultStoreError } from '../errors';
import type { SerializedError } from '../protocol/serialized-error';
import type { TaskState } from '../runtime/task-status';
import { redactUrl } from '../transport/redact-url';
import { MIGRATIONS, migrationsTable, TABLE_NAME } from './postgres-schema';
import type { ResultStore, StoredTask, TaskWrite } from './result-store';
import { FINAL_PHASE, phaseOf, supersedes } from './row-order';
import { WriteBatcher } from './write-batcher';

export interface PostgresResultStoreOptions {
  readonly url: string;
  readonly namespace: string;
  readonly table: string;
  readonly retentionMs: number;
  readonly logger: Logger;
  /** Connections; two batches are written at once, the rest serve reads. Default 4. */
  readonly poolSize?: number;
}

const COLUMNS = ['task_id', 'task', 'queue', 'state', 'phase', 'attempt', 'args', 'result', 'error', 'progress', 'runtime', 'thread_id', 'trace_id', 'started_at', 'finished_at', 'next_attempt_at', 'wait_ms', 'duration_ms', 'updated_at'] as const;
const TYPES = ['text', 'text', 'text', 'text', 'int2', 'int4', 'json', 'json', 'json', 'json', 'text', 'int4', 'text', 'float8', 'float8', 'float8', 'float8', 'float8', 'float8'] as const;
const TIMES = new Set(['started_at', 'finished_at', 'next_attempt_at', 'updated_at']);

/**
 * Results in PostgreSQL, one row per task in `table` (created and migrated here). Writes are
 * batched: every task that finished while a batch was on its way goes in the next one, one
 * multi-row upsert whose WHERE keeps a row from going back (see row-order.ts).
 */
export class PostgresResultStore implements ResultStore {
  readonly kind = 'postgres';
  readonly description: string;
  private readonly pool: pg.Pool;
  private readonly writes: WriteBatcher<string, TaskWrite>;
  private ok = true;
  private readonly upsertSql: string;
  private readonly listeners: Array<(healthy: boolean, error?: Error) => void> = [];

  constructor(private readonly options: PostgresResultStoreOptions) {
    if (!TABLE_NAME.test(options.table)) throw new ConfigError(`results.table '${options.table}' must be a lower-case identifier, optionally schema-qualified (warren_tasks, jobs.warren_tasks)`);
    this.description = redactUrl(options.url);
    // Loaded here, not on import: a runtime without a PostgreSQL store never loads the driver.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Pool } = require('pg') as typeof pg;
    this.pool = new Pool({ connectionString: options.url, max: options.poolSize ?? 4, connectionTimeoutMillis: 5_000, query_timeout: 15_000, application_name: 'warren' });
    // An idle connection the server dropped (a restart) errors here; unhandled, it would end the process.
    this.pool.on('error', (error) => options.logger.warn({ err: error }, `result store connection lost: ${describe(error)}`));
    this.upsertSql = upsertStatement(options.table);
    const retryDelayMs = (failures: number): number => Math.min(5_000, 250 * 2 ** Math.min(failures - 1, 5));
    this.writes = new WriteBatcher({
      keyOf: (row) => row.taskId,
      merge: (incoming, pending) => (supersedes(incoming, pending) ? { ...incoming, progress: incoming.progress ?? pending.progress } : pending),
      write: (rows) => this.upsert(rows),
      maxBatch: 500,
      maxWriting: 2,
      retryDelayMs,
      onFailure: (error, failures) => this.failed(error, failures),
      onSuccess: () => this.recovered(),
    });
  }

  get healthy(): boolean {
    return this.ok;
  }

  async open(): Promise<void> {
    const { table } = this.options;
    const client = await this.pool.connect().catch((error: unknown) => {
      throw new ResultStoreError(`Cannot connect to the result store at ${this.description}: ${describe(error)}`, { cause: error });
    });
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [table]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${migrationsTable(table)} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      const applied = new Set((await client.query<{ version: number }>(`SELECT version FROM ${migrationsTable(table)}`)).rows.map((row) => row.version));
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.sql(table));
        await client.query(`INSERT INTO ${migrationsTable(table)} (version) VALUES ($1)`, [migration.version]);
        this.options.logger.info({ table, version: migration.version }, `result store: migrated ${table} to version ${migration.version}`);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new ResultStoreError(`Cannot create the result table ${table} at ${this.description}: ${describe(error)}`, { cause: error });
    } finally {
      client.release();
    }
  }

  write(row: TaskWrite): Promise<void> {
    return this.writes.add(row);
  }

  async get(taskId: string): Promise<StoredTask | undefined> {
    const { rows } = await this.read(`SELECT ${selectList()} FROM ${this.options.table} WHERE namespace = $1 AND task_id = $2`, [this.options.namespace, taskId]);
    return rows[0] && rowToTask(rows[0]);
  }

  async getFinished(taskIds: readonly string[]): Promise<StoredTask[]> {
    if (taskIds.length === 0) return [];
    const { rows } = await this.read(`SELECT ${selectList()} FROM ${this.options.table} WHERE namespace = $1 AND task_id = ANY($2::text[]) AND phase = ${FINAL_PHASE}`, [this.options.namespace, taskIds]);
    return rows.map(rowToTask);
  }

  async expire(now = Date.now()): Promise<number> {
    let removed = 0;
    // In slices, so a large expiry never holds many row locks at once.
    for (;;) {
      const { rowCount } = await this.read(
        `DELETE FROM ${this.options.table} WHERE ctid IN (SELECT ctid FROM ${this.options.table} WHERE namespace = $1 AND finished_at < to_timestamp($2 / 1000.0) LIMIT 5000)`,
        [this.options.namespace, now - this.options.retentionMs],
      );
      removed += rowCount ?? 0;
      if ((rowCount ?? 0) < 5000) return removed;
    }
  }

  async check(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      if (!this.ok) this.recovered();
      return true;
    } catch (error) {
      if (this.ok) this.failed(error as Error, 1);
      return false;
    }
  }

  async close(): Promise<void> {
    const closed = new ResultStoreError('The result store was closed before the write reached it');
    this.writes.close(closed);
    await this.pool.end();
  }

  onHealthChange(listener: (healthy: boolean, error?: Error) => void): void {
    this.listeners.push(listener);
  }

  private failed(error: Error, failures: number): void {
    const was = this.ok;
    this.ok = false;
    if (was) for (const listener of this.listeners) listener(false, error);
    if (was || failures % 20 === 0) this.options.logger.error({ err: error, pendingWrites: this.writes.size, failures }, `result store unreachable at ${this.description}: ${describe(error)}; writes wait and are tried again`);
  }

  private recovered(): void {
    if (this.ok) return;
    this.ok = true;
    this.options.logger.info({ store: this.description }, 'result store reachable again');
    for (const listener of this.listeners) listener(true);
  }

  private async read(sql: string, params: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.pool.query(sql, params);
    } catch (error) {
      throw new ResultStoreError(`The result store at ${this.description} failed a read: ${describe(error)}`, { cause: error });
    }
  }

  private async upsert(rows: TaskWrite[]): Promise<void> {
    const columns: unknown[][] = COLUMNS.map(() => []);
    for (const row of rows) {
      const values = rowValues(row);
      for (let i = 0; i < values.length; i++) (columns[i] as unknown[]).push(values[i]);
    }
    // Named, so each connection parses and plans it once, not per batch (0.89 to 0.60 ms for one row, 1.81 to 1.03 ms for 8).
    await this.pool.query({ name: 'warren-upsert', text: this.upsertSql, values: [this.options.namespace, ...columns] });
  }

}

/** One statement for a whole batch: a column array per field, unnested into rows. */
function upsertStatement(table: string): string {
  const params = COLUMNS.map((_, i) => `$${i + 2}::${TYPES[i]}[]`).join(', ');
  const select = COLUMNS.map((column) => (TIMES.has(column) ? `to_timestamp(r.${column} / 1000.0)` : `r.${column}`)).join(', ');
  const kept = new Set(['task_id']);
  const set = COLUMNS.filter((column) => !kept.has(column))
    .map((column) => (column === 'progress' || column === 'started_at' || column === 'args' ? `${column} = COALESCE(EXCLUDED.${column}, t.${column})` : `${column} = EXCLUDED.${column}`))
    .join(', ');
  return `INSERT INTO ${table} AS t (namespace, ${COLUMNS.join(', ')})
    SELECT $1, ${select} FROM unnest(${params}) AS r(${COLUMNS.join(', ')})
    ON CONFLICT (namespace, task_id) DO UPDATE SET ${set}
    WHERE t.phase < ${FINAL_PHASE} AND (t.attempt, t.phase) <= (EXCLUDED.attempt, EXCLUDED.phase)`;
}

function rowValues(row: TaskWrite): unknown[] {
  return [
    row.taskId,
    row.task,
    row.queue,
    row.state,
    phaseOf(row.state),
    row.attempt,
    json(row.args),
    row.state === 'succeeded' ? (row.encodedResult ?? json(row.result) ?? 'null') : null,
    json(row.error),
    json(row.progress),
    row.runtime,
    row.threadId ?? null,
    row.traceId ?? null,
    row.startedAt ?? null,
    row.finishedAt ?? null,
    row.nextAttemptAt ?? null,
    row.waitMs ?? null,
    row.durationMs ?? null,
    row.updatedAt,
  ];
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function selectList(): string {
  return COLUMNS.map((column) => (TIMES.has(column) ? `extract(epoch FROM ${column}) * 1000 AS ${column}` : column)).join(', ');
}

interface TaskRow {
  task_id: string;
  task: string;
  queue: string;
  state: TaskState;
  attempt: number;
  args: unknown[] | null;
  result: unknown;
  error: SerializedError | null;
  progress: unknown;
  runtime: string;
  thread_id: number | null;
  trace_id: string | null;
  started_at: string | null;
  finished_at: string | null;
  next_attempt_at: string | null;
  wait_ms: number | null;
  duration_ms: number | null;
  updated_at: string;
}

function rowToTask(row: TaskRow): StoredTask {
  const time = (value: string | null): number | undefined => (value === null ? undefined : Math.round(Number(value)));
  return {
    taskId: row.task_id,
    task: row.task,
    queue: row.queue,
    state: row.state,
    attempt: row.attempt,
    args: row.args ?? undefined,
    ...(row.state === 'succeeded' ? { result: row.result } : {}),
    ...(row.error ? { error: row.error } : {}),
    ...(row.progress !== null ? { progress: row.progress } : {}),
    runtime: row.runtime,
    ...(row.thread_id !== null ? { threadId: row.thread_id } : {}),
    ...(row.trace_id !== null ? { traceId: row.trace_id } : {}),
    startedAt: time(row.started_at),
    finishedAt: time(row.finished_at),
    nextAttemptAt: time(row.next_attempt_at),
    ...(row.wait_ms !== null ? { waitMs: row.wait_ms } : {}),
    ...(row.duration_ms !== null ? { durationMs: row.duration_ms } : {}),
    updatedAt: time(row.updated_at) as number,
  };
}
