import 'reflect-metadata';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { ConnectionLostError } from '../../src';
import { IoJobs } from '../fixtures/jobs/fixture-jobs';
import { startFixtureStack } from '../support/fixture-runtime';
import { requireRabbitNode } from '../support/requirements';

// A *.fault.test.ts file: it closes every connection of the shared node, so test/run.ts runs it
// after the other files, alone.
const node = requireRabbitNode();

describe('recovering from a lost broker connection', { skip: node.skip }, () => {
  test('when the broker closes every connection, the runtime and the client reconnect by themselves and serve again', { timeout: 60_000 }, async () => {
    const stack = await startFixtureStack(node!.url);
    try {
      const io = stack.client.proxy(IoJobs);
      assert.equal(await io.echo('before'), 'before');
      assert.equal(stack.runtime.ready, true);

      const waiting = io.sleep(5_000); // in flight when the connection drops
      waiting.catch(() => {});
      const disconnected = once(stack.runtime, 'disconnected');
      const reconnected = once(stack.runtime, 'reconnected');
      await node!.ctl(['close_all_connections', 'recovery test']);
      await disconnected;
      assert.equal(stack.runtime.ready, false, 'not ready while reconnecting');
      await assert.rejects(waiting, ConnectionLostError, 'a caller waiting for a reply is told at once');

      // Published while the runtime may still be reconnecting: waits for the connection, is not dropped.
      const afterDrop = io.echo('after');
      await reconnected;
      assert.equal(stack.runtime.ready, true);
      assert.equal(await afterDrop, 'after');
      assert.equal(await stack.client.proxy(IoJobs).whereAmI().then((where) => where.label), 'from providers');

      const queues = (await node!.listQueues()).filter((queue) => queue.name === `${stack.config.broker.namespace}.fx-io`);
      assert.equal(queues[0]?.consumers, 1, 'exactly one consumer again: the old one is gone, the new one is back');
    } finally {
      await stack.stop();
    }
  });
});
