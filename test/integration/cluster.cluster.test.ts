import 'reflect-metadata';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { connect, Runtime, type WarrenClient } from '../../src';
import type { ResolvedConfig } from '../../src/config/resolved-config';
import { IoJobs } from '../fixtures/jobs/fixture-jobs';
import { captureLogger, fixtureConfig, randomNamespace } from '../support/fixture-runtime';
import type { RabbitCluster } from '../support/rabbitmq-cluster';
import { requireCluster } from '../support/requirements';

// The runner's three-node cluster (files named *.cluster.test.ts); the fault suite's cluster scenarios go further.
const required = requireCluster();

function quorumConfig(cluster: RabbitCluster, namespace: string): ResolvedConfig {
  const base = fixtureConfig(cluster.urls.join(','), namespace);
  return { ...base, broker: { ...base.broker, queueType: 'quorum' } };
}

async function echoAll(client: WarrenClient, count: number): Promise<number> {
  const io = client.proxy(IoJobs);
  const results = await Promise.all(Array.from({ length: count }, (_, i) => io.echo.with({ timeoutMs: 20_000 })(i)));
  return results.filter((value, i) => value === i).length;
}

describe('a three-node cluster with quorum queues', { skip: required.skip }, () => {
  const cluster: RabbitCluster = required;

  test('the cluster runs three nodes; a runtime declares quorum queues with a member on each and a leader on its own node; calls are answered', { timeout: 60_000 }, async () => {
    assert.equal((await cluster.runningNodes()).length, 3);
    const namespace = randomNamespace();
    const config = quorumConfig(cluster, namespace);
    const runtime = await Runtime.start({ config, logger: captureLogger('silent').logger });
    const client = await connect({ url: config.broker.url, config, logger: captureLogger('silent').logger });
    try {
      assert.equal(await echoAll(client, 20), 20);
      const text = await cluster.ctl(['-q', 'list_queues', 'name', 'type', 'leader', 'members', '--formatter', 'json']);
      const rows = (JSON.parse(text.slice(text.indexOf('['))) as Array<{ name: string; type: string; leader: string; members: string[] }>).filter((row) => row.name === `${namespace}.fx-io` || row.name === `${namespace}.fx-io.dead`);
      assert.equal(rows.length, 2, text);
      for (const row of rows) {
        assert.equal(row.type, 'quorum', row.name);
        assert.deepEqual([...row.members].sort(), cluster.nodes.map((node) => node.nodeName).sort(), row.name);
        assert.equal(row.leader, cluster.nodes[0]?.nodeName, `${row.name}: declared through node 1, so led there`);
      }
    } finally {
      await client.close();
      await runtime.stop();
    }
  });

  test('when the node a runtime and a client are connected to stops, both move to another node, and every call is answered', { timeout: 90_000 }, async () => {
    const namespace = randomNamespace();
    const config = quorumConfig(cluster, namespace);
    const runtime = await Runtime.start({ config, logger: captureLogger('silent').logger });
    const client = await connect({ url: config.broker.url, config, logger: captureLogger('silent').logger });
    const first = cluster.nodes[0];
    assert.ok(first);
    try {
      assert.equal(await echoAll(client, 10), 10);
      const recovered = once(runtime, 'reconnected');
      await first.stopApp();
      await recovered;
      assert.equal(await echoAll(client, 20), 20, 'answered while node 1 is stopped: through nodes 2 and 3');
    } finally {
      await first.startApp();
      await client.close();
      await runtime.stop();
    }
    assert.equal((await cluster.runningNodes()).length, 3);
  });
});
