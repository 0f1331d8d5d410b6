import 'reflect-metadata';
import amqp from 'amqplib';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pino from 'pino';
import { ConnectionLostError, connect, NamespaceNotDeclaredError, RpcTimeoutError, Runtime, UnroutableTaskError, type WarrenClient } from '../../src';
import { IoJobs } from '../fixtures/jobs/fixture-jobs';
import { fixtureConfig, randomNamespace } from '../support/fixture-runtime';
import type { RabbitNode } from '../support/rabbitmq-node';
import { requireRabbitNode } from '../support/requirements';

// Users, permissions and connections are managed with rabbitmqctl: this needs the node, not just a URL.
const node = requireRabbitNode();
const silent = pino({ level: 'silent' });

async function eventually(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Calls `echo` `count` times; every one must come back with its own value. */
async function echoAll(client: WarrenClient, count: number, timeoutMs = 20_000): Promise<{ sent: number; completed: number; lost: number }> {
  const io = client.proxy(IoJobs);
  const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => io.echo.with({ timeoutMs })(i)));
  const completed = results.filter((result, i) => result.status === 'fulfilled' && result.value === i).length;
  return { sent: count, completed, lost: count - completed };
}

describe('a client recovers from what the broker does to it', { skip: node.skip }, () => {
  const rabbit: RabbitNode = node;

  test('given a namespace no runtime declared, when a client calls, then it gets UnroutableTaskError naming the namespace, and the same client works once a runtime is up', { timeout: 60_000 }, async () => {
    const namespace = randomNamespace();
    const config = fixtureConfig(rabbit.url, namespace);
    const client = await connect({ url: rabbit.url, config, logger: silent });
    let runtime: Runtime | undefined;
    try {
      const io = client.proxy(IoJobs);
      const calls = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => io.echo(i)));
      for (const call of calls) {
        assert.equal(call.status, 'rejected');
        const error = (call as PromiseRejectedResult).reason as Error;
        assert.ok(error instanceof UnroutableTaskError, `${error.name}: ${error.message}`);
        assert.ok(error instanceof NamespaceNotDeclaredError);
        assert.match(error.message, new RegExp(`No runtime has declared namespace '${namespace}' on this broker \\(exchange '${namespace}\\.tasks' does not exist\\)`));
      }
      await assert.rejects(io.echo.enqueue('queued'), NamespaceNotDeclaredError);
      assert.deepEqual(await client.status('no-such-task', { timeoutMs: 100 }), { taskId: 'no-such-task', state: 'unknown' }, 'no control exchange: no runtime answers');

      runtime = await Runtime.start({ config, logger: silent });
      assert.deepEqual(await echoAll(client, 50), { sent: 50, completed: 50, lost: 0 });
    } finally {
      await client.close();
      await runtime?.stop();
    }
  });

  test("given a client whose connection is down before its first call, then each call times out from the call, and once the broker lets it back the same client's calls all complete", { timeout: 90_000 }, async () => {
    const namespace = randomNamespace();
    const config = fixtureConfig(rabbit.url, namespace);
    const runtime = await Runtime.start({ config, logger: silent });
    // A user of its own: taking its permissions away keeps this client out, and no other test's connection.
    const user = `client-${randomBytes(4).toString('hex')}`;
    await rabbit.ctl(['add_user', user, 'secret']);
    await rabbit.ctl(['set_permissions', '-p', '/', user, '.*', '.*', '.*']);
    const url = new URL(rabbit.url);
    url.username = user;
    url.password = 'secret';
    const client = await connect({ url: url.toString(), config, logger: silent });
    const userConnections = async (): Promise<string[]> =>
      // Tab-separated: close_connection takes the pid as printed there (`<rabbit@host.1.2.3>`), not JSON's `#PID<…>`.
      (await rabbit.ctl(['list_connections', 'user', 'pid', '--silent', '--no-table-headers']))
        .split('\n')
        .map((line) => line.trim().split('\t'))
        .filter(([name]) => name === user)
        .map(([, pid]) => pid as string);
    try {
      await rabbit.ctl(['clear_permissions', '-p', '/', user]);
      for (const pid of await userConnections()) await rabbit.ctl(['close_connection', pid, 'client recovery test']);
      await eventually('the client is disconnected and kept out', async () => (await userConnections()).length === 0);

      // First calls while disconnected: the reply queue cannot open yet.
      const io = client.proxy(IoJobs);
      const waiting = Array.from({ length: 50 }, (_, i) => io.echo.with({ timeoutMs: 60_000 })(i));
      const startedAt = Date.now();
      const short = assert.rejects(io.echo.with({ timeoutMs: 1_000 })('short'), RpcTimeoutError);
      await Promise.race([short, new Promise((_, reject) => setTimeout(() => reject(new Error('a 1 s call still waited after 10 s')), 10_000).unref())]);
      const elapsed = Date.now() - startedAt;
      assert.ok(elapsed < 2_000, `the timeout counts from the call, not from the reconnection: ${elapsed} ms`);

      await rabbit.ctl(['set_permissions', '-p', '/', user, '.*', '.*', '.*']);
      const results = await Promise.allSettled(waiting);
      const failures = results.flatMap((result) => (result.status === 'rejected' ? [String((result.reason as Error).message)] : []));
      assert.deepEqual(failures, [], 'calls made while disconnected complete once it is back');
      assert.deepEqual(await echoAll(client, 100), { sent: 100, completed: 100, lost: 0 });
      assert.equal((await userConnections()).length, 1);
    } finally {
      await client.close();
      await runtime.stop();
      await rabbit.ctl(['delete_user', user]).catch(() => {});
    }
  });

  test('given a client whose publish channel the broker closes (its exchange deleted), then waiting calls are told, the channel is reopened, and the same client works again', { timeout: 60_000 }, async () => {
    const namespace = randomNamespace();
    const config = fixtureConfig(rabbit.url, namespace);
    let runtime = await Runtime.start({ config, logger: silent });
    const client = await connect({ url: rabbit.url, config, logger: silent });
    const raw = await amqp.connect(rabbit.url);
    try {
      const io = client.proxy(IoJobs);
      assert.equal(await io.echo('known exchange'), 'known exchange');
      const inFlight = io.sleep.with({ timeoutMs: 30_000 })(2_000);
      const inFlightTold = assert.rejects(inFlight, ConnectionLostError); // handled from now on
      await eventually('the sleep is running', async () => runtime.inFlight === 1);
      const channel = await raw.createChannel();
      await channel.deleteExchange(`${namespace}.tasks`);

      // The next publish goes to an exchange the client saw before: the broker closes its channel (404).
      await assert.rejects(io.echo('gone'), NamespaceNotDeclaredError);
      // Its replies came through that channel: the call waiting for one is told rather than left to time out.
      await inFlightTold;

      // A runtime declares the namespace again: the same client, on its reopened channel, works.
      await runtime.stop();
      runtime = await Runtime.start({ config, logger: silent });
      assert.deepEqual(await echoAll(client, 50), { sent: 50, completed: 50, lost: 0 });
    } finally {
      await raw.close().catch(() => {});
      await client.close();
      await runtime.stop();
    }
  });
});
