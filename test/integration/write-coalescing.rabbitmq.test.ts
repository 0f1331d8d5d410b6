import 'reflect-metadata';
import assert from 'node:assert/strict';
import os from 'node:os';
import { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { MathJobs } from '../fixtures/jobs/fixture-jobs';
import { startFixtureStack } from '../support/fixture-runtime';
import type { RabbitNode } from '../support/rabbitmq-node';
import { requireRabbitNode } from '../support/requirements';

const node = requireRabbitNode();

/** The broker's side of the connection of that name: the port it sees the connection come from. */
async function peerPortOf(rabbit: RabbitNode, connectionName: string): Promise<number> {
  const rows = JSON.parse(await rabbit.ctl(['list_connections', 'client_properties', 'peer_port', '--formatter', 'json'])) as Array<{ client_properties: unknown; peer_port: number }>;
  const matching = rows.filter((row) => JSON.stringify(row.client_properties).includes(JSON.stringify(connectionName)));
  assert.equal(matching.length, 1, `one connection named ${connectionName}`);
  return (matching[0] as { peer_port: number }).peer_port;
}

/** Counts write(2)/writev(2) calls per local port, through the stream implementer's hooks every socket goes through. */
function countSocketWrites(): { writesFrom(port: number): number; restore(): void } {
  const proto = Socket.prototype as unknown as { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void };
  const { _write, _writev } = proto;
  const counts = new Map<number, number>();
  const count = (socket: Socket): void => {
    if (socket.localPort !== undefined) counts.set(socket.localPort, (counts.get(socket.localPort) ?? 0) + 1);
  };
  proto._write = function (this: Socket, ...args) {
    count(this);
    return _write.apply(this, args);
  };
  proto._writev = function (this: Socket, ...args) {
    count(this);
    return _writev.apply(this, args);
  };
  return {
    writesFrom: (port) => counts.get(port) ?? 0,
    restore: () => Object.assign(proto, { _write, _writev }),
  };
}

describe('frames written in one turn leave the runtime together', { skip: node.skip }, () => {
  test('a burst of calls is answered in far fewer socket writes than replies', { timeout: 60_000 }, async (t) => {
    const stack = await startFixtureStack(node!.url, undefined, { queues: { 'fx-io': { concurrency: 64 } } });
    const writes = countSocketWrites();
    try {
      const maths = stack.client.proxy(MathJobs);
      assert.equal(await maths.add(1, 1), 2); // consumers and reply paths in place
      const runtimePort = await peerPortOf(node!, `warren runtime ${os.hostname()}:${process.pid}`);
      const before = writes.writesFrom(runtimePort);
      const calls = 256;
      const sums = await Promise.all(Array.from({ length: calls }, (_, i) => maths.add(i, 1)));
      assert.deepEqual(sums, Array.from({ length: calls }, (_, i) => i + 1));
      const written = writes.writesFrom(runtimePort) - before;
      // amqplib alone writes every reply on its own, plus the ack frames: at least one write per call.
      // Replies finished in the same turn leave in one writev after the turn's first write.
      assert.ok(written > 0, 'the runtime socket was found by its port');
      t.diagnostic(`${written} socket writes for ${calls} replies and their acks`);
      assert.ok(written <= calls / 2, `${written} socket writes for ${calls} replies and their acks`);
    } finally {
      writes.restore();
      await stack.stop();
    }
  });
});
