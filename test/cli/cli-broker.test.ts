import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import amqp from 'amqplib';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { collectTaskEvents, randomNamespace, startFixtureStack, type FixtureStack } from '../support/fixture-runtime';
import { requireBroker } from '../support/requirements';
import { RetryJobs } from '../fixtures/jobs/retry-jobs';
import { IoJobs } from '../fixtures/jobs/fixture-jobs';
import { runLog } from '../fixtures/jobs/run-log';
import { runWarren, type Finished } from './run-warren';

const root = path.join(__dirname, '..', '..');
const node = requireBroker();

/** Runs the warren command on the stack's broker and namespace. */
function runWarrenOn(stack: FixtureStack, ...args: string[]): Promise<Finished> {
  return runWarren({ WARREN_BROKER_URL: node!.url, WARREN_NAMESPACE: stack.config.broker.namespace }, ...args);
}

describe('warren CLI against a running runtime on RabbitMQ', { skip: node.skip }, () => {
  let stack: FixtureStack;
  const run = (...args: string[]): Promise<Finished> => runWarrenOn(stack, ...args);

  before(async () => {
    stack = await startFixtureStack(node!.url);
  });
  after(async () => {
    await stack?.stop();
  });

  test('call prints the result, exits 1 with the remote error when the task fails, 3 when nobody serves it', { timeout: 60_000 }, async () => {
    const ok = await run('call', 'Maths.add', '[2, 40]');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout), 42);

    const failed = await run('call', 'IoJobs.fail', '["on purpose"]');
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /IoJobs.fail failed with FixtureError: on purpose/);

    const nobody = await run('call', 'Nobody.here');
    assert.equal(nobody.code, 3);
    assert.match(nobody.stderr, /No queue is bound to task 'Nobody.here'/);

    const badArgs = await run('call', 'Maths.add', '[2,');
    assert.equal(badArgs.code, 2);
  });

  test('call --delay runs the task after the delay (its --timeout counted from then); a bad or too long delay is a usage error', { timeout: 60_000 }, async () => {
    const calledAt = Date.now();
    const later = await run('call', 'Maths.add', '[1, 2]', '--delay', '1.5s', '--timeout', '1000');
    assert.equal(later.code, 0, later.stderr);
    assert.equal(JSON.parse(later.stdout), 3);
    assert.ok(Date.now() - calledAt >= 1_500, 'not before its delay');

    const enqueued = await run('call', 'Maths.add', '[1, 2]', '--enqueue', '--delay', '1s');
    assert.equal(enqueued.code, 0, enqueued.stderr);
    const id = enqueued.stdout.trim();
    assert.match(id, /^[0-9a-f-]{36}$/, 'the task id alone');
    const status = await run('status', id);
    assert.match(status.stdout, new RegExp(`^${id} (scheduled|queued|succeeded) \\(Maths\\.add`), status.stdout + status.stderr);

    const garbled = await run('call', 'Maths.add', '[1, 2]', '--delay', 'soon');
    assert.equal(garbled.code, 2);
    assert.match(garbled.stderr, /expected a duration such as 90s/);
    const tooLong = await run('call', 'Maths.add', '[1, 2]', '--delay', '400d');
    assert.equal(tooLong.code, 2);
    assert.match(tooLong.stderr, /at most 365 days/);
  });

  test('queues, dlq list/show/replay/purge, status and inspect work on what the runtime did', { timeout: 60_000 }, async () => {
    const key = `cli-${stack.config.broker.namespace}`;
    assert.equal((await run('call', 'RetryJobs.gate', JSON.stringify([key]))).code, 1);

    const queues = JSON.parse((await run('queues', '--json')).stdout) as Array<{ queue: string; consumers: number; deadLetters: number }>;
    const retryQueue = queues.find((q) => q.queue === 'fx-retry');
    assert.deepEqual([retryQueue?.consumers, retryQueue?.deadLetters], [1, 1]);
    assert.match((await run('queues')).stdout, /QUEUE\s+READY\s+CONSUMERS\s+DEAD LETTERS/);

    const [entry] = JSON.parse((await run('dlq', 'list', 'fx-retry', '--json')).stdout) as Array<{ taskId: string; reason: string }>;
    assert.equal(entry?.reason, `gate ${key} is closed`);
    // The broker's spelling of the queue, as warren queues prints it, works too.
    const ns = stack.config.broker.namespace;
    assert.deepEqual(JSON.parse((await run('dlq', 'list', `${ns}.fx-retry`, '--json')).stdout).map((e: { taskId: string }) => e.taskId), [entry?.taskId]);
    for (const args of [['dlq', 'list', 'nosuch'], ['dlq', 'replay', 'nosuch', '--yes'], ['dlq', 'purge', 'nosuch', '--yes'], ['purge', 'nosuch', '--yes']]) {
      const unknown = await run(...args);
      assert.equal(unknown.code, 2, `${args.join(' ')}: ${unknown.stdout}${unknown.stderr}`);
      assert.match(unknown.stderr, new RegExp(`^warren: No queue 'nosuch' on namespace '${ns}' \\(no ${ns}\\.nosuch on the broker\\); the job files declare: fx-cpu, fx-cpu-retry, fx-io, fx-retry$`, 'm'));
      assert.doesNotMatch(unknown.stderr, /unexpected failure|NOT.FOUND/);
    }
    const shown = await run('dlq', 'show', 'fx-retry', entry!.taskId);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /error\s+NonRetryableError: gate .* is closed/);

    const status = await run('status', entry!.taskId, '--json');
    assert.equal(status.code, 1, 'a failed task exits 1');
    assert.equal((JSON.parse(status.stdout) as { state: string }).state, 'failed');
    // Its page in the terminal: asked of the runtime over RabbitMQ, its steps and how to replay it.
    const page = await run('status', entry!.taskId);
    assert.match(page.stdout, new RegExp(`^${entry!.taskId} failed \\(RetryJobs\\.gate, attempt 1\\)`));
    assert.match(page.stdout, /^\s+\S+Z\s+running\s+attempt 1\s+\S+ main thread$/m);
    assert.match(page.stdout, /^\s+\S+Z\s+failed\s+attempt 1\s+\S+ main thread\s+NonRetryableError: gate .* is closed$/m);
    assert.match(page.stdout, new RegExp(`next\\s+Kept in the dead letters of 'fx-retry': \`warren dlq replay fx-retry --id ${entry!.taskId}\``));

    const refused = await run('dlq', 'replay', 'fx-retry');
    assert.equal(refused.code, 2, 'no terminal and no --yes: refused');
    assert.match(refused.stderr, /pass --yes/);

    runLog.released.add(key);
    const succeeded = collectTaskEvents(stack.runtime, 1, (event) => event.taskId === entry!.taskId && event.outcome === 'succeeded');
    const replay = await run('dlq', 'replay', 'fx-retry', '--yes');
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /replayed 1 dead letter/);
    await succeeded;
    assert.equal((JSON.parse((await run('status', entry!.taskId, '--json')).stdout) as { state: string }).state, 'succeeded');

    const purge = await run('dlq', 'purge', 'fx-retry', '--yes', '--json');
    assert.deepEqual(JSON.parse(purge.stdout), { queue: 'fx-retry', purged: 0 });
    assert.equal((await run('purge', 'fx-io', '--yes')).code, 0);

    const inspect = JSON.parse((await run('inspect', '--json', '--timeout', '300')).stdout) as Array<{ id: string }>;
    assert.ok(inspect.some((runtime) => runtime.id === stack.runtime.id));

    // A task in flight is listed with its id, how long it has run and where.
    const heldKey = `${key}-in-flight`;
    const heldStarted = new Promise<void>((resolve) => runLog.on('started', (started) => started === heldKey && resolve()));
    const heldId = await stack.client.proxy(IoJobs).holdUntilReleased.enqueue(heldKey);
    await heldStarted;
    const inFlight = await run('inspect', '--timeout', '300');
    runLog.release(heldKey);
    assert.match(inFlight.stdout, new RegExp(`in flight:\\n.*IoJobs\\.holdUntilReleased +${heldId} +running [0-9.]+ (ms|s) +main thread`), inFlight.stdout);
  });

  test('commands that need RabbitMQ say so on the embedded broker', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'warren.js'), 'queues', '--config', 'test/fixtures/fixture.config.ts'], { cwd: root, env: { ...process.env, WARREN_BROKER_URL: '' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /warren queues needs RabbitMQ: set WARREN_BROKER_URL/);
  });
});

