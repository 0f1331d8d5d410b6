import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, resolveConfig } from '../../src';
import { AddressRotation, brokerAddresses, NEXT_ADDRESS_DELAY_MS, reconnectDelayMs } from '../../src/transport/broker-addresses';
import { redactUrl } from '../../src/transport/redact-url';

const where = { source: 'test', rootDir: '/srv/app' };
const BACKOFF = { initialDelayMs: 200, maxDelayMs: 10_000, factor: 2, jitter: 0 };

test('brokerAddresses: one URL, or several comma-separated, spaces and empty entries dropped', () => {
  assert.deepEqual(brokerAddresses('amqp://a:5672'), ['amqp://a:5672']);
  assert.deepEqual(brokerAddresses(' amqp://a:5672 , amqp://b:5673,'), ['amqp://a:5672', 'amqp://b:5673']);
  assert.deepEqual(brokerAddresses('amqp://u:p%2Cq@a:5672'), ['amqp://u:p%2Cq@a:5672'], 'a comma in a password is %2C');
});

test('reconnectDelayMs: the next address of a round at once, the backoff per round, as one address has it', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((attempt) => reconnectDelayMs(attempt, 3, BACKOFF)), [NEXT_ADDRESS_DELAY_MS, NEXT_ADDRESS_DELAY_MS, 200, NEXT_ADDRESS_DELAY_MS, NEXT_ADDRESS_DELAY_MS, 400]);
  assert.deepEqual([1, 2, 3, 8].map((attempt) => reconnectDelayMs(attempt, 1, BACKOFF)), [200, 400, 800, 10_000]);
  const jittered = { ...BACKOFF, jitter: 0.3 };
  assert.ok(reconnectDelayMs(20, 1, jittered, () => 1) <= 10_000, 'never past maxDelay, jitter included');
  assert.equal(reconnectDelayMs(1, 1, jittered, () => 0.5), 200);
});

test('AddressRotation goes round, starting after the one in use', () => {
  const rotation = new AddressRotation(['a', 'b', 'c']);
  assert.deepEqual([rotation.current, rotation.advance(), rotation.advance(), rotation.advance()], ['a', 'b', 'c', 'a']);
  assert.throws(() => new AddressRotation([]));
});

test('redactUrl hides the password of each address, and leaves a one-URL list of hosts (postgres://a,b/db) whole', () => {
  assert.equal(redactUrl('amqp://u:secret@a:5672,amqp://u:secret@b:5672'), 'amqp://u:***@a:5672,amqp://u:***@b:5672');
  assert.equal(redactUrl('amqp://u:secret@a:5672'), 'amqp://u:***@a:5672');
  assert.doesNotMatch(redactUrl('postgres://u:secret@a,b/db'), /secret/);
});

test('config: broker.urls or a comma-separated WARREN_BROKER_URL give several brokers; both url and urls, or memory:// among others, is an error', () => {
  assert.equal(resolveConfig({ jobs: 'a.ts', broker: { urls: ['amqp://a:5672', 'amqp://b:5672'] } }, where, {}).broker.url, 'amqp://a:5672,amqp://b:5672');
  assert.equal(resolveConfig({ jobs: 'a.ts' }, where, { WARREN_BROKER_URL: 'amqp://a:5672,amqp://b:5672' }).broker.url, 'amqp://a:5672,amqp://b:5672');
  assert.equal(resolveConfig({ jobs: 'a.ts', broker: { urls: ['amqp://a:5672'] } }, where, { WARREN_BROKER_URL: 'amqp://env:5672' }).broker.url, 'amqp://env:5672', 'the environment wins');
  assert.throws(() => resolveConfig({ jobs: 'a.ts', broker: { url: 'amqp://a:5672', urls: ['amqp://b:5672'] } }, where, {}), (error: unknown) => error instanceof ConfigError && /give broker\.url or broker\.urls, not both/.test(error.message));
  assert.throws(() => resolveConfig({ jobs: 'a.ts', broker: { urls: ['amqp://a:5672', 'http://b'] } }, where, {}), /broker\.urls\.1: must start with amqp:\/\/, amqps:\/\/ or memory:\/\//);
  assert.throws(() => resolveConfig({ jobs: 'a.ts' }, where, { WARREN_BROKER_URL: 'amqp://a:5672,memory://x' }), /memory:\/\/ is one embedded broker: it cannot be one of several/);
});
