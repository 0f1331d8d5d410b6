import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_START_UNBINDINGS, TopologyNames, buildTopology, movedTaskUnbindings } from '../../src/topology/topology';

const names = new TopologyNames('acme');

test('every queue gets a durable work queue that dead-letters to its own dead-letter queue', () => {
  const topology = buildTopology([{ name: 'images', pool: 'cpu', tasks: ['Images.thumbnail', 'Images.checksum'] }], names);

  assert.deepEqual(topology.exchanges.slice(0, 2), [
    { name: 'acme.tasks', type: 'direct', durable: true },
    { name: 'acme.dead', type: 'direct', durable: true },
  ]);
  const work = topology.queues.filter((queue) => !queue.name.startsWith('acme.delay.'));
  const bindings = topology.bindings.filter((binding) => !binding.queue.startsWith('acme.delay.'));
  assert.deepEqual(work, [
    { name: 'acme.images', durable: true, arguments: { 'x-dead-letter-exchange': 'acme.dead', 'x-dead-letter-routing-key': 'images' } },
    { name: 'acme.images.dead', durable: true, arguments: {} },
  ]);
  assert.deepEqual(bindings, [
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

test('each task is unbound from the other queues the runtime serves, so a task moved between them leaves no binding behind', () => {
  const topology = buildTopology([{ name: 'b', pool: 'io', tasks: ['B.x'] }, { name: 'a', pool: 'io', tasks: ['A.y', 'A.x'] }], names);
  assert.deepEqual(topology.unbindings, [
    { queue: 'acme.a', exchange: 'acme.tasks', routingKey: 'B.x' },
    { queue: 'acme.b', exchange: 'acme.tasks', routingKey: 'A.x' },
    { queue: 'acme.b', exchange: 'acme.tasks', routingKey: 'A.y' },
  ]);
  const onOneQueue = buildTopology([{ name: 'a', pool: 'io', tasks: ['A.x'] }], names);
  assert.deepEqual(onOneQueue.unbindings, []);
});

test(`past ${MAX_START_UNBINDINGS} pairs none are removed at start: deliveries that meet a stale binding remove it then`, () => {
  const queues = Array.from({ length: 50 }, (_, n) => ({ name: `q${n}`, pool: 'io' as const, tasks: [`T${n}.a`] }));
  assert.deepEqual(movedTaskUnbindings(queues.slice(0, 40), names).length, 40 * 39);
  assert.deepEqual(movedTaskUnbindings(queues, names), []);
});
