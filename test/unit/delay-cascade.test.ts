import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DELAY_LEVELS, MAX_PASS_DELAY_MS, buildDelayCascade, cascadeEntry, delayDigitHeader, levelsWaitedIn } from '../../src/topology/delay-cascade';
import { TopologyNames, buildTopology } from '../../src/topology/topology';

const names = new TopologyNames('acme');

test('a delay waits in the level of each binary digit that is 1, highest first: 37 s in 2^15, 2^12, 2^7 and 2^3 ms', () => {
  assert.deepEqual(levelsWaitedIn(37_000), [15, 12, 7, 3]);
  assert.equal([15, 12, 7, 3].reduce((sum, level) => sum + 2 ** level, 0), 37_000);
  assert.deepEqual(levelsWaitedIn(1), [0]);
  assert.deepEqual(levelsWaitedIn(1_024), [10]);
});

test('a message enters at its highest digit and carries a digit for that level and every one below it', () => {
  const entry = cascadeEntry(5);
  assert.deepEqual(entry, { level: 2, delayMs: 5, headers: { [delayDigitHeader(2)]: 1, [delayDigitHeader(1)]: 0, [delayDigitHeader(0)]: 1 } });
});

test('a fraction of a millisecond is rounded up, never down: a task never starts before its time', () => {
  assert.equal(cascadeEntry(0.2)?.delayMs, 1);
  assert.equal(cascadeEntry(1_000.5)?.delayMs, 1_001);
});

test('no wait (0, negative, NaN) enters no level', () => {
  for (const delay of [0, -5, Number.NaN]) assert.equal(cascadeEntry(delay), undefined);
});

test('30 days take two passes: the first serves the longest a pass can, through the top level; the rest is the next pass', () => {
  const thirtyDays = 30 * 86_400_000;
  const first = cascadeEntry(thirtyDays);
  assert.equal(first?.delayMs, MAX_PASS_DELAY_MS);
  assert.equal(first?.level, DELAY_LEVELS - 1);
  assert.equal(levelsWaitedIn(thirtyDays).length, DELAY_LEVELS, 'every level, once');
  const rest = thirtyDays - MAX_PASS_DELAY_MS;
  assert.equal(levelsWaitedIn(rest).reduce((sum, level) => sum + 2 ** level, 0), rest, 'the second pass serves exactly what is left');
});

test('each level is a TTL queue of 2^k ms behind a headers exchange: digit 1 to the queue, 0 on to the next level; both lead down to the tasks exchange', () => {
  const cascade = buildDelayCascade(names);
  assert.equal(cascade.queues.length, DELAY_LEVELS);
  const level7 = cascade.queues.find((queue) => queue.name === 'acme.delay.level07.128ms');
  assert.deepEqual(level7, { name: 'acme.delay.level07.128ms', durable: true, arguments: { 'x-message-ttl': 128, 'x-dead-letter-exchange': 'acme.delay.level06' } });
  assert.deepEqual(
    cascade.bindings.find((binding) => binding.queue === 'acme.delay.level07.128ms'),
    { queue: 'acme.delay.level07.128ms', exchange: 'acme.delay.level07', routingKey: '', arguments: { 'x-match': 'all', 'warren-delay-07': 1 } },
  );
  assert.deepEqual(
    cascade.exchangeBindings.find((binding) => binding.source === 'acme.delay.level07'),
    { destination: 'acme.delay.level06', source: 'acme.delay.level07', routingKey: '', arguments: { 'x-match': 'all', 'warren-delay-07': 0 } },
  );
  const bottom = cascade.queues.find((queue) => queue.name === 'acme.delay.level00.1ms');
  assert.equal(bottom?.arguments['x-dead-letter-exchange'], 'acme.tasks');
  assert.equal(cascade.exchangeBindings.find((binding) => binding.source === 'acme.delay.level00')?.destination, 'acme.tasks');
});

test('the runtime topology declares the cascade, and its exchanges before anything is bound to them', () => {
  const topology = buildTopology([{ name: 'images', pool: 'cpu', tasks: ['Images.thumbnail'] }], names);
  const exchanges = new Set(topology.exchanges.map((exchange) => exchange.name));
  for (const binding of topology.exchangeBindings ?? []) assert.ok(exchanges.has(binding.source) && exchanges.has(binding.destination));
  assert.equal(topology.queues.filter((queue) => queue.name.startsWith('acme.delay.level')).length, DELAY_LEVELS);
});
