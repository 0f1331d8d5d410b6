import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BrokerBlockedError, connect, Runtime, startHttpServer, type HttpServer, type WarrenClient } from '../../src';
import { IoJobs } from '../fixtures/jobs/fixture-jobs';
import { runLog } from '../fixtures/jobs/run-log';
import { request } from '../http/http-fixture';
import { captureLogger, fixtureConfig, randomNamespace } from '../support/fixture-runtime';
import type { RabbitNode } from '../support/rabbitmq-node';
import { requireRabbitNode } from '../support/requirements';

// A *.fault.test.ts file: the alarm is node-wide, so test/run.ts runs this in its serial pass,
// with no other test file publishing to the node meanwhile.
const node = requireRabbitNode();
const root = path.join(__dirname, '..', '..');
const PUBLISH_TIMEOUT_MS = 2_000;
const SLACK_MS = 1_000;

async function eventually(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** How long a promise takes to reject, and with what. */
async function timedRejection(work: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  const error = await work.then(
    () => assert.fail('expected the publish to fail'),
    (reason: unknown) => reason as Error,
  );
  return { error, ms: Date.now() - started };
}

/** `node bin/warren.js <args>` with the fixture config, as test/cli/cli-broker.test.ts runs it. */
function cli(url: string, namespace: string, args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(root, 'bin', 'warren.js'), ...args, '--config', 'test/fixtures/fixture.config.ts'], {
    cwd: root,
    env: { ...process.env, WARREN_BROKER_URL: url, WARREN_NAMESPACE: namespace },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, ms: Date.now() - started })));
}

async function alarmsOn(rabbit: RabbitNode): Promise<boolean> {
  return (await rabbit.ctl(['eval', 'rabbit_alarm:get_alarms().'])).includes('memory');
}

async function unacked(rabbit: RabbitNode, queue: string): Promise<number> {
  const rows = JSON.parse(await rabbit.ctl(['list_queues', 'name', 'messages_unacknowledged', '--formatter', 'json'])) as Array<{ name: string; messages_unacknowledged: number }>;
  return rows.find((row) => row.name === queue)?.messages_unacknowledged ?? -1;
}

