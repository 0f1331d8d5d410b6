import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { PostgresResultStore } from '../../src/results/postgres-result-store';
import type { StoredTask } from '../../src/results/result-store';
import type { TaskState } from '../../src/runtime/task-status';
import { requirePostgres } from '../support/requirements';

const postgres = requirePostgres();

describe('the PostgreSQL result store, on a real server', { skip: postgres.skip }, () => {
  let store: PostgresResultStore;
  const namespace = `pgstore-${randomBytes(3).toString('hex')}`;
  const row = (taskId: string, state: TaskState, attempt: number, extra: Partial<StoredTask> = {}): StoredTask => ({ taskId, task: 'A.b', queue: 'q', state, args: [1], attempt, runtime: 'r', updatedAt: Date.now(), ...extra });

  before(async () => {
    store = new PostgresResultStore({ url: postgres.url, namespace, table: 'warren_tasks', retentionMs: 60_000, logger: pino({ level: 'silent' }) });
    await store.open();
    await store.open(); // a second runtime starting: the migration runs once
  });
  after(async () => {
    await store?.close();
  });

  test("the upsert's WHERE keeps the order row-order.ts defines: no row goes back, whatever order writes arrive in", async () => {
    await store.write({ ...row('a', 'succeeded', 1), encodedResult: '"first"' });
    await store.write(row('a', 'running', 1));
    await store.write({ ...row('a', 'failed', 2), error: { name: 'E', message: 'late rerun' } });
    const kept = await store.get('a');
    assert.equal(kept?.state, 'succeeded');
    assert.equal(kept?.result, 'first');

    await store.write(row('b', 'running', 2, { progress: { at: 2 } }));
    await store.write(row('b', 'retrying', 1));
    assert.deepEqual([(await store.get('b'))?.state, (await store.get('b'))?.attempt], ['running', 2]);
    await store.write({ ...row('b', 'succeeded', 2), encodedResult: '42' });
    const done = await store.get('b');
    assert.deepEqual([done?.state, done?.result, done?.progress], ['succeeded', 42, { at: 2 }], 'the progress of the running row stays');
  });

  test('a string holding \\u0000 is stored and read back (json, not jsonb, which refuses it)', async () => {
    await store.write({ ...row('nul', 'succeeded', 1), encodedResult: JSON.stringify('a\u0000b') });
    assert.equal((await store.get('nul'))?.result, 'a\u0000b');
  });

  test('expire deletes the finished rows past the retention, in this namespace only', async () => {
    const now = Date.now();
    for (let i = 0; i < 3; i++) await store.write({ ...row(`old-${i}`, 'succeeded', 1, { finishedAt: now - 120_000 }), encodedResult: '1' });
    await store.write({ ...row('recent', 'succeeded', 1, { finishedAt: now }), encodedResult: '1' });
    await store.write(row('still-running', 'running', 1));
    assert.equal(await store.expire(now), 3);
    assert.equal(await store.get('old-0'), undefined);
    assert.ok(await store.get('recent'));
    assert.ok(await store.get('still-running'));
  });
});
