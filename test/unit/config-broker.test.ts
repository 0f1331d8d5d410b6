import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, resolveConfig, Runtime } from '../../src';

const where = { source: 'test', rootDir: '/srv/app' };

test('given no broker timeout, credentials or stall threshold, the defaults are RabbitMQ\'s 30 min, none, and 1 s', () => {
  const config = resolveConfig({ jobs: 'a.ts' }, where, {});
  assert.equal(config.broker.consumerTimeoutMs, 1_800_000);
  assert.equal(config.broker.username, undefined);
  assert.equal(config.broker.password, undefined);
  assert.equal(config.pools.io.stallThresholdMs, 1_000);
});

test('given them in the file, they are kept; a stall threshold of 0 turns the check off', () => {
  const config = resolveConfig({ jobs: 'a.ts', broker: { consumerTimeoutMs: 600_000, username: 'app', password: 'p@ss wörd' }, pools: { io: { stallThresholdMs: 0 } } }, where, {});
  assert.equal(config.broker.consumerTimeoutMs, 600_000);
  assert.equal(config.broker.username, 'app');
  assert.equal(config.broker.password, 'p@ss wörd');
  assert.equal(config.pools.io.stallThresholdMs, 0);
});

test('WARREN_BROKER_USERNAME and WARREN_BROKER_PASSWORD override the file; empty ones do not', () => {
  const file = { jobs: 'a.ts', broker: { username: 'file-user', password: 'file-pass' } };
  const set = resolveConfig(file, where, { WARREN_BROKER_USERNAME: 'env-user', WARREN_BROKER_PASSWORD: ' env pass ' });
  assert.equal(set.broker.username, 'env-user');
  assert.equal(set.broker.password, ' env pass ', 'a password is taken as given, spaces included');
  const empty = resolveConfig(file, where, { WARREN_BROKER_USERNAME: '', WARREN_BROKER_PASSWORD: '' });
  assert.equal(empty.broker.username, 'file-user');
  assert.equal(empty.broker.password, 'file-pass');
});

test('a consumer timeout, stall threshold or credential of the wrong kind names its field', () => {
  assert.throws(
    () => resolveConfig({ jobs: 'a.ts', broker: { consumerTimeoutMs: 0, username: '', password: 42 }, pools: { io: { stallThresholdMs: -1 } } }, where, {}),
    (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /broker\.consumerTimeoutMs:/);
      assert.match(error.message, /broker\.username:/);
      assert.match(error.message, /broker\.password:/);
      assert.match(error.message, /pools\.io\.stallThresholdMs:/);
      return true;
    },
  );
});

test('given a resolved config changed to RabbitMQ but still holding the embedded result store, Runtime.start refuses it before connecting, naming both', async () => {
  const embedded = resolveConfig({ jobs: 'no-such-jobs/*.ts' }, where, {});
  assert.equal(embedded.results?.url, 'memory://', 'the embedded broker comes with the embedded store');
  const changed = { ...embedded, broker: { ...embedded.broker, url: 'amqp://127.0.0.1:1' } };
  await assert.rejects(Runtime.start({ config: changed }), (error: unknown) => error instanceof ConfigError && /memory:\/\/ keeps results inside one process.*postgres:\/\//.test(error.message));
});
