import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { connect, Runtime } from '../../src';
import { describeFrom } from '../../src/client/describe-task';
import { describeLines } from '../../src/cli/status-command';
import type { StoredTask } from '../../src/results/result-store';
import { IoJobs } from '../fixtures/jobs/fixture-jobs';
import { RetryJobs } from '../fixtures/jobs/retry-jobs';
import { runLog } from '../fixtures/jobs/run-log';
import { captureLogger, collectTaskEvents, fixtureConfig } from '../support/fixture-runtime';

const steps = (history: ReadonlyArray<{ state: string; attempt: number }>) => history.map((change) => `${change.state}@${change.attempt}`);

test('describe: a task retried once tells every step (queued, running, retrying, queued again, running, succeeded) with its arguments, result and what comes next', { timeout: 60_000 }, async () => {
  const namespace = `describe-${randomBytes(3).toString('hex')}`;
  const url = `memory://${namespace}`;
  const config = fixtureConfig(url, namespace);
  const logger = captureLogger('error').logger;
  const runtime = await Runtime.start({ config, logger });
  const client = await connect({ url, config, logger });
  try {
    const key = `${namespace}-flaky`;
    const done = collectTaskEvents(runtime, 1, (event) => event.task === 'RetryJobs.flaky' && event.outcome === 'succeeded');
    assert.equal(await client.proxy(RetryJobs).flaky(key, 1), 2);
    const [event] = await done;

    const description = await client.describe(event!.taskId, { timeoutMs: 100 });
    assert.equal(description.state, 'succeeded');
    assert.equal(description.task, 'RetryJobs.flaky');
    assert.equal(description.queue, 'fx-retry');
    assert.deepEqual(description.args, [key, 1]);
    assert.equal(description.result, 2);
    assert.equal(description.attempt, 2);
    assert.deepEqual(steps(description.history), ['queued@1', 'running@1', 'retrying@1', 'queued@2', 'running@2', 'succeeded@2']);
    const retried = description.history.find((change) => change.state === 'retrying');
    assert.equal(retried?.error?.message, 'flaky failure on attempt 1');
    assert.ok(retried?.nextAttemptAt, 'the retry says when the next attempt is due');
    assert.ok(description.history.every((change, i, all) => i === 0 || all[i - 1]!.at <= change.at), 'oldest first');
    assert.equal(description.history.find((change) => change.state === 'running')?.runtime, runtime.id);
    assert.equal(description.history.find((change) => change.state === 'running')?.threadId, 0, 'an io task runs on the main thread');
    assert.equal(description.error, undefined, 'a success carries no error');
    assert.match(description.next, /^Done: the result store keeps its result/);

    const lines = describeLines(description);
    assert.match(lines[0]!, new RegExp(`^${event!.taskId} succeeded \\(RetryJobs\\.flaky, attempt 2\\) on ${runtime.id}`));
    assert.ok(lines.some((line) => /^\s+args\s+\["[^"]+",1\]$/.test(line)), lines.join('\n'));
    assert.ok(lines.some((line) => /^\s+result\s+2$/.test(line)), lines.join('\n'));
    assert.ok(lines.some((line) => /^\s{4}\S+Z\s+retrying\s+attempt 1\s+\S+ main thread\s+Error: flaky failure on attempt 1$/.test(line)), lines.join('\n'));

    const unknown = await client.describe('no-such-task', { timeoutMs: 50 });
    assert.deepEqual([unknown.state, unknown.history], ['unknown', []]);
    assert.match(unknown.next, /Neither the result store nor any runtime knows this id/);
  } finally {
    await client.close();
    await runtime.stop();
  }
});

test('describe: a task running now, without a result store, shows its arguments from the runtime that holds it, and a dead-lettered one how to replay it', { timeout: 60_000 }, async () => {
  const namespace = `describe-${randomBytes(3).toString('hex')}`;
  const url = `memory://${namespace}`;
  const config = { ...fixtureConfig(url, namespace), results: undefined };
  const logger = captureLogger('error').logger;
  const runtime = await Runtime.start({ config, logger });
  const client = await connect({ url, config, logger });
  const key = `${namespace}-held`;
  try {
    const started = new Promise<void>((resolve) => runLog.on('started', (name) => name === key && resolve()));
    const running = new Promise<string>((resolve) => runtime.on('started', (event) => event.task === 'IoJobs.holdUntilReleased' && resolve(event.taskId)));
    const held = client.proxy(IoJobs).holdUntilReleased(key);
    const [taskId] = await Promise.all([running, started]);

    const description = await client.describe(taskId, { timeoutMs: 100 });
    assert.equal(description.state, 'running');
    assert.deepEqual(description.args, [key]);
    assert.equal(description.threadId, 0);
    assert.deepEqual(steps(description.history), ['queued@1', 'running@1']);
    assert.match(description.next, new RegExp(`^Running on ${runtime.id}`));
    runLog.release(key);
    await held;

    const failed = collectTaskEvents(runtime, 1, (event) => event.task === 'IoJobs.fail');
    await assert.rejects(client.proxy(IoJobs).fail('kept for the page'));
    const [event] = await failed;
    const dead = await client.describe(event!.taskId, { timeoutMs: 100 });
    assert.equal(dead.state, 'failed');
    assert.equal(dead.args, undefined, 'no store and not running: nobody keeps the arguments');
    assert.equal(dead.error?.message, 'kept for the page');
    assert.match(dead.error?.stack ?? '', /FixtureError: kept for the page/, 'the stack, from the runtime');
    assert.equal(dead.next, `Kept in the dead letters of 'fx-io': \`warren dlq replay fx-io --id ${event!.taskId}\` runs it again, \`warren dlq delete fx-io ${event!.taskId}\` drops it.`);
  } finally {
    runLog.release(key);
    await client.close();
    await runtime.stop();
  }
});

test('describeFrom: where no runtime remembers a task, the store row tells its last attempt (queued, running, settled)', () => {
  const row: StoredTask = {
    taskId: 't1',
    task: 'Images.thumbnail',
    queue: 'images',
    state: 'failed',
    args: [{ width: 64 }],
    error: { name: 'CodecError', message: 'bad header', stack: 'CodecError: bad header\n    at decode' },
    attempt: 3,
    runtime: 'rt-a',
    threadId: 2,
    startedAt: Date.parse('2026-12-04T10:00:01.000Z'),
    finishedAt: Date.parse('2026-12-04T10:00:02.500Z'),
    updatedAt: Date.parse('2026-12-04T10:00:02.500Z'),
    waitMs: 250,
    durationMs: 1_500,
  };
  const description = describeFrom('t1', { row, replies: [{ runtime: 'rt-b' }], resultStore: true });
  assert.deepEqual(
    description.history.map((change) => [change.state, change.at, change.runtime]),
    [
      ['queued', '2026-12-04T10:00:00.750Z', undefined],
      ['running', '2026-12-04T10:00:01.000Z', 'rt-a'],
      ['failed', '2026-12-04T10:00:02.500Z', 'rt-a'],
    ],
  );
  assert.equal(description.error?.stack, row.error?.stack);
  assert.deepEqual([description.threadId, description.waitMs, description.durationMs, description.source], [2, 250, 1_500, 'store']);
});
