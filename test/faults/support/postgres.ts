import pg from 'pg';
import { ensurePostgresInstalled, postgresNodeFromEnv, startPostgres, type PostgresNode } from '../../support/postgres-node';

/** The runner's PostgreSQL (WARREN_TEST_POSTGRES_*), or a throwaway server of our own, with whether we own it. */
export async function acquirePostgres(log: (line: string) => void): Promise<{ node: PostgresNode; owned: boolean }> {
  const given = postgresNodeFromEnv();
  if (given) {
    log(`postgres: WARREN_TEST_POSTGRES_* given (${given.url})`);
    return { node: given, owned: false };
  }
  await ensurePostgresInstalled(log);
  return { node: await startPostgres({ log }), owned: true };
}

/** The ids among `ids` that have no finished row in the result store, read with a plain pg client. */
export async function idsWithoutFinalRow(url: string, namespace: string, ids: Iterable<string>): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const wanted = [...ids];
    const { rows } = await client.query<{ task_id: string }>(`SELECT task_id FROM warren_tasks WHERE namespace = $1 AND task_id = ANY($2::text[]) AND state IN ('succeeded', 'failed', 'dead-lettered', 'expired')`, [namespace, wanted]);
    const found = new Set(rows.map((row) => row.task_id));
    return wanted.filter((id) => !found.has(id));
  } finally {
    await client.end();
  }
}
