/**
 * The tables Warren keeps in PostgreSQL, as numbered migrations: each runs once, in order, inside
 * one transaction under an advisory lock, so runtimes starting together do not race to create them.
 */
export interface Migration {
  readonly version: number;
  readonly sql: (table: string) => string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: (t) => `
      CREATE TABLE ${t} (
        namespace text NOT NULL,
        task_id text NOT NULL,
        task text NOT NULL,
        queue text NOT NULL,
        state text NOT NULL,
        phase smallint NOT NULL,
        attempt integer NOT NULL,
        args json,
        result json,
        error json,
        progress json,
        runtime text NOT NULL,
        thread_id integer,
        trace_id text,
        started_at timestamptz,
        finished_at timestamptz,
        next_attempt_at timestamptz,
        wait_ms double precision,
        duration_ms double precision,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (namespace, task_id)
      );
      CREATE INDEX ${indexName(t, 'finished_at')} ON ${t} (finished_at) WHERE finished_at IS NOT NULL;`,
  },
];

/** `warren_tasks` or `schema.warren_tasks`: lower-case identifiers only, so they need no quoting. */
export const TABLE_NAME = /^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/;

export function migrationsTable(table: string): string {
  return `${table}_migrations`;
}

function indexName(table: string, column: string): string {
  return `${table.split('.').at(-1)}_${column}`;
}
