import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, resolveConfig } from '../../src';

const where = { source: 'test', rootDir: '/srv/app' };

test('given only job globs, every other setting has its default', () => {
  const config = resolveConfig({ jobs: 'jobs/*.ts' }, where, {});
  assert.equal(config.broker.url, undefined);
  assert.equal(config.broker.namespace, 'warren');
  assert.deepEqual(config.jobs, ['jobs/*.ts']);
  assert.equal(config.pools.cpu.threads, os.availableParallelism());
  assert.equal(config.pools.io.concurrency, 32);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.rootDir, '/srv/app');
});

test('WARREN_BROKER_URL and WARREN_LOG_LEVEL override the file', () => {
  const config = resolveConfig({ jobs: ['a.ts'], broker: { url: 'amqp://file' }, logLevel: 'debug' }, where, {
    WARREN_BROKER_URL: 'amqp://env:5672',
    WARREN_LOG_LEVEL: 'error',
  });
  assert.equal(config.broker.url, 'amqp://env:5672');
  assert.equal(config.logLevel, 'error');
});

test('an invalid config names every field that is wrong', () => {
  assert.throws(
    () => resolveConfig({ jobs: [], pools: { cpu: { threads: 0 } }, broker: { url: 'http://x' }, colour: 'red' }, where, {}),
    (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /jobs:/);
      assert.match(error.message, /pools\.cpu\.threads:/);
      assert.match(error.message, /broker\.url: must start with amqp:\/\//);
      assert.match(error.message, /colour/);
      return true;
    },
  );
});

test('CPU thread recycling is off unless asked for, and its limits are positive integers', () => {
  assert.equal(resolveConfig({ jobs: 'a.ts' }, where, {}).pools.cpu.maxTasksPerThread, undefined);
  const cpu = resolveConfig({ jobs: 'a.ts', pools: { cpu: { maxTasksPerThread: 500, maxHeapMbPerThread: 256 } } }, where, {}).pools.cpu;
  assert.equal(cpu.maxTasksPerThread, 500);
  assert.equal(cpu.maxHeapMbPerThread, 256);
  assert.throws(() => resolveConfig({ jobs: 'a.ts', pools: { cpu: { maxHeapMbPerThread: 0 } } }, where, {}), /pools\.cpu\.maxHeapMbPerThread/);
});

test('a bad WARREN_BROKER_URL is refused', () => {
  assert.throws(() => resolveConfig({ jobs: 'a.ts' }, where, { WARREN_BROKER_URL: 'localhost:5672' }), /WARREN_BROKER_URL/);
});

test('loadConfig reads a TypeScript config file and resolves globs from its folder', () => {
  const file = path.join(__dirname, '..', 'fixtures', 'fixture.config.ts');
  const config = loadConfig(file, { env: {} });
  assert.equal(config.configFile, file);
  assert.equal(config.rootDir, path.dirname(file));
  assert.equal(config.pools.cpu.threads, 2);
  assert.equal(typeof config.providers, 'function');
});

test('a missing config file is a clear error', () => {
  assert.throws(() => loadConfig('nope.config.ts'), /Config file .*nope\.config\.ts does not exist/);
  assert.throws(() => loadConfig(undefined, { cwd: os.tmpdir() }), /No runtime\.config\.ts or runtime\.config\.js in/);
});