describe('warren dlq, one dead letter at a time, on RabbitMQ', { skip: node.skip }, () => {
  let stack: FixtureStack;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  const run = (...args: string[]): Promise<Finished> => runWarrenOn(stack, ...args);
  const deadQueue = () => `${stack.config.broker.namespace}.fx-retry.dead`;
  /** Counted by the broker, on a channel of the test's own. */
  const deadLetters = async () => (await channel.checkQueue(deadQueue())).messageCount;
  /** Publishes straight into the dead-letter queue, as another client (or a broken one) could. */
  const publishDead = async (messageId: string, headers: Record<string, unknown>, args: unknown[] = []) => {
    channel.sendToQueue(deadQueue(), Buffer.from(JSON.stringify({ args })), { messageId, contentType: 'application/json', persistent: true, headers });
    await channel.waitForConfirms();
  };

  before(async () => {
    stack = await startFixtureStack(node!.url);
    connection = await amqp.connect(node!.url);
    channel = await connection.createConfirmChannel();
  });
  after(async () => {
    await connection?.close();
    await stack?.stop();
  });

  test('D1: one dead letter that cannot be replayed is skipped with its reason, the ten around it are replayed, and it stays for the next replay to skip again', { timeout: 60_000 }, async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `d1-${i}-${randomNamespace()}`);
    for (const key of keys.slice(0, 5)) await assert.rejects(stack.client.proxy(RetryJobs).gate(key));
    const junkId = `junk-${randomNamespace()}`;
    await publishDead(junkId, { 'x-warren-task': 'Junk.replayme' });
    for (const key of keys.slice(5)) await assert.rejects(stack.client.proxy(RetryJobs).gate(key));
    assert.equal(await deadLetters(), 11);

    for (const key of keys) runLog.released.add(key);
    const succeeded = collectTaskEvents(stack.runtime, 10, (event) => event.task === 'RetryJobs.gate' && event.outcome === 'succeeded');
    const replay = await run('dlq', 'replay', 'fx-retry', '--yes', '--json');
    assert.equal(replay.code, 4, `a partial replay exits 4: ${replay.stderr}`);
    const skippedJunk = { reason: "no queue is bound to task 'Junk.replayme' any more", count: 1, taskIds: [junkId] };
    assert.deepEqual(JSON.parse(replay.stdout), { queue: 'fx-retry', replayed: 10, skipped: 1, skippedReasons: [skippedJunk], remaining: 1 });
    assert.match(replay.stderr, /^warren: 1 dead letter\(s\) of fx-retry could not be replayed and stay in its dead-letter queue$/m, 'the error on a line of its own');
    await succeeded;

    assert.equal(await deadLetters(), 1, 'the junk is still in the dead-letter queue');
    const again = await run('dlq', 'replay', 'fx-retry', '--yes');
    assert.equal(again.code, 4, again.stderr);
    assert.match(again.stdout, /^replayed 0 dead letter\(s\) of fx-retry\nskipped 1 that cannot be replayed \(left in the dead-letter queue\):\n {2}1 × no queue is bound to task 'Junk.replayme' any more \(junk-/);
    const held = await channel.get(deadQueue(), { noAck: false });
    assert.equal(held && held.properties.messageId, junkId, 'checked on the broker');
    if (held) channel.ack(held);
  });

  test('dlq list is newest first with --limit/--offset; show finds one past the 1,000th; delete and replay --id touch that one only and reorder nothing', { timeout: 120_000 }, async () => {
    // Given 1,200 dead letters, m-0000 the oldest.
    const released = `paging-${randomNamespace()}`;
    runLog.released.add(released);
    const id = (i: number) => `m-${String(i).padStart(4, '0')}`;
    for (let i = 0; i < 1_200; i++) channel.sendToQueue(deadQueue(), Buffer.from(JSON.stringify({ args: [released] })), { messageId: id(i), contentType: 'application/json', headers: { 'x-warren-protocol': 1, 'x-warren-task': 'RetryJobs.gate', 'x-warren-dead-error': 'NonRetryableError', 'x-warren-dead-reason': `reason ${i}` } });
    await channel.waitForConfirms();
    const listed = async (...paging: string[]) => {
      const listing = await run('dlq', 'list', 'fx-retry', '--json', ...paging);
      assert.equal(listing.code, 0, listing.stderr);
      return (JSON.parse(listing.stdout) as Array<{ taskId: string }>).map((entry) => entry.taskId);
    };

    assert.deepEqual(await listed('--limit', '3'), [id(1199), id(1198), id(1197)]);
    assert.deepEqual(await listed('--limit', '2', '--offset', '3'), [id(1196), id(1195)]);
    assert.deepEqual(await listed('--limit', '5', '--offset', '1198'), [id(1), id(0)]);
    const table = await run('dlq', 'list', 'fx-retry', '--limit', '3');
    assert.match(table.stdout, /^m-1199 .*reason 1199\nm-1198 /m);
    assert.match(table.stdout, /^1-3 of 1200, newest first; next page: --offset 3$/m);
    assert.equal(await deadLetters(), 1_200, 'reading took nothing away');

    const shown = await run('dlq', 'show', 'fx-retry', id(1_100), '--json');
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((JSON.parse(shown.stdout) as { reason: string }).reason, 'reason 1100');

    const deleted = await run('dlq', 'delete', 'fx-retry', id(500), '--yes');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(await deadLetters(), 1_199);
    const gone = await run('dlq', 'show', 'fx-retry', id(500));
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^warren: No dead letter with task id m-0500 in fx-retry$/m);
    assert.equal((await run('dlq', 'delete', 'fx-retry', id(500), '--yes')).code, 1, 'deleting it again: not there');

    const ran = collectTaskEvents(stack.runtime, 1, (event) => event.taskId === id(1_199) && event.outcome === 'succeeded');
    const one = await run('dlq', 'replay', 'fx-retry', '--id', id(1_199), '--yes', '--json');
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout), { queue: 'fx-retry', replayed: 1, skipped: 0, skippedReasons: [], remaining: 1_198 });
    await ran;
    assert.equal((await run('dlq', 'replay', 'fx-retry', '--id', 'no-such-id', '--yes')).code, 1);

    // The others kept their order: the newest and the oldest are where they were.
    assert.deepEqual(await listed('--limit', '2'), [id(1198), id(1197)]);
    assert.deepEqual(await listed('--limit', '5', '--offset', '1195'), [id(2), id(1), id(0)]);
    assert.deepEqual(await listed('--limit', '2', '--offset', '697'), [id(501), id(499)], 'm-0500 alone is gone');
    assert.equal((await run('dlq', 'purge', 'fx-retry', '--yes')).code, 0);
  });
});
