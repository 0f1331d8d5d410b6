import 'reflect-metadata';
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import pino from 'pino';
import { RemoteTaskError, Runtime, type DeadLetterEntry, type RuntimeSnapshot } from '../../src';
import type { FleetView } from '../../src/runtime/fleet';
import type { DashboardQueue } from '../../src/http/api-routes';
import type { RecordedTask, SecondSummary } from '../../src/http/task-history';
import { MathJobs } from '../fixtures/jobs/fixture-jobs';
import { RetryJobs } from '../fixtures/jobs/retry-jobs';
import { runLog } from '../fixtures/jobs/run-log';
import { nextTaskEvent, randomNamespace } from '../support/fixture-runtime';
import { HEADERS } from '../../src/protocol/headers';
import { memoryBrokerFor } from '../../src/transport/memory-broker';
import { request, startHttpStack, type HttpStack } from './http-fixture';

const TIMEOUT = { timeout: 30_000 };

async function withStack(work: (stack: HttpStack) => Promise<void>): Promise<void> {
  const stack = await startHttpStack();
  try {
    await work(stack);
  } finally {
    await stack.stop();
  }
}

/** Opens /api/events and resolves with the first `tasks` batch holding a task that matches. */
function awaitStreamedTask(url: string, match: (task: RecordedTask) => boolean): { opened: Promise<void>; found: Promise<RecordedTask> } {
  let onOpen: () => void = () => {};
  const opened = new Promise<void>((resolve) => (onOpen = resolve));
  const found = new Promise<RecordedTask>((resolve, reject) => {
    const req = http.get(new URL('/api/events', url), (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        if (buffer.startsWith('retry:')) onOpen();
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (!message.startsWith('event: tasks') || !data) continue;
          const task = (JSON.parse(data) as { events: RecordedTask[] }).events.find(match);
          if (task) {
            resolve(task);
            req.destroy();
          }
        }
      });
    });
    req.on('error', reject);
  });
  return { opened, found };
}

