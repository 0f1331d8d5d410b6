import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TopologyNames, buildTopology } from '../../src/topology/topology';

const names = new TopologyNames('acme');

test('every queue gets a durable work queue that dead-letters to its own dead-letter queue', () => {
  const topology = buildTopology([{ name: 'images', pool: 'cpu', tasks: ['Images.thumbnail', 'Images.checksum'] }], names);

  assert.deepEqual(topology.exchanges, [
    { name: 'acme.tasks', type: 'direct', durable: true },
    { name: 'acme.dead', type: 'direct', durable: true },
  ]);
  assert.deepEqual(topology.queues, [
    { name: 'acme.images', durable: true, arguments: { 'x-dead-letter-exchange': 'acme.dead', 'x-dead-letter-routing-key': 'images' } },
    { name: 'acme.images.dead', durable: true, arguments: {} },
  ]);
  assert.deepEqual(topology.bindings, [
    { queue: 'acme.images.dead', exchange: 'acme.dead', routingKey: 'images' },
    { queue: 'acme.images', exchange: 'acme.tasks', routingKey: 'Images.checksum' },
    { queue: 'acme.images', exchange: 'acme.tasks', routingKey: 'Images.thumbnail' },
  ]);
});

test('the same definitions always give the same declarations, whatever their order', () => {
  const a = buildTopology([{ name: 'b', pool: 'io', tasks: ['B.x'] }, { name: 'a', pool: 'io', tasks: ['A.y', 'A.x'] }], names);
  const b = buildTopology([{ name: 'a', pool: 'io', tasks: ['A.x', 'A.y'] }, { name: 'b', pool: 'io', tasks: ['B.x'] }], names);
  assert.deepEqual(a, b);
});
