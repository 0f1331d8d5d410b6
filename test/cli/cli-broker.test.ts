import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { collectTaskEvents, startFixtureStack, type FixtureStack } from '../support/fixture-runtime';
import { requireBroker } from '../support/requirements';
import { runLog } from '../fixtures/jobs/run-log';

const root = path.join(__dirname, '..', '..');
const node = requireBroker();

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('warren CLI against a running runtime on RabbitMQ', { skip: node.skip }, () => {
  let stack: FixtureStack;
  const run = (...args: string[]): Promise<Finished> => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'warren.js'), ...args, '--config', 'test/fixtures/fixture.config.ts'], {
      cwd: root,
      env: { ...process.env, WARREN_BROKER_URL: node!.url, WARREN_NAMESPACE: stack.config.broker.namespace },
      stdio: ['ignore', 'pipe', 'pipe'], // no terminal: confirmations must be given with --yes
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  };

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
