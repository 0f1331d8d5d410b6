import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { connect, Runtime, type TaskEvent } from '../../src';
import { captureLogger, fixtureConfig } from '../support/fixture-runtime';

const BACKLOG = 200;

test('given a backlog queued while no runtime ran, a listener attached in beforeConsuming sees every task of it, from the first', { timeout: 30_000 }, async () => {
  const namespace = `backlog-${randomBytes(3).toString('hex')}`;
  const url = `memory://${namespace}`;
  const config = fixtureConfig(url, namespace);
  const logger = captureLogger('warn').logger;
  // A first runtime declares the queues; the backlog waits in them.
  await (await Runtime.start({ config, logger })).stop();
  const client = await connect({ url, config, logger });
  const ids = new Set<string>();
  for (let index = 0; index < BACKLOG; index++) ids.add(await client.enqueue('IoJobs.echo', [index]));

  const seen = new Set<string>();
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const onTask = (event: TaskEvent): void => {
    if (ids.has(event.taskId)) seen.add(event.taskId);
    if (seen.size === ids.size) resolveAll();
  };
  const runtime = await Runtime.start({ config, logger, beforeConsuming: (starting) => starting.on('task', onTask) });
  try {
    await all;
    assert.equal(seen.size, BACKLOG);
  } finally {
    await client.close();
    await runtime.stop();
  }
});