describe('the dashboard API', () => {
  test('given two runtimes on one namespace, then /api/fleet lists both, this one first, with their work and the sums, and each snapshot lists its tasks in flight', TIMEOUT, async () => {
    await withStack(async ({ http: server, client, config, runtime }) => {
      const other = await Runtime.start({ config, logger: pino({ level: 'silent' }) });
      try {
        const maths = client.proxy(MathJobs);
        await Promise.all(Array.from({ length: 40 }, (_, i) => maths.add(i, 1)));
        const fleet = (await request(server.url, '/api/fleet')).json<FleetView>();
        assert.deepEqual(fleet.runtimes.map((entry) => [entry.id, entry.here, entry.ready]), [[runtime.id, true, true], [other.id, false, true]]);
        const succeeded = fleet.runtimes.map((entry) => entry.counts.succeeded);
        assert.equal(fleet.totals.counts.succeeded, 40, `the sum of ${succeeded.join(' + ')}`);
        assert.equal(succeeded.reduce((sum, n) => sum + n, 0), 40);
        assert.deepEqual([fleet.totals.runtimes, fleet.totals.ready], [2, 2]);
        assert.equal(fleet.totals.capacity, fleet.runtimes.reduce((sum, entry) => sum + entry.capacity, 0));
      } finally {
        await other.stop();
      }
    });
  });

  test('given a running runtime, when the snapshot, queues and history are read, then they describe it', TIMEOUT, async () => {
    await withStack(async ({ http: server, client }) => {
      await client.proxy(MathJobs).add(1, 1);
      const snapshot = (await request(server.url, '/api/snapshot')).json<RuntimeSnapshot>();
      assert.equal(snapshot.ready, true);
      assert.deepEqual(snapshot.pools.map((pool) => pool.kind).sort(), ['cpu', 'io']);

      const { queues } = (await request(server.url, '/api/queues')).json<{ queues: DashboardQueue[] }>();
      const io = queues.find((queue) => queue.queue === 'fx-io');
      assert.deepEqual({ ...io, ratePerSecond: undefined }, { queue: 'fx-io', brokerQueue: `${snapshot.namespace}.fx-io`, pool: 'io', prefetch: 8, running: 0, messages: 0, consumers: 1, deadLetters: 0, ratePerSecond: undefined });

      const history = (await request(server.url, '/api/history')).json<{ seconds: SecondSummary[]; recent: RecordedTask[]; failures: RecordedTask[] }>();
      assert.equal(history.seconds.length, 60);
      assert.equal(history.recent[0]?.task, 'Maths.add');
      assert.equal(history.failures.length, 0);
    });
  });

  test('given a dead-lettered task, when its dead letters are listed, then replayed after the cause is fixed, then it runs again and succeeds', TIMEOUT, async () => {
    await withStack(async ({ http: server, client, runtime }) => {
      const key = `api-gate-${randomNamespace()}`;
      await assert.rejects(client.proxy(RetryJobs).gate(key), RemoteTaskError);
      const listed = (await request(server.url, '/api/queues/fx-retry/dead-letters')).json<{ entries: DeadLetterEntry[] }>();
      assert.equal(listed.entries.length, 1);
      const [entry] = listed.entries;
      assert.equal(entry?.task, 'RetryJobs.gate');
      assert.equal(entry?.errorName, 'NonRetryableError');
      assert.equal(entry?.reason, `gate ${key} is closed`);
      assert.equal(entry?.body, JSON.stringify({ args: [key] }));
      const depths = (await request(server.url, '/api/queues')).json<{ queues: DashboardQueue[] }>();
      assert.equal(depths.queues.find((queue) => queue.queue === 'fx-retry')?.deadLetters, 1);

      runLog.released.add(key);
      const rerun = nextTaskEvent(runtime, (event) => event.taskId === entry?.taskId);
      const replay = await request(server.url, '/api/queues/fx-retry/dead-letters/replay', { method: 'POST' });
      assert.equal(replay.status, 200);
      assert.deepEqual(replay.json(), { queue: 'fx-retry', replayed: 1, skipped: 0, skippedReasons: [], remaining: 0 });
      assert.equal((await rerun).outcome, 'succeeded');
      const after = (await request(server.url, '/api/queues')).json<{ queues: DashboardQueue[] }>();
      assert.equal(after.queues.find((queue) => queue.queue === 'fx-retry')?.deadLetters, 0, 'the depths were read afresh after the replay');
    });
  });

  test('given dead letters, when purged, then they are gone; and a queue of no runtime here cannot be touched', TIMEOUT, async () => {
    await withStack(async ({ http: server, client }) => {
      const key = `api-purge-${randomNamespace()}`;
      await assert.rejects(client.proxy(RetryJobs).gate(key), RemoteTaskError);
      const purge = await request(server.url, '/api/queues/fx-retry/dead-letters/purge', { method: 'POST' });
      assert.deepEqual(purge.json(), { queue: 'fx-retry', purged: 1 });
      assert.deepEqual((await request(server.url, '/api/queues/fx-retry/dead-letters')).json(), { queue: 'fx-retry', total: 0, offset: 0, entries: [] });

      for (const path of ['/api/queues/elsewhere/dead-letters', '/api/queues/fx-retry%2Fx/dead-letters']) {
        const missing = await request(server.url, path);
        assert.equal(missing.status, 404, path);
        assert.match(missing.json<{ error: string }>().error, /This runtime has no queue/);
      }
      assert.equal((await request(server.url, '/api/queues/elsewhere/dead-letters/purge', { method: 'POST' })).status, 404);
      assert.equal((await request(server.url, '/api/queues/%E0%A4%A/dead-letters')).status, 400, 'a malformed escape');
    });
  });

  test('given dead letters, one is deleted or replayed by its id, a page is newest first, and a replay past one it cannot route answers 200 with the summary', TIMEOUT, async () => {
    await withStack(async ({ http: server, client, runtime, url, config }) => {
      const keys = [`api-one-${randomNamespace()}`, `api-two-${randomNamespace()}`];
      for (const key of keys) await assert.rejects(client.proxy(RetryJobs).gate(key), RemoteTaskError);
      memoryBrokerFor(url).publish('', `${config.broker.namespace}.fx-retry.dead`, Buffer.from('{"args":[]}'), { messageId: 'api-junk', headers: { [HEADERS.task]: 'Junk.replayme' } });
      const page = (await request(server.url, '/api/queues/fx-retry/dead-letters?limit=2')).json<{ total: number; entries: DeadLetterEntry[] }>();
      assert.deepEqual([page.total, page.entries.map((entry) => entry.taskId ?? '')[0]], [3, 'api-junk'], 'the newest first');
      const older = (await request(server.url, '/api/queues/fx-retry/dead-letters?limit=2&offset=2')).json<{ entries: DeadLetterEntry[] }>();
      assert.deepEqual(older.entries.map((entry) => entry.reason), [`gate ${keys[0]} is closed`]);
      const [second, first] = page.entries.length === 2 ? [page.entries[1]!, older.entries[0]!] : assert.fail('two entries');

      for (const action of ['replay', 'delete']) {
        const missing = await request(server.url, `/api/queues/fx-retry/dead-letters/no-such-id/${action}`, { method: 'POST' });
        assert.equal(missing.status, 404, action);
        assert.match(missing.json<{ error: string }>().error, /No dead letter with task id no-such-id in 'fx-retry'/);
      }
      const deleted = await request(server.url, `/api/queues/fx-retry/dead-letters/${encodeURIComponent(second.taskId!)}/delete`, { method: 'POST' });
      assert.deepEqual(deleted.json(), { queue: 'fx-retry', deleted: second.taskId });

      runLog.released.add(keys[0]!);
      const rerun = nextTaskEvent(runtime, (event) => event.taskId === first.taskId);
      const one = await request(server.url, `/api/queues/fx-retry/dead-letters/${encodeURIComponent(first.taskId!)}/replay`, { method: 'POST' });
      assert.deepEqual(one.json(), { queue: 'fx-retry', replayed: 1, skipped: 0, skippedReasons: [], remaining: 1 });
      assert.equal((await rerun).outcome, 'succeeded');

      const all = await request(server.url, '/api/queues/fx-retry/dead-letters/replay', { method: 'POST' });
      assert.equal(all.status, 200, 'a partial replay is not a server error');
      assert.deepEqual(all.json(), { queue: 'fx-retry', replayed: 0, skipped: 1, skippedReasons: [{ reason: "no queue is bound to task 'Junk.replayme' any more", count: 1, taskIds: ['api-junk'] }], remaining: 1 });
    });
  });

  test('given an open event stream, when a task finishes, then the stream carries it', TIMEOUT, async () => {
    await withStack(async ({ http: server, client }) => {
      const stream = awaitStreamedTask(server.url, (task) => task.task === 'Maths.add');
      await stream.opened;
      const id = await client.proxy(MathJobs).add.enqueue(20, 22);
      const task = await stream.found;
      assert.equal(task.taskId, id);
      assert.equal(task.outcome, 'succeeded');
      assert.equal(task.queue, 'fx-io');
      assert.ok(task.at > 0);
    });
  });
});
