import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, resolveConfig } from '../../src';
import { queueTypesOf } from '../../src/topology/queue-types';
import { TopologyNames, buildTopology } from '../../src/topology/topology';

const names = new TopologyNames('acme');
const where = { source: 'test', rootDir: '/srv/app' };
const queues = [
  { name: 'images', pool: 'cpu' as const, tasks: ['Images.thumbnail'] },
  { name: 'mail', pool: 'io' as const, tasks: ['Mail.send'] },
];
const byName = (topology: ReturnType<typeof buildTopology>) => new Map(topology.queues.map((queue) => [queue.name, queue.arguments]));

test('given no queue type, every queue is classic and declared exactly as before queue types existed', () => {
  const config = resolveConfig({ jobs: 'a.ts' }, where, {});
  assert.equal(config.broker.queueType, 'classic');
  assert.deepEqual(buildTopology(queues, names, queueTypesOf(config)), buildTopology(queues, names));
  for (const args of byName(buildTopology(queues, names, queueTypesOf(config))).values()) assert.equal(args['x-queue-type'], undefined);
});

test('given broker.queueType quorum, a work queue dead-letters at least once and is bounded by the broker one delivery past maxRedeliveries', () => {
  const config = resolveConfig({ jobs: 'a.ts', broker: { queueType: 'quorum' }, maxRedeliveries: 3 }, where, {});
  const args = byName(buildTopology(queues, names, queueTypesOf(config)));
  assert.deepEqual(args.get('acme.images'), {
    'x-dead-letter-exchange': 'acme.dead',
    'x-dead-letter-routing-key': 'images',
    'x-queue-type': 'quorum',
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
    'x-delivery-limit': 4,
  });
  assert.deepEqual(args.get('acme.images.dead'), { 'x-queue-type': 'quorum' }, 'a dead-letter queue has its work queue type and dead-letters nothing');
});

test('given broker.queueType quorum, every delay level is a quorum TTL queue that hands expired messages on at least once', () => {
  const config = resolveConfig({ jobs: 'a.ts', broker: { queueType: 'quorum' } }, where, {});
  const levels = buildTopology(queues, names, queueTypesOf(config)).queues.filter((queue) => queue.name.startsWith('acme.delay.'));
  assert.equal(levels.length, 31);
  for (const level of levels) {
    assert.equal(level.durable, true);
    assert.equal(level.arguments['x-queue-type'], 'quorum', level.name);
    assert.equal(level.arguments['x-dead-letter-strategy'], 'at-least-once', level.name);
    assert.equal(level.arguments['x-overflow'], 'reject-publish', level.name);
    assert.equal(typeof level.arguments['x-message-ttl'], 'number', level.name);
    assert.equal(level.arguments['x-delivery-limit'], undefined, 'nobody consumes a level: nothing to bound');
  }
});

test("a queue's own queueType wins over broker.queueType, both ways; the cascade follows broker.queueType", () => {
  const mixed = resolveConfig({ jobs: 'a.ts', broker: { queueType: 'quorum' }, queues: { mail: { queueType: 'classic' } } }, where, {});
  const args = byName(buildTopology(queues, names, queueTypesOf(mixed)));
  assert.equal(args.get('acme.images')?.['x-queue-type'], 'quorum');
  assert.equal(args.get('acme.mail')?.['x-queue-type'], undefined);
  assert.equal(args.get('acme.mail.dead')?.['x-queue-type'], undefined);
  assert.equal(args.get(names.delayLevelQueue(3))?.['x-queue-type'], 'quorum');

  const one = resolveConfig({ jobs: 'a.ts', queues: { images: { queueType: 'quorum', concurrency: 2 } } }, where, {});
  const oneArgs = byName(buildTopology(queues, names, queueTypesOf(one)));
  assert.equal(oneArgs.get('acme.images')?.['x-queue-type'], 'quorum');
  assert.equal(oneArgs.get('acme.images.dead')?.['x-queue-type'], 'quorum');
  assert.equal(oneArgs.get('acme.mail')?.['x-queue-type'], undefined);
  assert.equal(oneArgs.get(names.delayLevelQueue(3))?.['x-queue-type'], undefined, 'the cascade stays classic');
});

test('a queue type other than classic or quorum names its field', () => {
  assert.throws(() => resolveConfig({ jobs: 'a.ts', broker: { queueType: 'stream' } }, where, {}), (error: unknown) => error instanceof ConfigError && /broker\.queueType/.test(error.message));
  assert.throws(() => resolveConfig({ jobs: 'a.ts', queues: { mail: { queueType: 'mirrored' } } }, where, {}), (error: unknown) => error instanceof ConfigError && /queues\.mail\.queueType/.test(error.message));
});