describe('a RabbitMQ resource alarm', { skip: node.skip }, () => {
  const rabbit: RabbitNode = node;

  test('given a memory alarm, then runtime and client log the block, /readyz is 503 naming it, the metric is 1, publishes fail within publishTimeoutMs naming it, warren call keeps its --timeout; once it clears everything publishes again and nothing is lost', { timeout: 120_000 }, async (t) => {
    const namespace = randomNamespace();
    const base = fixtureConfig(rabbit.url, namespace);
    const config = { ...base, broker: { ...base.broker, publishTimeoutMs: PUBLISH_TIMEOUT_MS } };
    const runtimeLog = captureLogger('info');
    const clientLog = captureLogger('info');
    const key = (name: string) => `${namespace}-${name}`;
    let runtime: Runtime | undefined;
    let http: HttpServer | undefined;
    let client: WarrenClient | undefined;
    let alarm = false;
    try {
      runtime = await Runtime.start({ config, logger: runtimeLog.logger });
      http = await startHttpServer(runtime, { port: 0, host: '127.0.0.1' });
      client = await connect({ url: rabbit.url, config, logger: clientLog.logger });
      const io = client.proxy(IoJobs);
      assert.equal(await io.echo('before'), 'before');
      const baseline = await cli(rabbit.url, namespace, ['call', 'Maths.add', '[2, 40]']);
      assert.equal(baseline.code, 0, baseline.stderr);

      // A task running when the alarm starts: released once the alarm is on, its reply is the
      // runtime's first publish under it (however long rabbitmqctl takes to raise the alarm).
      const held = io.holdUntilReleased.with({ timeoutMs: 90_000 })(key('held'));
      await new Promise<void>((resolve) => runLog.on('started', (started) => started === key('held') && resolve()));

      // When the node raises a memory alarm
      alarm = true;
      await rabbit.ctl(['set_vm_memory_high_watermark', '0.0000001']);
      await eventually('the memory alarm is raised', () => alarmsOn(rabbit));
      runLog.release(key('held'));

      // Then a publish written before the broker said so fails at its deadline, naming the alarm
      const sent = await timedRejection(io.hold.enqueue(key('sent'), 10));
      assert.ok(sent.error instanceof BrokerBlockedError, `${sent.error.name}: ${sent.error.message}`);
      assert.match(sent.error.message, /^RabbitMQ is blocking publishes: low on memory; .*sent but not confirmed/);
      assert.ok(sent.ms >= PUBLISH_TIMEOUT_MS - 100 && sent.ms < PUBLISH_TIMEOUT_MS + SLACK_MS, `failed after ${sent.ms} ms`);
      await clientLog.waitFor(/"level":40.*RabbitMQ is blocking publishes on this connection: low on memory/);

      // and one started while blocked is not sent at all
      const unsent = await timedRejection(io.hold.enqueue(key('unsent'), 10));
      assert.ok(unsent.error instanceof BrokerBlockedError);
      assert.match(unsent.error.message, /low on memory; the message was not sent/);
      assert.ok(unsent.ms < PUBLISH_TIMEOUT_MS + SLACK_MS, `failed after ${unsent.ms} ms`);

      // The runtime is blocked at its reply: logged, /readyz 503 naming it, the metric at 1, and
      // the broker reads nothing more from it, so the held task's ack waits too.
      await runtimeLog.waitFor(/"level":40.*RabbitMQ is blocking publishes on this connection: low on memory/);
      const readyz = await request(http.url, '/readyz');
      assert.equal(readyz.status, 503);
      assert.deepEqual(readyz.json(), { ready: false, state: 'broker blocked', blocked: 'RabbitMQ is blocking publishes: low on memory' });
      assert.match((await request(http.url, '/metrics')).body, /^warren_broker_blocked 1$/m);
      assert.match((await request(http.url, '/api/snapshot')).body, /"brokerBlocked":"low on memory"/);
      assert.equal(await unacked(rabbit, `${namespace}.fx-io`), 1, "the held task's ack is not read while the runtime is blocked");
      // Nor would a channel opened on it: queue inspection is refused at once, naming the alarm, rather than left waiting
      const inspect = await timedRejection(runtime.admin.queues(['fx-io']));
      assert.ok(inspect.error instanceof BrokerBlockedError && inspect.ms < 500, `${inspect.error.name} after ${inspect.ms} ms`);

      // warren call keeps its --timeout: it exits 3 within it (plus the CLI's own start-up)
      const call = await cli(rabbit.url, namespace, ['call', 'IoJobs.echo', '["blocked"]', '--timeout', '3000']);
      assert.equal(call.code, 3, call.stderr);
      assert.ok(call.ms < baseline.ms + 3_000 + 2_000, `warren call took ${call.ms} ms (a plain call ${baseline.ms} ms)`);

      // and so does warren status: its question is a publish, failed at the timeout, naming the alarm
      const status = await cli(rabbit.url, namespace, ['status', 'no-such-task', '--timeout', '1000']);
      assert.equal(status.code, 3, status.stderr);
      assert.match(status.stderr, /RabbitMQ is blocking publishes: low on memory/);
      assert.ok(status.ms < baseline.ms + 1_000 + 2_000, `warren status took ${status.ms} ms`);

      t.diagnostic(`publish sent before the block failed after ${sent.ms} ms, one started while blocked after ${unsent.ms} ms (publishTimeoutMs ${PUBLISH_TIMEOUT_MS}); warren call --timeout 3000 exited ${call.code} after ${call.ms} ms (a plain call: ${baseline.ms} ms); warren status --timeout 1000 after ${status.ms} ms`);

      // When the alarm clears
      await rabbit.ctl(['set_vm_memory_high_watermark', '0.4']);
      alarm = false;
      await runtimeLog.waitFor(/"level":30.*RabbitMQ stopped blocking publishes/);
      await clientLog.waitFor(/"level":30.*RabbitMQ stopped blocking publishes/);

      // Then the reply and ack that waited arrive, everything publishes again, and nothing is lost
      assert.equal(await held, key('held'));
      assert.equal((await request(http.url, '/readyz')).status, 200);
      assert.match((await request(http.url, '/metrics')).body, /^warren_broker_blocked 0$/m);
      await eventually('the held ack is read', async () => (await unacked(rabbit, `${namespace}.fx-io`)) === 0);
      await io.hold.enqueue(key('after'), 10);
      const echoes = await Promise.all(Array.from({ length: 20 }, (_, i) => io.echo(i)));
      assert.deepEqual(echoes, Array.from({ length: 20 }, (_, i) => i));
      await eventually('the tasks enqueued around the alarm ran', async () => runLog.starts.has(key('after')) && runLog.starts.has(key('sent')));
      // At least once: the broker had read the first publish before it blocked, and took it.
      assert.deepEqual([runLog.starts.get(key('held')), runLog.starts.get(key('sent')), runLog.starts.get(key('unsent')), runLog.starts.get(key('after'))], [1, 1, undefined, 1]);
    } finally {
      if (alarm) await rabbit.ctl(['set_vm_memory_high_watermark', '0.4']);
      await client?.close();
      await runtime?.stop();
      await http?.close();
    }
  });

  test('given a memory alarm, when a task fails and its dead letter waits on the blocked publishing connection, then the consumers still ack: the other task in flight is settled, and the dead letter follows once the alarm clears', { timeout: 120_000 }, async () => {
    const namespace = randomNamespace();
    const base = fixtureConfig(rabbit.url, namespace);
    // Long enough for the dead letter to wait out the alarm rather than fail and be retried.
    const config = { ...base, broker: { ...base.broker, publishTimeoutMs: 60_000 } };
    const runtimeLog = captureLogger('info');
    const key = (name: string) => `${namespace}-${name}`;
    const queue = `${namespace}.fx-io`;
    let runtime: Runtime | undefined;
    let client: WarrenClient | undefined;
    let alarm = false;
    try {
      runtime = await Runtime.start({ config, logger: runtimeLog.logger });
      client = await connect({ url: rabbit.url, config, logger: captureLogger('info').logger });
      const io = client.proxy(IoJobs);
      const failing = await io.failWhenReleased.with({ maxAttempts: 1 }).enqueue(key('fails'));
      await io.holdUntilReleased.enqueue(key('succeeds'));
      await eventually('both tasks started', async () => runLog.starts.has(key('fails')) && runLog.starts.has(key('succeeds')));

      alarm = true;
      await rabbit.ctl(['set_vm_memory_high_watermark', '0.0000001']);
      await eventually('the memory alarm is raised', () => alarmsOn(rabbit));

      // When the failing task's dead letter is published under the alarm
      runLog.release(key('fails'));
      await runtimeLog.waitFor(/"connection":"warren runtime [^"]*\(publishing\)".*RabbitMQ is blocking publishes on this connection: low on memory/);
      // Then the other task's ack still reaches the broker: only the failed one is unsettled
      runLog.release(key('succeeds'));
      await eventually('the finished task is acked', async () => (await unacked(rabbit, queue)) === 1);
      assert.equal(runtimeLog.lines.filter((line) => /"connection":"warren runtime [^"(]*".*RabbitMQ is blocking publishes/.test(line)).length, 0, 'the connection the consumers ack on was not blocked');

      await rabbit.ctl(['set_vm_memory_high_watermark', '0.4']);
      alarm = false;
      await eventually('the failed task is dead-lettered and settled', async () => (await unacked(rabbit, queue)) === 0);
      const entry = await runtime.admin.deadLetter('fx-io', failing);
      assert.equal(entry?.reason, `${key('fails')} failed as asked`);
      assert.deepEqual([runLog.starts.get(key('fails')), runLog.starts.get(key('succeeds'))], [1, 1]);
    } finally {
      if (alarm) await rabbit.ctl(['set_vm_memory_high_watermark', '0.4']);
      await client?.close();
      await runtime?.stop();
    }
  });
});
